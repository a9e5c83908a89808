import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountWithBucket,
  buildAccount,
  buildContext,
  buildDataset,
  buildMacie,
  denied,
  macieOff,
  ok,
  withRegion,
  withResources,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, MacieInventory } from "../domain/inventory.js";
import { macieEnabled as control } from "./macie-enabled.js";

const run = (account: AccountInventory) => control.evaluate(buildContext(account));
const withMacie = (macie: MacieInventory) =>
  run(withRegion(withResources(buildAccount(), [buildDataset()]), "us-east-1", { macie }));

describe("macie-enabled", () => {
  it("passes a region with Forecast resources where Macie is enabled", () => {
    expect(withMacie(buildMacie())).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceType: "macie-region",
        resourceArn: `arn:aws:macie2:us-east-1:${ACCOUNT_ID}:*`,
      }),
    ]);
  });

  it("fails where Macie is off or paused", () => {
    expect(withMacie(macieOff())[0]).toMatchObject({ status: "FAIL", remediationId: "macie-enable" });
    expect(withMacie(buildMacie({ session: ok({ status: "PAUSED" }) }))[0]?.detail).toMatch(
      /is paused in us-east-1/,
    );
  });

  it("counts a region that only holds a referenced bucket", () => {
    const account = withRegion(accountWithBucket({ region: ok("eu-west-1") }), "eu-west-1", {
      macie: macieOff(),
    });
    expect(run(account).map((f) => [f.region, f.status])).toEqual([["eu-west-1", "FAIL"]]);
  });

  it("reports ERROR when the session could not be read", () => {
    expect(withMacie(buildMacie({ session: denied("macie2:GetMacieSession") }))[0]?.status).toBe("ERROR");
  });

  it("yields nothing for regions without Forecast data", () => {
    expect(run(withRegion(buildAccount(), "us-east-1", { macie: macieOff() }))).toEqual([]);
  });
});

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
    expect(run(account).map((f) => [f.region, f.status])).toEqual([
      ["us-east-1", "N/A"],
      ["eu-west-1", "FAIL"],
    ]);
  });

  it("reports ERROR when the session could not be read", () => {
    expect(withMacie(buildMacie({ session: denied("macie2:GetMacieSession") }))[0]?.status).toBe("ERROR");
  });

  it("says N/A for a region that provably holds no Forecast data", () => {
    expect(run(withRegion(buildAccount(), "us-east-1", { macie: macieOff() }))).toEqual([
      expect.objectContaining({ status: "N/A", detail: "us-east-1 holds no Forecast data." }),
    ]);
  });

  it("reports ERROR, not N/A, where Macie is off and a failed read leaves the region's Forecast data unknown", () => {
    const unlisted = withRegion(buildAccount(), "us-east-1", {
      macie: macieOff(),
      forecast: { ...buildAccount().regions[0]!.forecast, predictor: denied("forecast:ListPredictors") },
    });
    expect(run(unlisted)).toEqual([
      expect.objectContaining({
        status: "ERROR",
        error: expect.objectContaining({ action: "forecast:ListPredictors" }),
        detail: expect.stringMatching(
          /^Could not evaluate: Amazon Macie is not enabled in us-east-1, and whether us-east-1 holds Forecast data is unknown: forecast:ListPredictors was denied/,
        ),
      }),
    ]);
    // A bucket here could be referenced from another region whose listing failed.
    const elsewhere = withRegion(
      withRegion(buildAccount(), "us-east-1", { macie: macieOff() }),
      "eu-west-1",
      {
        forecast: {
          ...buildAccount().regions[0]!.forecast,
          "forecast-export-job": denied("forecast:ListForecastExportJobs"),
        },
      },
    );
    expect(run(elsewhere).map((f) => [f.region, f.status])).toEqual([
      ["us-east-1", "ERROR"],
      ["eu-west-1", "PASS"],
    ]);
    // With Macie enabled the region passes whatever data it holds.
    const enabled = withRegion(buildAccount(), "us-east-1", {
      forecast: { ...buildAccount().regions[0]!.forecast, predictor: denied("forecast:ListPredictors") },
    });
    expect(run(enabled)[0]?.status).toBe("PASS");
  });
});

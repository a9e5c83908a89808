import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildContext,
  buildTrail,
  denied,
  ok,
  TRAIL_ARN,
  trailArn,
  withRegion,
  withTrail,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, TrailInventory } from "../domain/inventory.js";
import { cloudtrailMultiRegionLogging as control } from "./cloudtrail-multi-region-logging.js";

const run = (account: AccountInventory) => control.evaluate(buildContext(account));
const withOnlyTrail = (overrides: Partial<TrailInventory>) =>
  run(buildAccount({ trails: { [TRAIL_ARN]: buildTrail(overrides) } }))[0];

describe("cloudtrail-multi-region-logging", () => {
  it("passes a region with a logging multi-region trail, naming it", () => {
    expect(run(buildAccount())).toEqual([
      expect.objectContaining({
        status: "PASS",
        region: "us-east-1",
        resourceType: "cloudtrail-region",
        resourceArn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT_ID}:*`,
        detail: expect.stringContaining('Trail "management-events"'),
      }),
    ]);
  });

  it("reports once per scanned region", () => {
    const account = withRegion(buildAccount(), "eu-west-1", { trailArns: ok([]) });
    expect(run(account).map((f) => [f.region, f.status])).toEqual([
      ["us-east-1", "PASS"],
      ["eu-west-1", "FAIL"],
    ]);
  });

  it.each<[string, Partial<TrailInventory>, RegExp]>([
    ["single-region", { isMultiRegion: false }, /is not multi-region/],
    ["stopped", { status: ok({ isLogging: false }) }, /is not logging/],
    [
      "read-only",
      { selectors: ok({ managementEvents: "ReadOnly" }) },
      /records only ReadOnly management events/,
    ],
    ["no management events", { selectors: ok({ managementEvents: "None" }) }, /records no management events/],
  ])("fails a %s trail", (_label, overrides, detail) => {
    const finding = withOnlyTrail(overrides);
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "cloudtrail-enable" });
    expect(finding?.detail).toMatch(detail);
  });

  it("fails a region without trails", () => {
    expect(run(withRegion(buildAccount(), "us-east-1", { trailArns: ok([]) }))[0]?.detail).toMatch(
      /no trail is configured\.$/,
    );
  });

  it("reports ERROR when the trails could not be listed", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      trailArns: denied("cloudtrail:DescribeTrails"),
    });
    expect(run(account)[0]).toMatchObject({
      status: "ERROR",
      error: { action: "cloudtrail:DescribeTrails" },
    });
  });

  it("reports ERROR when no trail qualifies and a candidate's status could not be read", () => {
    expect(withOnlyTrail({ status: denied("cloudtrail:GetTrailStatus") })?.status).toBe("ERROR");
    expect(withOnlyTrail({ selectors: denied("cloudtrail:GetEventSelectors") })?.status).toBe("ERROR");
  });

  it("fails rather than errs when the readable part already disqualifies the trail", () => {
    const finding = withOnlyTrail({
      status: denied("cloudtrail:GetTrailStatus"),
      selectors: ok({ managementEvents: "WriteOnly" }),
    });
    expect(finding?.status).toBe("FAIL");
  });

  it("passes when another trail qualifies despite a failed candidate", () => {
    const broken = buildTrail({ name: "broken", status: denied("cloudtrail:GetTrailStatus") });
    const account = withRegion(withTrail(buildAccount(), broken), "us-east-1", {
      trailArns: ok([trailArn("broken"), TRAIL_ARN]),
    });
    expect(run(account)[0]?.status).toBe("PASS");
  });
});

import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildTrail,
  denied,
  ok,
  TRAIL_ARN,
  withRegion,
} from "../../test/support/inventory-builders.js";
import type { TrailInventory } from "../domain/inventory.js";
import { cloudtrailLogFileValidation as control } from "./cloudtrail-log-file-validation.js";

const withOnlyTrail = (overrides: Partial<TrailInventory>) =>
  control.evaluate(buildContext(buildAccount({ trails: { [TRAIL_ARN]: buildTrail(overrides) } })));

describe("cloudtrail-log-file-validation", () => {
  it("passes the qualifying trail, once, in its home region, even when several regions list it", () => {
    const account = withRegion(withRegion(buildAccount(), "eu-west-1"), "ap-southeast-2");
    expect(control.evaluate(buildContext(account))).toEqual([
      expect.objectContaining({
        status: "PASS",
        region: "us-east-1",
        resourceArn: TRAIL_ARN,
        resourceType: "cloudtrail-trail",
      }),
    ]);
  });

  it("fails a trail without log file validation", () => {
    expect(withOnlyTrail({ logFileValidationEnabled: false })).toEqual([
      expect.objectContaining({
        status: "FAIL",
        remediationId: "cloudtrail-enable-log-validation",
        severity: "low",
      }),
    ]);
  });

  it("yields nothing when no trail qualifies", () => {
    expect(withOnlyTrail({ isMultiRegion: false, logFileValidationEnabled: false })).toEqual([]);
    expect(withOnlyTrail({ status: ok({ isLogging: false }) })).toEqual([]);
    expect(
      control.evaluate(buildContext(withRegion(buildAccount(), "us-east-1", { trailArns: ok([]) }))),
    ).toEqual([]);
  });

  it("reports ERROR per region where a trail might qualify but could not be read", () => {
    expect(withOnlyTrail({ status: denied("cloudtrail:GetTrailStatus") })).toEqual([
      expect.objectContaining({ status: "ERROR", resourceType: "cloudtrail-region", region: "us-east-1" }),
    ]);
    const unlisted = withRegion(buildAccount(), "us-east-1", {
      trailArns: denied("cloudtrail:DescribeTrails"),
    });
    expect(control.evaluate(buildContext(unlisted))[0]?.status).toBe("ERROR");
  });
});

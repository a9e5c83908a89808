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

  it("judges every trail, whether it is multi-region, logging or readable, so a verdict never goes quiet", () => {
    expect(withOnlyTrail({ isMultiRegion: false, logFileValidationEnabled: false })).toEqual([
      expect.objectContaining({ status: "FAIL", resourceArn: TRAIL_ARN }),
    ]);
    expect(withOnlyTrail({ status: ok({ isLogging: false }) })).toEqual([
      expect.objectContaining({ status: "PASS", resourceArn: TRAIL_ARN }),
    ]);
    // Log file validation is part of DescribeTrails: a trail whose status could not be read is still judged.
    expect(
      withOnlyTrail({ status: denied("cloudtrail:GetTrailStatus"), logFileValidationEnabled: false }),
    ).toEqual([expect.objectContaining({ status: "FAIL", resourceArn: TRAIL_ARN })]);
  });

  it("yields nothing where no trail is listed", () => {
    expect(
      control.evaluate(buildContext(withRegion(buildAccount(), "us-east-1", { trailArns: ok([]) }))),
    ).toEqual([]);
  });

  it("reports ERROR in each region whose trails could not be listed, and judges the trails listed elsewhere", () => {
    const unlisted = withRegion(withRegion(buildAccount(), "eu-west-1"), "us-east-1", {
      trailArns: denied("cloudtrail:DescribeTrails"),
    });
    expect(control.evaluate(buildContext(unlisted))).toEqual([
      expect.objectContaining({
        status: "ERROR",
        resourceType: "cloudtrail-region",
        region: "us-east-1",
        error: expect.objectContaining({ action: "cloudtrail:DescribeTrails" }),
      }),
      expect.objectContaining({ status: "PASS", resourceArn: TRAIL_ARN, region: "us-east-1" }),
    ]);
  });
});

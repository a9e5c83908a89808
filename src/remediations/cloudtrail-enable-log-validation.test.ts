import { describe, expect, it } from "vitest";
import { buildAccount, buildTrail, TRAIL_ARN, TRAIL_NAME } from "../../test/support/inventory-builders.js";
import {
  buildFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
  regionFinding,
} from "../../test/support/remediation-fixtures.js";
import { cloudtrailEnableLogValidation as remediation } from "./cloudtrail-enable-log-validation.js";

const finding = buildFinding("cloudtrail-log-file-validation", TRAIL_ARN, {
  resourceType: "cloudtrail-trail",
});
const withValidation = (on: boolean) =>
  buildAccount({ trails: { [TRAIL_ARN]: buildTrail({ logFileValidationEnabled: on }) } });

describe("cloudtrail-enable-log-validation", () => {
  it("turns validation on in the trail's home region, and off again on revert", () => {
    const plan = remediation.plan(finding, withValidation(false), planOptions());
    expect(onlyStep(plan)).toMatchObject({
      service: "cloudtrail",
      operation: "UpdateTrail",
      region: "us-east-1",
      input: { Name: TRAIL_NAME, EnableLogFileValidation: true },
    });
    expect(onlyStep(remediation.revertPlan(plan)).input).toEqual({
      Name: TRAIL_NAME,
      EnableLogFileValidation: false,
    });
  });

  it("finds the trail from a region-level finding too", () => {
    const plan = remediation.plan(
      regionFinding("cloudtrail-log-file-validation", "cloudtrail"),
      withValidation(false),
      planOptions(),
    );
    expect(onlyStep(plan).input).toMatchObject({ Name: TRAIL_NAME });
  });

  it("gives no steps when validation is on", () => {
    expect(isAlreadyCompliant(remediation.plan(finding, withValidation(true), planOptions()))).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildRole,
  buildSecureAccount,
  denied,
  ROLE_ARN,
  withRole,
} from "../../test/support/inventory-builders.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { forecastRoleTrustScoped as control } from "./forecast-role-trust-scoped.js";

const withTrust = (...Statement: PolicyStatement[]) =>
  control.evaluate(
    buildContext(withRole(buildAccount(), buildRole(ROLE_ARN, { role: { trustPolicy: { Statement } } }))),
  )[0];

const forecastStatement: PolicyStatement = {
  Effect: "Allow",
  Principal: { Service: "forecast.amazonaws.com" },
  Action: "sts:AssumeRole",
};

describe("forecast-role-trust-scoped", () => {
  it("passes a role that trusts Forecast with an aws:SourceAccount condition", () => {
    expect(control.evaluate(buildContext(buildSecureAccount()))).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceArn: ROLE_ARN,
        resourceType: "iam-role",
        region: "global",
      }),
    ]);
  });

  it("accepts aws:SourceArn with ArnLike and any key case", () => {
    const finding = withTrust({
      ...forecastStatement,
      Condition: { ArnLike: { "AWS:SourceArn": "arn:aws:forecast:us-east-1:123456789012:*" } },
    });
    expect(finding?.status).toBe("PASS");
  });

  it("fails a trust without a source condition, with the fix attached", () => {
    const finding = withTrust(forecastStatement);
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "iam-role-scope-forecast-trust" });
    expect(finding?.detail).toBe(
      'Role "ForecastAccessRole" is not scoped to Forecast: statement 1 has no aws:SourceAccount or aws:SourceArn condition.',
    );
  });

  it("fails a trust that also lets another principal in", () => {
    const finding = withTrust({
      ...forecastStatement,
      Principal: { Service: ["forecast.amazonaws.com", "ec2.amazonaws.com"] },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toContain("also trusts Service: ec2.amazonaws.com");
  });

  it("reports ERROR when the role could not be read", () => {
    const account = withRole(buildAccount(), buildRole(ROLE_ARN, { role: denied("iam:GetRole") }));
    expect(control.evaluate(buildContext(account))[0]).toMatchObject({
      status: "ERROR",
      resourceArn: ROLE_ARN,
    });
  });

  it("yields nothing for a role IAM's complete listing does not hold (it is gone), and ERROR for another account's", () => {
    const gone = withRole(
      buildAccount(),
      buildRole(ROLE_ARN, { role: denied("iam:GetRole", "NoSuchEntity") }),
    );
    expect(control.evaluate(buildContext(gone))).toEqual([]);
    const foreign = "arn:aws:iam::999999999999:role/Elsewhere";
    const other = withRole(
      buildAccount(),
      buildRole(foreign, { role: denied("iam:GetRole", "RoleNotInAccount") }),
    );
    expect(control.evaluate(buildContext(other))[0]).toMatchObject({ status: "ERROR", resourceArn: foreign });
  });

  it("yields nothing when Forecast uses no role", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildRole,
  denied,
  forecastTrustPolicy,
  ROLE_ARN,
  withRole,
} from "../../test/support/inventory-builders.js";
import {
  buildFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
} from "../../test/support/remediation-fixtures.js";
import type { PolicyDocument } from "../domain/policy-document.js";
import { iamRoleScopeForecastTrust as remediation } from "./iam-role-scope-forecast-trust.js";

const finding = buildFinding("forecast-role-trust-scoped", ROLE_ARN, {
  resourceType: "iam-role",
  region: "global",
});
const trust: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Forecast",
      Effect: "Allow",
      Principal: { Service: "forecast.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringLike: { "aws:PrincipalTag/team": "demand*" } },
    },
    {
      Sid: "Ops",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:role/Ops" },
      Action: "sts:AssumeRole",
    },
    {
      Sid: "Both",
      Effect: "Allow",
      Principal: { Service: ["forecast.amazonaws.com"] },
      Action: ["sts:AssumeRole", "sts:TagSession"],
    },
  ],
};
const accountWith = (document: PolicyDocument) =>
  withRole(buildAccount(), buildRole(ROLE_ARN, { role: { trustPolicy: document } }));

describe("iam-role-scope-forecast-trust", () => {
  it("adds aws:SourceAccount to each Forecast Allow statement, keeping every other statement and condition", () => {
    const plan = remediation.plan(finding, accountWith(trust), planOptions());
    const update = onlyStep(plan);
    expect(update).toMatchObject({
      service: "iam",
      operation: "UpdateAssumeRolePolicy",
      region: "global",
      input: { RoleName: "ForecastAccessRole" },
    });
    const next = JSON.parse(update.input.PolicyDocument as string) as PolicyDocument;
    expect(next.Statement[0]?.Condition).toEqual({
      StringLike: { "aws:PrincipalTag/team": "demand*" },
      StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
    });
    expect(JSON.stringify(next.Statement[1])).toBe(JSON.stringify(trust.Statement[1]));
    expect(next.Statement[2]?.Condition).toEqual({ StringEquals: { "aws:SourceAccount": ACCOUNT_ID } });
    expect(next.Statement[2]?.Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    expect(plan.notes.join(" ")).toMatch(/1 other statement/);
    expect(plan.diff).toContain("+ ");
  });

  it("re-planning after the fix gives no steps", () => {
    const plan = remediation.plan(finding, accountWith(trust), planOptions());
    const fixed = JSON.parse(onlyStep(plan).input.PolicyDocument as string) as PolicyDocument;
    expect(isAlreadyCompliant(remediation.plan(finding, accountWith(fixed), planOptions()))).toBe(true);
    expect(
      isAlreadyCompliant(remediation.plan(finding, accountWith(forecastTrustPolicy()), planOptions())),
    ).toBe(true);
  });

  it("counts an aws:SourceArn condition as scoped", () => {
    const scoped: PolicyDocument = {
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "forecast.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { ArnLike: { "AWS:SourceArn": "arn:aws:forecast:us-east-1:123456789012:*" } },
        },
      ],
    };
    expect(isAlreadyCompliant(remediation.plan(finding, accountWith(scoped), planOptions()))).toBe(true);
  });

  it("reverts to the exact prior document", () => {
    const plan = remediation.plan(finding, accountWith(trust), planOptions());
    expect(onlyStep(remediation.revertPlan(plan)).input).toEqual({
      RoleName: "ForecastAccessRole",
      PolicyDocument: JSON.stringify(trust),
    });
  });

  it("refuses when the role could not be read", () => {
    const account = withRole(
      buildAccount(),
      buildRole(ROLE_ARN, { role: denied("iam:GetAccountAuthorizationDetails") }),
    );
    expect(remediation.plan(finding, account, planOptions()).refusal).toMatch(
      /GetAccountAuthorizationDetails/,
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountRootKeyPolicy,
  accountWithKey,
  buildAccount,
  buildAwsManagedKey,
  buildContext,
  buildKey,
  buildSecureAccount,
  denied,
  KEY_ARN,
  ok,
  withKey,
} from "../../test/support/inventory-builders.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { kmsKeyPolicyNotPublic as control } from "./kms-key-policy-not-public.js";

const withStatement = (statement: PolicyStatement) => {
  const policy = accountRootKeyPolicy();
  const key = buildKey(KEY_ARN, { policy: ok({ ...policy, Statement: [...policy.Statement, statement] }) });
  return control.evaluate(buildContext(withKey(buildAccount(), key)))[0];
};
const open: PolicyStatement = {
  Sid: "Open",
  Effect: "Allow",
  Principal: "*",
  Action: "kms:Decrypt",
  Resource: "*",
};

describe("kms-key-policy-not-public", () => {
  it("passes the default key policy", () => {
    expect(control.evaluate(buildContext(buildSecureAccount())).map((f) => f.status)).toEqual([
      "PASS",
      "PASS",
    ]);
  });

  it("fails Principal * and { AWS: * } without a condition, naming the statement", () => {
    expect(withStatement(open)).toMatchObject({ status: "FAIL", severity: "critical" });
    expect(withStatement(open)?.detail).toMatch(/in statement "Open"\.$/);
    expect(withStatement({ ...open, Principal: { AWS: "*" } })?.status).toBe("FAIL");
  });

  it.each([
    ["kms:CallerAccount", ACCOUNT_ID],
    ["aws:PrincipalOrgID", "o-abc123"],
    ["aws:PrincipalArn", "arn:aws:iam::123456789012:role/x"],
    ["aws:SourceVpce", "vpce-1a2b3c4d"],
  ])("passes a public statement restricted by %s", (key, value) => {
    expect(withStatement({ ...open, Condition: { StringEquals: { [key]: value } } })?.status).toBe("PASS");
  });

  it("does not count a condition that does not restrict the caller", () => {
    const statement = {
      ...open,
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    };
    expect(withStatement(statement)?.status).toBe("FAIL");
  });

  it("says N/A for AWS managed keys (their policy is not fetched) and reports ERROR when it failed", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/s3`;
    expect(control.evaluate(buildContext(withKey(buildAccount(), buildAwsManagedKey(alias))))).toEqual([
      expect.objectContaining({ status: "N/A", resourceType: "kms-key" }),
    ]);
    const failed = accountWithKey({ policy: denied("kms:GetKeyPolicy") });
    expect(control.evaluate(buildContext(failed))[0]?.status).toBe("ERROR");
  });

  it("yields nothing without referenced keys", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildContext,
  buildIam,
  denied,
  ok,
} from "../../test/support/inventory-builders.js";
import { iamRootMfaEnabled as control } from "./iam-root-mfa-enabled.js";

const run = (summary: Parameters<typeof buildIam>[0]) =>
  control.evaluate(buildContext(buildAccount({ iam: buildIam(summary) })));

describe("iam-root-mfa-enabled", () => {
  it("passes when the root user has MFA, reported against the root ARN", () => {
    expect(run({})).toEqual([
      expect.objectContaining({
        status: "PASS",
        region: "global",
        resourceArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
        resourceType: "iam-account",
      }),
    ]);
  });

  it("fails without root MFA", () => {
    const findings = run({
      summary: ok({ accountMfaEnabled: false, accountAccessKeysPresent: false, users: 0 }),
    });
    expect(findings[0]).toMatchObject({ status: "FAIL", severity: "critical" });
  });

  it("reports ERROR when the account summary could not be read", () => {
    expect(run({ summary: denied("iam:GetAccountSummary") })[0]?.status).toBe("ERROR");
  });
});

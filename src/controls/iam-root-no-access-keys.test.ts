import { describe, expect, it } from "vitest";
import { buildAccount, buildContext, buildIam, denied, ok } from "../../test/support/inventory-builders.js";
import { iamRootNoAccessKeys as control } from "./iam-root-no-access-keys.js";

const run = (iam: Parameters<typeof buildIam>[0]) =>
  control.evaluate(buildContext(buildAccount({ iam: buildIam(iam) })));

describe("iam-root-no-access-keys", () => {
  it("passes when the root user has no access keys", () => {
    expect(run({})[0]?.status).toBe("PASS");
  });

  it("fails when the root user has an access key", () => {
    const findings = run({
      summary: ok({ accountMfaEnabled: true, accountAccessKeysPresent: true, users: 0 }),
    });
    expect(findings).toEqual([
      expect.objectContaining({ status: "FAIL", detail: "The root user has at least one access key." }),
    ]);
  });

  it("reports ERROR when the account summary could not be read", () => {
    expect(run({ summary: denied("iam:GetAccountSummary") })[0]).toMatchObject({
      status: "ERROR",
      error: { action: "iam:GetAccountSummary" },
    });
  });
});

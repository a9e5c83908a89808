import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildIam,
  buildRootRow,
  buildUserRow,
  daysBefore,
  denied,
  ok,
  userArn,
} from "../../test/support/inventory-builders.js";
import type { CredentialReportRow } from "../domain/inventory.js";
import { iamConsoleUsersMfaEnabled as control } from "./iam-console-users-mfa-enabled.js";

const withRows = (...rows: CredentialReportRow[]) =>
  control.evaluate(
    buildContext(
      buildAccount({
        iam: buildIam({
          credentialReport: ok({
            generatedAt: daysBefore(0),
            rows: [buildRootRow({ mfaActive: false }), ...rows],
          }),
        }),
      }),
    ),
  );

describe("iam-console-users-mfa-enabled", () => {
  it("passes console users with MFA, one finding per user", () => {
    expect(withRows(buildUserRow("alice"))).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceArn: userArn("alice"),
        resourceType: "iam-user",
        region: "global",
      }),
    ]);
  });

  it("fails console users without MFA and masks names that look personal", () => {
    const findings = withRows(
      buildUserRow("bob", { mfaActive: false }),
      buildUserRow("jane@example.com", { mfaActive: false }),
    );
    expect(findings.map((f) => f.status)).toEqual(["FAIL", "FAIL"]);
    expect(findings[1]?.detail).toBe('IAM user "[email]" has a console password but no MFA device.');
  });

  it("ignores the root row, and says N/A for a user without a console password", () => {
    expect(withRows(buildUserRow("ci", { passwordEnabled: false, mfaActive: false }))).toEqual([
      expect.objectContaining({
        status: "N/A",
        resourceType: "iam-user",
        detail: 'IAM user "ci" has no console password.',
      }),
    ]);
  });

  it("reports ERROR when the credential report could not be read", () => {
    const account = buildAccount({
      iam: buildIam({ credentialReport: denied("iam:GenerateCredentialReport") }),
    });
    expect(control.evaluate(buildContext(account))).toEqual([
      expect.objectContaining({ status: "ERROR", resourceType: "iam-account" }),
    ]);
  });
});

import { defineControl, findingsFor } from "../domain/control.js";
import { iamAccountTarget, iamTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";

const meta = {
  id: "iam-console-users-mfa-enabled",
  title: "IAM users with a console password have MFA",
  severity: "high",
} as const;

export const iamConsoleUsersMfaEnabled = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.credentialReport"],
  scope: { kind: "iam", slice: "credentialReport" },
  guidance:
    "IAM console → Users → the user → Security credentials → Multi-factor authentication (MFA) → Assign MFA device; or `aws iam enable-mfa-device`. If the user no longer signs in to the console, delete its password instead (`aws iam delete-login-profile --user-name <user>`). A policy that denies all but MFA setup without `aws:MultiFactorAuthPresent` keeps it that way.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const report = account.iam.credentialReport;
    if (!report.ok) return [findings.error(iamAccountTarget(account), report.error)];
    return report.value.rows
      .filter((row) => row.user !== "<root_account>")
      .map((row) => {
        const target = iamTarget(account, row.arn, "iam-user");
        const name = `IAM user ${quoted(row.user)}`;
        if (!row.passwordEnabled) return findings.notApplicable(target, `${name} has no console password.`);
        return row.mfaActive
          ? findings.pass(target, `${name} has a console password and an MFA device.`)
          : findings.fail(target, `${name} has a console password but no MFA device.`);
      });
  },
});

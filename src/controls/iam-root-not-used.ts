import { defineControl, findingsFor } from "../domain/control.js";
import { rootTarget } from "./support/targets.js";
import { dateOf, listPhrase } from "./support/text.js";

const meta = {
  id: "iam-root-not-used",
  title: "The root user has not been used in the last 90 days",
  severity: "medium",
} as const;

const WINDOW_DAYS = 90;

export const iamRootNotUsed = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.credentialReport"],
  scope: { kind: "iam", slice: "credentialReport" },
  guidance:
    "Review what the root user did (CloudTrail → Event history, filter User name = root). Give people individual IAM Identity Center or IAM users with MFA for daily work, keep the root password in a vault with its MFA device, and delete root access keys. Root is for the few tasks that need it.",
  evaluate({ account, settings }) {
    const findings = findingsFor(meta);
    const target = rootTarget(account);
    const report = account.iam.credentialReport;
    if (!report.ok) return [findings.error(target, report.error)];
    const root = report.value.rows.find((row) => row.user === "<root_account>");
    if (!root) {
      return [
        findings.error(target, {
          code: "RootRowMissing",
          message: "The credential report has no <root_account> row",
          action: "iam:GetCredentialReport",
        }),
      ];
    }
    const since = settings.now.getTime() - WINDOW_DAYS * 86_400_000;
    const recent = (iso: string | undefined) => iso !== undefined && Date.parse(iso) >= since;
    const uses: string[] = [];
    if (recent(root.passwordLastUsed)) uses.push(`signed in on ${dateOf(root.passwordLastUsed ?? "")}`);
    if (recent(root.accessKey1LastUsed))
      uses.push(`used access key 1 on ${dateOf(root.accessKey1LastUsed ?? "")}`);
    if (recent(root.accessKey2LastUsed))
      uses.push(`used access key 2 on ${dateOf(root.accessKey2LastUsed ?? "")}`);
    if (uses.length > 0) {
      return [
        findings.fail(target, `The root user ${listPhrase(uses)}, within the last ${WINDOW_DAYS} days.`),
      ];
    }
    return [
      findings.pass(
        target,
        `The root user has not signed in or used an access key in the last ${WINDOW_DAYS} days.`,
      ),
    ];
  },
});

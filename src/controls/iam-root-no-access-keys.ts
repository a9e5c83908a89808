import { defineControl, findingsFor } from "../domain/control.js";
import { rootTarget } from "./support/targets.js";

const meta = {
  id: "iam-root-no-access-keys",
  title: "The root user has no access keys",
  severity: "critical",
} as const;

export const iamRootNoAccessKeys = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.summary"],
  guidance:
    "Find what uses the key first (IAM → Credential report, or CloudTrail events with userIdentity.type Root), move it to an IAM role, then sign in as the root user → Security credentials → Access keys → Deactivate, and Delete once nothing breaks.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const target = rootTarget(account);
    const summary = account.iam.summary;
    if (!summary.ok) return [findings.error(target, summary.error)];
    return [
      summary.value.accountAccessKeysPresent
        ? findings.fail(target, "The root user has at least one access key.")
        : findings.pass(target, "The root user has no access keys."),
    ];
  },
});

import { defineControl, findingsFor } from "../domain/control.js";
import { evaluateRootSummary } from "./support/root-user.js";

const meta = {
  id: "iam-root-no-access-keys",
  title: "The root user has no access keys",
  severity: "critical",
} as const;

export const iamRootNoAccessKeys = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.summary"],
  scope: { kind: "iam", slice: "summary" },
  guidance:
    "Find what uses the key first (IAM → Credential report, or CloudTrail events with userIdentity.type Root), move it to an IAM role, then sign in as the root user → Security credentials → Access keys → Deactivate, and Delete once nothing breaks.",
  evaluate({ account }) {
    return evaluateRootSummary(account, findingsFor(meta), (summary) => !summary.accountAccessKeysPresent, {
      pass: "The root user has no access keys.",
      fail: "The root user has at least one access key.",
    });
  },
});

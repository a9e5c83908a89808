import { defineControl, findingsFor } from "../domain/control.js";
import { evaluateRootSummary } from "./support/root-user.js";

const meta = {
  id: "iam-root-mfa-enabled",
  title: "The root user has MFA",
  severity: "critical",
} as const;

export const iamRootMfaEnabled = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.summary"],
  scope: { kind: "iam", slice: "summary" },
  guidance:
    "Sign in as the root user → account menu → Security credentials → Multi-factor authentication (MFA) → Assign MFA device (a hardware key or passkey is best). For accounts in an AWS Organization, consider centralised root access management, which removes root credentials altogether.",
  evaluate({ account }) {
    return evaluateRootSummary(account, findingsFor(meta), (summary) => summary.accountMfaEnabled, {
      pass: "The root user has an MFA device.",
      fail: "The root user has no MFA device, so a password alone opens the whole account.",
    });
  },
});

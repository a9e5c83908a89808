import { defineControl, findingsFor } from "../domain/control.js";
import { quoted } from "./support/text.js";
import { evaluateEveryTrail } from "./support/trails.js";

const meta = {
  id: "cloudtrail-logs-encrypted-with-cmk",
  title: "CloudTrail trails encrypt their logs with a customer-managed KMS key",
  severity: "medium",
} as const;

export const cloudtrailLogsEncryptedWithCmk = defineControl({
  ...meta,
  service: "cloudtrail",
  requires: ["cloudtrail.trails"],
  scope: { kind: "trails" },
  guidance:
    "Create a symmetric customer-managed key whose key policy lets cloudtrail.amazonaws.com use kms:GenerateDataKey* (with an aws:SourceArn condition for the trail) and lets log readers kms:Decrypt, then CloudTrail console → Trails → the trail → Edit → Log file SSE-KMS encryption: Enabled; or `aws cloudtrail update-trail --name <trail> --kms-key-id <key ARN>`.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateEveryTrail(account, findings, (trail, target) => {
      const name = `Trail ${quoted(trail.name)}`;
      // CloudTrail accepts only customer-managed keys, so a key id is enough.
      return trail.kmsKeyId
        ? findings.pass(target, `${name} encrypts its logs with a customer-managed KMS key.`)
        : findings.fail(
            target,
            `${name} encrypts its logs with SSE-S3 only, not a customer-managed KMS key.`,
          );
    });
  },
});

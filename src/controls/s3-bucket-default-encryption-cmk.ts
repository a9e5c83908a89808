import { defineControl, findingsFor } from "../domain/control.js";
import { bucketDefaultCmkVerdict, bucketRegion, presentBuckets } from "./support/buckets.js";
import { referenceScopeErrors } from "./support/scope.js";
import { bucketTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";
import { verdictFinding } from "./support/verdict.js";

const meta = {
  id: "s3-bucket-default-encryption-cmk",
  title: "Forecast buckets encrypt by default with a customer-managed KMS key",
  severity: "high",
  remediationId: "s3-bucket-attach-kms-key",
} as const;

export const s3BucketDefaultEncryptionCmk = defineControl({
  ...meta,
  service: "s3",
  requires: ["s3.bucketRegion", "s3.bucketEncryption", "kms.keyMetadata"],
  scope: { kind: "references", of: "bucket" },
  guidance:
    'S3 console → the bucket → Properties → Default encryption → Edit → SSE-KMS, choose a customer-managed key, enable Bucket Key; or `aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key ARN>"},"BucketKeyEnabled":true}]}\'`. Grant each Forecast role kms:Decrypt and kms:GenerateDataKey on the key first. Existing objects keep their encryption until rewritten.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = presentBuckets(account).map((bucket) => {
      const target = bucketTarget(account, bucket.name, bucketRegion(account, bucket));
      const verdict = bucketDefaultCmkVerdict(account, bucket);
      return verdictFinding(
        findings,
        target,
        verdict,
        (reason) => `Bucket ${quoted(bucket.name)} ${reason}.`,
      );
    });
    return [...referenceScopeErrors(account, "bucket", "s3", findings), ...verdicts];
  },
});

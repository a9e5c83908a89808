import { defineControl, findingsFor } from "../domain/control.js";
import { deniesInsecureTransport, denyCoverage, describeGap } from "./support/bucket-policy.js";
import { bucketRegion } from "./support/buckets.js";
import { bucketTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";

const meta = {
  id: "s3-bucket-tls-enforced",
  title: "Forecast buckets deny requests without TLS",
  severity: "high",
  remediationId: "s3-bucket-enforce-tls",
} as const;

export const s3BucketTlsEnforced = defineControl({
  ...meta,
  service: "s3",
  requires: ["s3.bucketRegion", "s3.bucketPolicy"],
  guidance:
    'S3 console → the bucket → Permissions → Bucket policy → Edit, and append: `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}` (keep the existing statements); or the same with `aws s3api put-bucket-policy`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return Object.values(account.buckets).map((bucket) => {
      const target = bucketTarget(account, bucket.name, bucketRegion(account, bucket));
      const name = `Bucket ${quoted(bucket.name)}`;
      if (!bucket.policy.ok) return findings.error(target, bucket.policy.error);
      if (bucket.policy.value === null) {
        return findings.fail(target, `${name} has no bucket policy, so requests without TLS are not denied.`);
      }
      const coverage = denyCoverage(
        bucket.policy.value.document,
        account.partition,
        bucket.name,
        deniesInsecureTransport,
      );
      if (coverage.bucket && coverage.objects) {
        return findings.pass(
          target,
          `${name} denies every request with aws:SecureTransport false, on the bucket and its objects.`,
        );
      }
      return findings.fail(
        target,
        `${name}'s policy does not deny requests with aws:SecureTransport false on ${describeGap(coverage)}.`,
      );
    });
  },
});

import { defineControl, findingsFor } from "../domain/control.js";
import { deniesTlsBelow12, denyCoverage, describeGap } from "./support/bucket-policy.js";
import { bucketRegion } from "./support/buckets.js";
import { bucketTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";

const meta = {
  id: "s3-bucket-min-tls-1-2",
  title: "Forecast buckets deny TLS versions below 1.2",
  severity: "medium",
  remediationId: "s3-bucket-enforce-tls",
} as const;

export const s3BucketMinTls12 = defineControl({
  ...meta,
  service: "s3",
  requires: ["s3.bucketRegion", "s3.bucketPolicy"],
  guidance:
    'S3 console → the bucket → Permissions → Bucket policy → Edit, and append: `{"Sid":"DenyTlsBelow12","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}}` (keep the existing statements); or the same with `aws s3api put-bucket-policy`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return Object.values(account.buckets).map((bucket) => {
      const target = bucketTarget(account, bucket.name, bucketRegion(account, bucket));
      const name = `Bucket ${quoted(bucket.name)}`;
      if (!bucket.policy.ok) return findings.error(target, bucket.policy.error);
      if (bucket.policy.value === null) {
        return findings.fail(
          target,
          `${name} has no bucket policy, so TLS 1.0 and 1.1 requests are not denied.`,
        );
      }
      const coverage = denyCoverage(
        bucket.policy.value.document,
        account.partition,
        bucket.name,
        deniesTlsBelow12,
      );
      if (coverage.bucket && coverage.objects) {
        return findings.pass(
          target,
          `${name} denies requests with s3:TlsVersion below 1.2, on the bucket and its objects.`,
        );
      }
      return findings.fail(
        target,
        `${name}'s policy does not deny s3:TlsVersion below 1.2 on ${describeGap(coverage)}.`,
      );
    });
  },
});

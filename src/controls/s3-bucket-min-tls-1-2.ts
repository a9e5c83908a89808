import { defineControl, findingsFor } from "../domain/control.js";
import { deniesTlsBelow12, evaluateBucketDenies } from "./support/bucket-policy.js";
import { referenceScopeErrors } from "./support/scope.js";

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
  scope: { kind: "references", of: "bucket" },
  guidance:
    'S3 console → the bucket → Permissions → Bucket policy → Edit, and append: `{"Sid":"DenyTlsBelow12","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}}` (keep the existing statements); or the same with `aws s3api put-bucket-policy`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = evaluateBucketDenies(account, findings, deniesTlsBelow12, {
      noPolicy: "TLS 1.0 and 1.1 requests are not denied",
      denies: "denies requests with s3:TlsVersion below 1.2",
      doesNotDeny: "does not deny s3:TlsVersion below 1.2",
    });
    return [...referenceScopeErrors(account, "bucket", "s3", findings), ...verdicts];
  },
});

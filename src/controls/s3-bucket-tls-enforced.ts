import { defineControl, findingsFor } from "../domain/control.js";
import { deniesInsecureTransport, evaluateBucketDenies } from "./support/bucket-policy.js";

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
    return evaluateBucketDenies(account, findingsFor(meta), deniesInsecureTransport, {
      noPolicy: "requests without TLS are not denied",
      denies: "denies every request with aws:SecureTransport false",
      doesNotDeny: "does not deny requests with aws:SecureTransport false",
    });
  },
});

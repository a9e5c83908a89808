import { defineControl, findingsFor } from "../domain/control.js";
import { deniesInsecureTransport, evaluateBucketDenies } from "./support/bucket-policy.js";
import { referenceScopeErrors } from "./support/scope.js";

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
  scope: { kind: "references", of: "bucket" },
  guidance:
    'S3 console → the bucket → Permissions → Bucket policy → Edit, and append: `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}` (keep the existing statements); or the same with `aws s3api put-bucket-policy`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = evaluateBucketDenies(account, findings, deniesInsecureTransport, {
      noPolicy: "requests without TLS are not denied",
      denies: "denies every request with aws:SecureTransport false",
      doesNotDeny: "does not deny requests with aws:SecureTransport false",
    });
    return [...referenceScopeErrors(account, "bucket", "s3", findings), ...verdicts];
  },
});

import { defineControl, findingsFor } from "../domain/control.js";
import type { PublicAccessBlock } from "../domain/inventory.js";
import { bucketRegion, presentBuckets } from "./support/buckets.js";
import { referenceScopeErrors } from "./support/scope.js";
import { bucketTarget } from "./support/targets.js";
import { listPhrase, quoted } from "./support/text.js";

const meta = {
  id: "s3-bucket-public-access-blocked",
  title: "Forecast buckets block all public access",
  severity: "high",
  remediationId: "s3-bucket-block-public-access",
} as const;

const SETTINGS: [keyof PublicAccessBlock, string][] = [
  ["blockPublicAcls", "BlockPublicAcls"],
  ["ignorePublicAcls", "IgnorePublicAcls"],
  ["blockPublicPolicy", "BlockPublicPolicy"],
  ["restrictPublicBuckets", "RestrictPublicBuckets"],
];

function onSettings(block: PublicAccessBlock | null): Set<keyof PublicAccessBlock> {
  return new Set(SETTINGS.filter(([key]) => block?.[key] === true).map(([key]) => key));
}

export const s3BucketPublicAccessBlocked = defineControl({
  ...meta,
  service: "s3",
  requires: ["s3.bucketRegion", "s3.bucketPublicAccessBlock", "s3.accountPublicAccessBlock"],
  scope: { kind: "references", of: "bucket" },
  guidance:
    "S3 console → the bucket → Permissions → Block public access → Edit → turn on all four settings (or Block Public Access settings for this account, to cover every bucket); or `aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const accountBlock = account.s3.publicAccessBlock;
    const verdicts = presentBuckets(account).map((bucket) => {
      const target = bucketTarget(account, bucket.name, bucketRegion(account, bucket));
      const name = `Bucket ${quoted(bucket.name)}`;
      const on = new Set([
        ...(bucket.publicAccessBlock.ok ? onSettings(bucket.publicAccessBlock.value) : []),
        ...(accountBlock.ok ? onSettings(accountBlock.value) : []),
      ]);
      const missing = SETTINGS.filter(([key]) => !on.has(key)).map(([, label]) => label);
      if (missing.length === 0) {
        return findings.pass(
          target,
          `${name} has all four Block Public Access settings on, at bucket or account level.`,
        );
      }
      // A level that could not be read might hold the missing settings.
      if (!bucket.publicAccessBlock.ok) return findings.error(target, bucket.publicAccessBlock.error);
      if (!accountBlock.ok) return findings.error(target, accountBlock.error);
      return findings.fail(
        target,
        `${name} has ${listPhrase(missing, 4)} off at both bucket and account level.`,
      );
    });
    return [...referenceScopeErrors(account, "bucket", "s3", findings), ...verdicts];
  },
});

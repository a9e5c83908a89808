/** Referenced buckets: where they live and whether their default encryption uses a customer-managed key. */
import { parseArn } from "../../domain/arn.js";
import type { AccountInventory, BucketInventory } from "../../domain/inventory.js";
import { isBucketGone } from "../../domain/reference-scope.js";
import { customerKeyVerdict } from "./keys.js";
import { fail, pass, type Verdict, error as verdictError } from "./verdict.js";

/** The referenced buckets that exist (a bucket whose own read says it does not is gone, not in scope). */
export function presentBuckets(account: AccountInventory): BucketInventory[] {
  return Object.values(account.buckets).filter((bucket) => !isBucketGone(bucket));
}

/**
 * The bucket's region; when `GetBucketLocation` failed, the region of a Forecast resource that uses it (so the
 * finding still lands in a region the reader scanned).
 */
export function bucketRegion(account: AccountInventory, bucket: BucketInventory): string {
  if (bucket.region.ok) return bucket.region.value;
  for (const arn of bucket.referencedBy) {
    const region = parseArn(arn)?.region;
    if (region) return region;
  }
  return account.regions[0]?.region ?? "global";
}

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

/** Passes when new objects are encrypted by default with SSE-KMS (or DSSE-KMS) under a customer-managed key. */
export function bucketDefaultCmkVerdict(account: AccountInventory, bucket: BucketInventory): Verdict {
  if (!bucket.encryption.ok) return verdictError(bucket.encryption.error);
  const encryption = bucket.encryption.value;
  if (encryption === null) return fail("has no default encryption configured");
  const kind = encryption.algorithm === "aws:kms:dsse" ? "DSSE-KMS" : "SSE-KMS";
  if (!KMS_ALGORITHMS.has(encryption.algorithm)) {
    const what = encryption.algorithm === "AES256" ? "SSE-S3 (AES256)" : encryption.algorithm;
    return fail(`encrypts new objects with ${what}, not SSE-KMS`);
  }
  if (!encryption.kmsKeyId) return fail(`uses ${kind} with the AWS managed aws/s3 key`);
  let region: string | undefined;
  if (!encryption.kmsKeyId.startsWith("arn:")) {
    if (!bucket.region.ok) return verdictError(bucket.region.error);
    region = bucket.region.value;
  }
  const key = customerKeyVerdict(account, encryption.kmsKeyId, region ?? bucketRegion(account, bucket));
  if (key.status === "error") return key;
  return key.status === "pass"
    ? pass(`encrypts new objects with ${kind} under a customer-managed KMS key`)
    : fail(`uses ${kind} with an AWS managed KMS key, not a customer-managed one`);
}

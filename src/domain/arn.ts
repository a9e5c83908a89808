/** ARN parsing and the scope ARNs used for account- and region-level findings. */
export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  return { partition, service, region, accountId, resource: parts.slice(5).join(":") };
}

/** `arn:aws:cloudtrail:us-east-1:123456789012:*`: a whole service in one account and region. */
export function scopeArn(partition: string, service: string, accountId: string, region: string): string {
  return `arn:${partition}:${service}:${region === "global" ? "" : region}:${accountId}:*`;
}

export function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** The bucket part of `s3://bucket/prefix`; undefined when the path is not an S3 URL. */
export function bucketOfS3Path(path: string): string | undefined {
  const match = /^s3:\/\/([^/?#]+)/i.exec(path.trim());
  if (!match?.[1]) return undefined;
  const host = match[1];
  // A path can carry `user:pass@bucket`; the bucket is what follows the last `@`.
  return host.slice(host.lastIndexOf("@") + 1).toLowerCase();
}

/**
 * Normalises a KMS key reference to an ARN: key ids and `alias/…` names are resolved against the region and
 * account they were configured in. `account.keys` is keyed by this normalised form.
 */
export function normalizeKeyRef(
  ref: string,
  scope: { partition: string; region: string; accountId: string },
): string {
  const trimmed = ref.trim();
  if (trimmed.startsWith("arn:")) return trimmed;
  const resource = trimmed.startsWith("alias/") ? trimmed : `key/${trimmed}`;
  return `arn:${scope.partition}:kms:${scope.region}:${scope.accountId}:${resource}`;
}

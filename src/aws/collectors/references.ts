/**
 * What the Forecast inventory points at: the buckets, KMS keys and IAM roles to fetch (each once), with the
 * resources that reference them. Pure; the orchestrator feeds it each region's Forecast inventory.
 */
import { bucketOfS3Path, normalizeKeyRef } from "../../domain/arn.js";
import {
  type AccountInventory,
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type RegionInventory,
} from "../../domain/inventory.js";
import { type CollectError, failed } from "../../domain/result.js";

export interface KeyReference {
  /** Normalised key ARN (or alias ARN). */
  ref: string;
  region: string;
  referencedBy: string;
}

export interface ForecastReferences {
  buckets: Array<{ name: string; referencedBy: string; roleArn?: string }>;
  keys: KeyReference[];
  roles: Array<{ arn: string; referencedBy: string }>;
}

export interface KeyScope {
  partition: string;
  accountId: string;
}

/** Regions a normalised key ref lives in: the ARN's region, else the region it was configured in. */
function keyReference(ref: string, region: string, scope: KeyScope, referencedBy: string): KeyReference {
  const normalized = normalizeKeyRef(ref, { ...scope, region });
  const arnRegion = normalized.split(":")[3];
  return { ref: normalized, region: arnRegion || region, referencedBy };
}

export function forecastReferences(
  forecast: ForecastInventory,
  region: string,
  scope: KeyScope,
): ForecastReferences {
  const out: ForecastReferences = { buckets: [], keys: [], roles: [] };
  for (const type of FORECAST_RESOURCE_TYPES) {
    const slice = forecast[type];
    if (!slice.ok) continue;
    for (const resource of slice.value) {
      if (!resource.config.ok) continue;
      const config = resource.config.value;
      if (config.kmsKeyArn) out.keys.push(keyReference(config.kmsKeyArn, region, scope, resource.arn));
      if (config.encryptionRoleArn)
        out.roles.push({ arn: config.encryptionRoleArn, referencedBy: resource.arn });
      for (const location of config.s3) {
        const bucket = bucketOfS3Path(location.path);
        if (bucket !== undefined) {
          out.buckets.push({
            name: bucket,
            referencedBy: resource.arn,
            ...(location.roleArn ? { roleArn: location.roleArn } : {}),
          });
        }
        if (location.roleArn) out.roles.push({ arn: location.roleArn, referencedBy: resource.arn });
        if (location.kmsKeyArn) out.keys.push(keyReference(location.kmsKeyArn, region, scope, resource.arn));
      }
    }
  }
  return out;
}

/** The key a bucket's SSE-KMS default names, resolved in the bucket's region; none for SSE-S3 or `aws/s3`. */
export function bucketKeyReference(
  bucket: { name: string; region: string; algorithm: string; kmsKeyId?: string },
  scope: KeyScope,
): KeyReference | undefined {
  if (!bucket.algorithm.startsWith("aws:kms") || !bucket.kmsKeyId) return undefined;
  return keyReference(bucket.kmsKeyId, bucket.region, scope, `s3://${bucket.name}`);
}

export function trailKeyReference(
  trail: { arn: string; homeRegion: string; kmsKeyId?: string },
  scope: KeyScope,
): KeyReference | undefined {
  if (!trail.kmsKeyId) return undefined;
  return keyReference(trail.kmsKeyId, trail.homeRegion, scope, trail.arn);
}

/**
 * The inventory of an account that could not be reached (AssumeRole denied, no credentials): every slice
 * carries that error, so every control reports ERROR for the account instead of passing or staying silent.
 */
export function unreachableAccount(
  account: { accountId: string; partition: string; name?: string },
  regions: readonly string[],
  error: CollectError,
): AccountInventory {
  const fail = failed(error);
  const regionInventory = (region: string): RegionInventory => ({
    region,
    forecast: Object.fromEntries(FORECAST_RESOURCE_TYPES.map((type) => [type, fail])) as ForecastInventory,
    trailArns: fail,
    forecastApiEvents: fail,
    macie: { session: fail, automatedDiscovery: fail, classificationJobs: fail },
  });
  return {
    accountId: account.accountId,
    ...(account.name !== undefined ? { name: account.name } : {}),
    partition: account.partition,
    regions: regions.map(regionInventory),
    iam: { summary: fail, credentialReport: fail, authorization: fail },
    s3: { publicAccessBlock: fail },
    buckets: {},
    keys: {},
    roles: {},
    trails: {},
  };
}

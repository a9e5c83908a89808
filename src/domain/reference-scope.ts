/**
 * The referenced buckets, keys and roles as a scope: the reads that lead to them and failed (so a referenced
 * resource may be missing from the inventory), and, for each one that is there, the scanned regions it was
 * reached from. Buckets and keys can live in another region than the Forecast resources that name them, so a
 * failed read in one region leaves the scope of the whole account incomplete for what that region references.
 * Pure over the inventory: every failed read is a failed slice there.
 */
import { bucketArn, parseArn } from "./arn.js";
import {
  type AccountInventory,
  type BucketInventory,
  FORECAST_REFERENCES,
  FORECAST_RESOURCE_TYPES,
  type KeyInventory,
  type ReferenceKind,
  type RoleInventory,
} from "./inventory.js";
import type { CollectError, Slice } from "./result.js";

/** A read that could have led to referenced resources, and failed. */
export interface ScopeGap {
  /** The scanned region whose references are incomplete. */
  region: string;
  /** The kinds of referenced resources that may be missing. */
  kinds: readonly ReferenceKind[];
  error: CollectError;
  /** The resource whose own read failed (a `Describe*`, a bucket's encryption); absent for a listing. */
  resourceArn?: string;
}

/** Codes with which a resource's own read says it does not exist. */
const NOT_FOUND = new Set(["NoSuchBucket", "NotFoundException", "NoSuchEntity"]);

function isNotFound(slice: Slice<unknown>): boolean {
  return !slice.ok && NOT_FOUND.has(slice.error.code);
}

/** The bucket's own read said it does not exist. */
export function isBucketGone(bucket: BucketInventory): boolean {
  return isNotFound(bucket.region);
}

/** `DescribeKey` said the key does not exist. */
export function isKeyGone(key: KeyInventory): boolean {
  return isNotFound(key.metadata);
}

/** IAM's complete listing of the account's roles does not hold it. */
export function isRoleGone(role: RoleInventory): boolean {
  return isNotFound(role.role);
}

function regionOfArn(arn: string): string | undefined {
  const region = parseArn(arn)?.region;
  return region ? region : undefined;
}

/**
 * For each referenced bucket (by bucket ARN), key (by the ARN as referenced and, once read, its own ARN) and
 * role (by ARN): the scanned regions whose Forecast resources or trails lead to it.
 */
export function referenceReach(account: AccountInventory): Record<string, string[]> {
  const cached = reachCache.get(account);
  if (cached) return cached;
  const computed = computeReach(account);
  reachCache.set(account, computed);
  return computed;
}

// Controls ask for these once each over the same (never mutated) inventory: computed once per account.
const reachCache = new WeakMap<AccountInventory, Record<string, string[]>>();
const gapsCache = new WeakMap<AccountInventory, ScopeGap[]>();

function computeReach(account: AccountInventory): Record<string, string[]> {
  const reach = new Map<string, Set<string>>();
  const add = (arn: string, regions: Iterable<string>) => {
    let set = reach.get(arn);
    if (!set) {
      set = new Set();
      reach.set(arn, set);
    }
    for (const region of regions) set.add(region);
  };
  const bucketRegions = new Map<string, string[]>();
  for (const bucket of Object.values(account.buckets)) {
    const regions = bucket.referencedBy.flatMap((arn) => regionOfArn(arn) ?? []);
    bucketRegions.set(bucket.name, regions);
    add(bucketArn(account.partition, bucket.name), regions);
  }
  const trailRegions = (trailArn: string): string[] => {
    const listed = account.regions
      .filter((r) => r.trailArns.ok && r.trailArns.value.includes(trailArn))
      .map((r) => r.region);
    const home = account.trails[trailArn]?.homeRegion;
    return listed.length > 0 ? listed : home ? [home] : [];
  };
  for (const key of Object.values(account.keys)) {
    const regions = key.referencedBy.flatMap((ref) => {
      if (ref.startsWith("s3://")) return bucketRegions.get(ref.slice("s3://".length)) ?? [];
      if (parseArn(ref)?.service === "cloudtrail") return trailRegions(ref);
      return regionOfArn(ref) ?? [];
    });
    add(key.ref, regions);
    if (key.metadata.ok && key.metadata.value.arn) add(key.metadata.value.arn, regions);
  }
  for (const role of Object.values(account.roles)) {
    add(
      role.arn,
      role.referencedBy.flatMap((arn) => regionOfArn(arn) ?? []),
    );
  }
  return Object.fromEntries([...reach].map(([arn, regions]) => [arn, [...regions].sort()]));
}

/** Every failed read that leads to referenced buckets, keys or roles, by the scanned region it leaves incomplete. */
export function referenceGaps(account: AccountInventory): ScopeGap[] {
  const cached = gapsCache.get(account);
  if (cached) return cached;
  const computed = computeGaps(account);
  gapsCache.set(account, computed);
  return computed;
}

function computeGaps(account: AccountInventory): ScopeGap[] {
  const gaps: ScopeGap[] = [];
  for (const region of account.regions) {
    for (const type of FORECAST_RESOURCE_TYPES) {
      const kinds = FORECAST_REFERENCES[type];
      if (kinds.length === 0) continue;
      const listing = region.forecast[type];
      if (!listing.ok) {
        gaps.push({ region: region.region, kinds, error: listing.error });
        continue;
      }
      for (const resource of listing.value) {
        if (!resource.config.ok) {
          gaps.push({
            region: region.region,
            kinds,
            error: resource.config.error,
            resourceArn: resource.arn,
          });
        }
      }
    }
    // A trail names its log key; the trails a failed DescribeTrails would have listed are unknown.
    if (!region.trailArns.ok)
      gaps.push({ region: region.region, kinds: ["key"], error: region.trailArns.error });
  }
  const reach = referenceReach(account);
  for (const bucket of Object.values(account.buckets)) {
    if (isBucketGone(bucket)) continue;
    // A bucket's SSE-KMS default names a key; without its location or encryption that key is unknown.
    const unread = !bucket.region.ok ? bucket.region : !bucket.encryption.ok ? bucket.encryption : undefined;
    if (unread?.ok !== false) continue;
    const arn = bucketArn(account.partition, bucket.name);
    for (const region of reach[arn] ?? []) {
      gaps.push({ region, kinds: ["key"], error: unread.error, resourceArn: arn });
    }
  }
  return gaps;
}

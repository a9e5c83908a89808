/**
 * A fresh, read-only read of exactly the part of one account that a remediation plans from and its control
 * re-checks: the bucket, key, trails, Macie session, role or Forecast resources of the finding, with the
 * same collectors a scan uses. Everything else is a failed slice (`NotRead`), so a control that needs more
 * reports ERROR, never a false PASS.
 *
 * Unlike a scan it also keeps the exact texts a plan appends to and a revert restores (the key policy as
 * `GetKeyPolicy` returned it, the trail's raw event selectors). The request and the approval read through
 * this one function, so equal state gives equal fingerprints.
 */
import { GetEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import type { AccountClients } from "../aws/clients.js";
import { collectTrail, describeRegionTrails } from "../aws/collectors/cloudtrail.js";
import { collectForecastRegion } from "../aws/collectors/forecast.js";
import { collectAuthorizationDetails, resolveRoles } from "../aws/collectors/iam.js";
import { collectKey } from "../aws/collectors/kms.js";
import { type Limit, unlimited } from "../aws/collectors/limit.js";
import { collectMacie } from "../aws/collectors/macie.js";
import {
  bucketKeyReference,
  forecastReferences,
  type KeyReference,
  unreachableAccount,
} from "../aws/collectors/references.js";
import { collectAccountPublicAccessBlock, collectBucket } from "../aws/collectors/s3.js";
import { awsErrorCode } from "../aws/errors.js";
import { normalizeKeyRef, parseArn } from "../domain/arn.js";
import type {
  AccountInventory,
  BucketInventory,
  ForecastInventory,
  KeyInventory,
  TrailInventory,
} from "../domain/inventory.js";
import type { PlanOptions } from "../domain/remediation.js";
import type { CollectError } from "../domain/result.js";
import { bucketNameOf } from "../remediations/plan-kit.js";

export const NOT_READ: CollectError = {
  code: "NotRead",
  message: "This part of the account is not read for this fix.",
  action: "(not read)",
};

/** What a remediation reads, as data: the union the fresh read collects. */
export interface ReadNeeds {
  /** Regions whose Forecast resources are listed (tags, S3 paths, keys, roles). */
  forecastRegions: string[];
  /** Bucket names read with their region, encryption, policy and Block Public Access. */
  buckets: string[];
  /** Also the account-level Block Public Access (a bucket passes when either blocks). */
  accountPublicAccessBlock: boolean;
  /** Keys as referenced, with the region they live in. */
  keys: Array<{ ref: string; region: string }>;
  /** The keys the listed Forecast resources and the read buckets use, too. */
  referencedKeys: boolean;
  /** Regions whose trails are described, with status and selectors. */
  trailRegions: string[];
  macieRegions: string[];
  /** Role ARNs read from the authorization details. */
  roles: string[];
  /** Also the roles Forecast uses with the read buckets. */
  bucketRoles: boolean;
}

export interface FreshReadTarget {
  remediationId: string;
  finding: { accountId: string; region: string; resourceArn: string; controlId: string };
  options?: Omit<PlanOptions, "now">;
  /** The account's name from the config, shown in plans. */
  accountName?: string;
}

function emptyNeeds(): ReadNeeds {
  return {
    forecastRegions: [],
    buckets: [],
    accountPublicAccessBlock: false,
    keys: [],
    referencedKeys: false,
    trailRegions: [],
    macieRegions: [],
    roles: [],
    bucketRoles: false,
  };
}

/** Pure: what to read for a fix of this finding. */
export function readNeedsFor(target: FreshReadTarget): ReadNeeds {
  const { finding, options } = target;
  const needs = emptyNeeds();
  switch (target.remediationId) {
    case "s3-bucket-enforce-tls":
      needs.buckets.push(bucketNameOf(finding.resourceArn));
      break;
    case "s3-bucket-block-public-access":
      needs.buckets.push(bucketNameOf(finding.resourceArn));
      needs.accountPublicAccessBlock = true;
      break;
    case "s3-bucket-attach-kms-key":
      // The key is chosen among those the bucket's Forecast resources use, and their roles get a grant.
      needs.buckets.push(bucketNameOf(finding.resourceArn));
      needs.forecastRegions.push(finding.region);
      needs.referencedKeys = true;
      needs.bucketRoles = true;
      if (options?.kmsKeyArn) needs.keys.push({ ref: options.kmsKeyArn, region: finding.region });
      break;
    case "kms-enable-key-rotation":
    case "kms-cancel-key-deletion":
      needs.keys.push({
        ref: finding.resourceArn,
        region: parseArn(finding.resourceArn)?.region || finding.region,
      });
      break;
    case "cloudtrail-enable":
    case "cloudtrail-enable-log-validation":
      needs.trailRegions.push(finding.region);
      break;
    case "macie-enable":
      needs.macieRegions.push(finding.region);
      needs.forecastRegions.push(finding.region);
      break;
    case "forecast-remove-sensitive-tag":
      needs.forecastRegions.push(finding.region);
      break;
    case "iam-role-scope-forecast-trust":
      needs.roles.push(finding.resourceArn);
      break;
    default:
      break;
  }
  return needs;
}

async function keyWithPolicyText(
  clients: AccountClients,
  ref: KeyReference,
  limit: Limit,
): Promise<KeyInventory> {
  const key = await collectKey(clients, ref.ref, ref.region, { limit, referencedBy: [] });
  if (!key.metadata.ok || !key.policy.ok || key.policy.value === null) return key;
  const keyId = key.metadata.value.arn || key.metadata.value.keyId;
  try {
    const out = await clients
      .kms(ref.region)
      .send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
    return out.Policy === undefined ? key : { ...key, policyText: out.Policy };
  } catch {
    // The parsed policy above was read a moment ago; without the text a plan refuses rather than guesses.
    return key;
  }
}

async function trailWithRawSelectors(
  clients: AccountClients,
  trail: Omit<TrailInventory, "status" | "selectors">,
  limit: Limit,
): Promise<TrailInventory> {
  const collected = await collectTrail(clients, trail, () => limit);
  if (!collected.selectors.ok) return collected;
  try {
    const raw = await clients
      .cloudtrail(trail.homeRegion)
      .send(new GetEventSelectorsCommand({ TrailName: trail.arn }));
    const selectors = { ...collected.selectors.value };
    if (raw.AdvancedEventSelectors?.length) {
      selectors.advancedEventSelectors = raw.AdvancedEventSelectors as unknown as Record<string, unknown>[];
    } else {
      selectors.eventSelectors = (raw.EventSelectors ?? []) as unknown as Record<string, unknown>[];
    }
    return { ...collected, selectors: { ok: true, value: selectors } };
  } catch (error) {
    return {
      ...collected,
      selectors: {
        ok: false,
        error: {
          code: awsErrorCode(error),
          message: "The event selectors could not be read.",
          action: "cloudtrail:GetEventSelectors",
        },
      },
    };
  }
}

function addRef(map: Map<string, Set<string>>, key: string, referencedBy?: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  if (referencedBy !== undefined) set.add(referencedBy);
}

/**
 * Reads the slice of the account that `target` needs with read-only (audit) clients. Calls run one at a
 * time per kind of resource: the slice is small and a fix is not latency-bound.
 */
export async function readFreshAccount(
  clients: AccountClients,
  target: FreshReadTarget,
  limit: Limit = unlimited,
): Promise<AccountInventory> {
  const needs = readNeedsFor(target);
  const { accountId, partition } = clients;
  const scope = { accountId, partition };
  const regions = [
    ...new Set([
      target.finding.region,
      ...needs.forecastRegions,
      ...needs.trailRegions,
      ...needs.macieRegions,
    ]),
  ].filter((r) => r !== "global");
  const account = unreachableAccount(
    { accountId, partition, ...(target.accountName !== undefined ? { name: target.accountName } : {}) },
    regions,
    NOT_READ,
  );
  const regionOf = (name: string) => account.regions.find((r) => r.region === name);

  const bucketRefs = new Map<string, { referencedBy: Set<string>; roleArns: Set<string> }>();
  const keyRefs = new Map<string, { region: string; referencedBy: Set<string> }>();
  const roleRefs = new Map<string, Set<string>>();
  const wantKey = (ref: string, region: string, referencedBy?: string) => {
    const normalized = normalizeKeyRef(ref, { ...scope, region });
    const entry = keyRefs.get(normalized) ?? {
      region: normalized.split(":")[3] || region,
      referencedBy: new Set(),
    };
    if (referencedBy !== undefined) entry.referencedBy.add(referencedBy);
    keyRefs.set(normalized, entry);
  };
  for (const name of needs.buckets) bucketRefs.set(name, { referencedBy: new Set(), roleArns: new Set() });
  for (const key of needs.keys) wantKey(key.ref, key.region);
  for (const arn of needs.roles) addRef(roleRefs, arn);

  for (const region of needs.forecastRegions) {
    const forecast: ForecastInventory = await collectForecastRegion(clients.forecast(region), { limit });
    const entry = regionOf(region);
    if (entry) entry.forecast = forecast;
    const refs = forecastReferences(forecast, region, scope);
    for (const bucket of refs.buckets) {
      const wanted = bucketRefs.get(bucket.name);
      if (!wanted) continue;
      wanted.referencedBy.add(bucket.referencedBy);
      if (bucket.roleArn) wanted.roleArns.add(bucket.roleArn);
    }
    if (needs.referencedKeys) for (const key of refs.keys) wantKey(key.ref, key.region, key.referencedBy);
  }

  const buckets: Record<string, BucketInventory> = {};
  for (const [name, refs] of bucketRefs) {
    const bucket = await collectBucket(
      clients,
      name,
      { referencedBy: [], roleArns: [] },
      {
        limitFor: () => limit,
        locationRegion: target.finding.region === "global" ? "us-east-1" : target.finding.region,
      },
    );
    buckets[name] = { ...bucket, referencedBy: [...refs.referencedBy], roleArns: [...refs.roleArns] };
    if (needs.bucketRoles) for (const role of refs.roleArns) addRef(roleRefs, role, `s3://${name}`);
    if (bucket.region.ok && bucket.encryption.ok && bucket.encryption.value) {
      const key = bucketKeyReference(
        {
          name,
          region: bucket.region.value,
          algorithm: bucket.encryption.value.algorithm,
          ...(bucket.encryption.value.kmsKeyId ? { kmsKeyId: bucket.encryption.value.kmsKeyId } : {}),
        },
        scope,
      );
      if (key) wantKey(key.ref, key.region, key.referencedBy);
    }
  }
  account.buckets = buckets;

  if (needs.accountPublicAccessBlock) {
    const home = needs.buckets.length > 0 ? (regions[0] ?? "us-east-1") : "us-east-1";
    account.s3 = await collectAccountPublicAccessBlock(clients, accountId, home, limit);
  }

  const keys: Record<string, KeyInventory> = {};
  for (const [ref, entry] of [...keyRefs].sort(([a], [b]) => a.localeCompare(b))) {
    const key = await keyWithPolicyText(clients, { ref, region: entry.region, referencedBy: "" }, limit);
    keys[ref] = { ...key, referencedBy: [...entry.referencedBy].sort() };
  }
  account.keys = keys;

  for (const region of needs.trailRegions) {
    const described = await describeRegionTrails(clients, region, limit);
    const entry = regionOf(region);
    if (entry) entry.trailArns = described.trailArns;
    for (const trail of described.trails) {
      account.trails[trail.arn] = await trailWithRawSelectors(clients, trail, limit);
    }
  }

  for (const region of needs.macieRegions) {
    const entry = regionOf(region);
    if (entry) entry.macie = await collectMacie(clients, region, limit);
  }

  if (roleRefs.size > 0) {
    const authorization = await collectAuthorizationDetails(clients, limit);
    account.iam = { ...account.iam, authorization };
    account.roles = resolveRoles(
      accountId,
      new Map([...roleRefs].map(([arn, refs]) => [arn, [...refs]])),
      authorization,
    );
  }
  return account;
}

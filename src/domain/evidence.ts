/**
 * What a scan can vouch for in one account, beyond its findings: where it read a control's scope completely,
 * which resources it saw, where referenced resources were reached from, and what did not apply. The finding
 * lifecycle resolves a finding that is no longer reported only on this evidence (see `store/lifecycle.ts`).
 * Plain JSON, so it can travel with a scan result and be applied per account.
 */
import { bucketArn } from "./arn.js";
import type { NotApplicable } from "./control.js";
import { type AccountInventory, FORECAST_RESOURCE_TYPES } from "./inventory.js";
import { isBucketGone, isKeyGone, isRoleGone } from "./reference-scope.js";

export interface AccountEvidence {
  accountId: string;
  /**
   * By control id: the scanned regions (or `global`) whose scope the scan could not read completely. A finding
   * there that is no longer reported was not re-checked, whatever its resource's fate.
   */
  incomplete: Record<string, string[]>;
  /** Every resource ARN the scan saw in the account: a finding about one of them is never gone. */
  seen: string[];
  /** Referenced buckets, keys and roles, by ARN: the scanned regions whose listings lead to each. */
  reach: Record<string, string[]>;
  /** The resources the controls judged not applicable. */
  notApplicable: NotApplicable[];
}

/**
 * A finding about a region, a service or the account as a whole (`arn:aws:forecast:us-east-1:1234…:*`, the
 * root user): its subject exists as long as the account is scanned, so it is never gone.
 */
export function isScopeTarget(resourceArn: string): boolean {
  return resourceArn.endsWith(":*") || /^arn:[^:]+:iam::\d+:root$/.test(resourceArn);
}

/** The ARNs of every resource the inventory holds (read, or named by a read that succeeded). */
export function seenResources(account: AccountInventory): string[] {
  const seen = new Set<string>();
  for (const region of account.regions) {
    for (const type of FORECAST_RESOURCE_TYPES) {
      const listing = region.forecast[type];
      if (listing.ok) for (const resource of listing.value) seen.add(resource.arn);
    }
    if (region.trailArns.ok) for (const arn of region.trailArns.value) seen.add(arn);
  }
  for (const bucket of Object.values(account.buckets)) {
    if (!isBucketGone(bucket)) seen.add(bucketArn(account.partition, bucket.name));
  }
  for (const key of Object.values(account.keys)) {
    if (isKeyGone(key)) continue;
    seen.add(key.ref);
    if (key.metadata.ok && key.metadata.value.arn) seen.add(key.metadata.value.arn);
  }
  for (const role of Object.values(account.roles)) if (!isRoleGone(role)) seen.add(role.arn);
  for (const trail of Object.keys(account.trails)) seen.add(trail);
  const { credentialReport, authorization } = account.iam;
  if (credentialReport.ok) for (const row of credentialReport.value.rows) if (row.arn) seen.add(row.arn);
  if (authorization.ok) for (const principal of authorization.value.principals) seen.add(principal.arn);
  return [...seen];
}

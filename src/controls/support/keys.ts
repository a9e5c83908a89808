/** Finding the KMS keys that resources reference, and judging who manages them. */
import { normalizeKeyRef } from "../../domain/arn.js";
import type { FindingTarget } from "../../domain/control.js";
import type { AccountInventory, KeyInventory, KeyMetadata } from "../../domain/inventory.js";
import { isKeyGone } from "../../domain/reference-scope.js";
import type { CollectError } from "../../domain/result.js";
import { fail, notCollected, pass, type Verdict, error as verdictError } from "./verdict.js";

export type KeyLookup =
  | { ok: true; key: KeyInventory; metadata: KeyMetadata }
  | { ok: false; error: CollectError };

/** The key that `ref`, configured in `region`, names; an error when it could not be read or was not collected. */
export function lookupKey(account: AccountInventory, ref: string, region: string): KeyLookup {
  const normalized = normalizeKeyRef(ref, {
    partition: account.partition,
    region,
    accountId: account.accountId,
  });
  const key = account.keys[normalized] ?? account.keys[ref];
  if (!key) return { ok: false, error: notCollected(`KMS key ${normalized}`, "kms:DescribeKey") };
  if (!key.metadata.ok) return { ok: false, error: key.metadata.error };
  return { ok: true, key, metadata: key.metadata.value };
}

export function isCustomerManaged(metadata: KeyMetadata): boolean {
  return metadata.keyManager === "CUSTOMER";
}

/** Passes when `ref` (configured in `region`) names a customer-managed key. */
export function customerKeyVerdict(account: AccountInventory, ref: string, region: string): Verdict {
  const lookup = lookupKey(account, ref, region);
  if (!lookup.ok) return verdictError(lookup.error);
  return isCustomerManaged(lookup.metadata)
    ? pass("a customer-managed KMS key")
    : fail("an AWS managed KMS key, not a customer-managed one");
}

/**
 * Each referenced key once: two references (an alias and the key ARN) to one key yield one entry, the one
 * whose metadata could be read when there is one. A key that `DescribeKey` says does not exist is gone, not
 * in scope.
 */
export function distinctKeys(account: AccountInventory): KeyInventory[] {
  const byArn = new Map<string, KeyInventory>();
  for (const key of Object.values(account.keys)) {
    if (isKeyGone(key)) continue;
    const id = key.metadata.ok ? key.metadata.value.arn : key.ref;
    if (!byArn.has(id)) byArn.set(id, key);
  }
  return [...byArn.values()];
}

/** The key's real ARN when known (from its metadata), else the ARN as referenced. */
export function keyTarget(account: AccountInventory, key: KeyInventory): FindingTarget {
  return {
    accountId: account.accountId,
    region: key.region,
    resourceArn: key.metadata.ok ? key.metadata.value.arn : key.ref,
    resourceType: "kms-key",
  };
}

/** `key 1234abcd-…` or `alias/forecast`: how a key reads in a sentence. */
export function describeKey(key: KeyInventory): string {
  if (key.metadata.ok) return `KMS key ${key.metadata.value.keyId}`;
  const resource = key.ref.split(":").slice(5).join(":") || key.ref;
  return `KMS key ${resource.replace(/^key\//, "")}`;
}

/** Whether a suppression applies to a finding, decided at read time so that expiry needs no job. */
import type { Suppression } from "./types.js";

/** Compiles a glob where `*` matches any run of characters (including none) and nothing else is special. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}

export function isActive(suppression: Suppression, now: string): boolean {
  if (suppression.removedAt !== undefined) return false;
  return suppression.expiresAt === undefined || suppression.expiresAt > now;
}

export interface SuppressionTarget {
  key: string;
  controlId: string;
  resourceArn: string;
}

/** A matcher over the suppressions active at `now`; returns the id of the first that applies. */
export function suppressionMatcher(
  suppressions: readonly Suppression[],
  now: string,
): (target: SuppressionTarget) => string | undefined {
  const byKey = new Map<string, string>();
  const byControl = new Map<string, { id: string; pattern: RegExp }[]>();
  for (const s of suppressions) {
    if (!isActive(s, now)) continue;
    if (s.findingKey !== undefined) {
      if (!byKey.has(s.findingKey)) byKey.set(s.findingKey, s.id);
    } else if (s.controlId !== undefined) {
      const list = byControl.get(s.controlId) ?? [];
      list.push({ id: s.id, pattern: globToRegExp(s.resourcePattern ?? "*") });
      byControl.set(s.controlId, list);
    }
  }
  return (target) => {
    const direct = byKey.get(target.key);
    if (direct !== undefined) return direct;
    return byControl.get(target.controlId)?.find((c) => c.pattern.test(target.resourceArn))?.id;
  };
}

/** Splits a finding key into its parts; ARNs contain no `|`, so the split is exact. */
export function parseFindingKey(
  key: string,
): { controlId: string; accountId: string; region: string; resourceArn: string } | undefined {
  const parts = key.split("|");
  if (parts.length !== 4) return undefined;
  const [controlId, accountId, region, resourceArn] = parts as [string, string, string, string];
  if (!controlId || !accountId || !region || !resourceArn) return undefined;
  return { controlId, accountId, region, resourceArn };
}

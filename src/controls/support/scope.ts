/**
 * A control's scope and whether a scan read it completely: the regions where it did not (from the control's
 * declared `scope` and the inventory's failed slices), and the ERROR findings that say so — one per account
 * and region, naming what failed and what to grant.
 */
import { scopeArn } from "../../domain/arn.js";
import type { Control, ControlScope, FindingTarget } from "../../domain/control.js";
import type { Finding, ResourceType } from "../../domain/finding.js";
import type { AccountInventory, ReferenceKind } from "../../domain/inventory.js";
import { referenceGaps, type ScopeGap } from "../../domain/reference-scope.js";
import { type CollectError, isDenial, isScpDenial } from "../../domain/result.js";
import { listPhrase, plural } from "./text.js";
import type { ControlFindings } from "./verdict.js";

const SERVICE_SCOPE: Record<Control["service"], { service: string; resourceType: ResourceType }> = {
  forecast: { service: "forecast", resourceType: "forecast-region" },
  s3: { service: "s3", resourceType: "s3-account" },
  kms: { service: "kms", resourceType: "kms-key" },
  iam: { service: "iam", resourceType: "iam-account" },
  cloudtrail: { service: "cloudtrail", resourceType: "cloudtrail-region" },
  macie: { service: "macie2", resourceType: "macie-region" },
};

/** A control's service in one region of the account, as a finding target (`arn:aws:s3:us-east-1:1234…:*`). */
export function serviceScopeTarget(
  account: AccountInventory,
  service: Control["service"],
  region: string,
): FindingTarget {
  const { service: arnService, resourceType } = SERVICE_SCOPE[service];
  return {
    accountId: account.accountId,
    region,
    resourceArn: scopeArn(account.partition, arnService, account.accountId, region),
    resourceType,
  };
}

/** The scanned regions (and `global`) where the scan did not read the control's scope completely. */
export function incompleteRegions(account: AccountInventory, scope: ControlScope): Set<string> {
  const out = new Set<string>();
  switch (scope.kind) {
    case "forecast":
      for (const region of account.regions) {
        if (scope.types.some((type) => !region.forecast[type].ok)) out.add(region.region);
      }
      break;
    case "references":
      for (const gap of referenceGaps(account)) if (gap.kinds.includes(scope.of)) out.add(gap.region);
      break;
    case "trails":
      for (const region of account.regions) if (!region.trailArns.ok) out.add(region.region);
      break;
    case "regions":
      break;
    case "iam":
      if (!account.iam[scope.slice].ok) out.add("global");
      break;
  }
  return out;
}

const NOUNS: Record<ReferenceKind, string> = { bucket: "S3 buckets", key: "KMS keys", role: "IAM roles" };

/** `forecast:ListPredictors (AccessDeniedException)`, once per action and code. */
function distinctReads(gaps: readonly ScopeGap[]): string[] {
  return [...new Set(gaps.map((g) => `${g.error.action} (${g.error.code})`))];
}

/** The sentence and error of an ERROR that says the referenced resources of one region may be incomplete. */
export function describeIncompleteReferences(
  kind: ReferenceKind,
  region: string,
  gaps: readonly ScopeGap[],
): { detail: string; error: CollectError } {
  const first = gaps[0]?.error ?? { code: "Unknown", message: "", action: "" };
  const noun = NOUNS[kind];
  const reads = distinctReads(gaps);
  // A known cause (the role missing from the account, an SCP) is fixed elsewhere than by granting the action.
  const remedies = [...new Set(gaps.flatMap((g) => (g.error.remedy ? [g.error.remedy] : [])))];
  const denied = [
    ...new Set(
      gaps
        .filter((g) => isDenial(g.error) && !g.error.remedy && !isScpDenial(g.error))
        .map((g) => g.error.action),
    ),
  ];
  const scp = gaps.some((g) => isScpDenial(g.error))
    ? "; a service control policy of the organization denied some of them: exempt the audit role from it"
    : "";
  const grant =
    (denied.length > 0 ? `; grant ${listPhrase(denied, 5)} to the audit role` : "") +
    scp +
    (remedies.length > 0 ? `. ${remedies.map((r) => r.replace(/\.?\s*$/, "")).join(". ")}` : "");
  const count = plural(gaps.length, "read");
  const detail =
    `Scope incomplete in ${region}: ${count} that lead${gaps.length === 1 ? "s" : ""} to ${noun} failed ` +
    `(${listPhrase(reads, 4)}), so ${noun} referenced from ${region} may not have been checked${grant}.`;
  return { detail, error: first };
}

/**
 * One ERROR per scanned region where the reads that lead to referenced `kind` resources failed: what is in
 * scope there may be incomplete, in addition to the verdicts on what was seen.
 */
export function referenceScopeErrors(
  account: AccountInventory,
  kind: ReferenceKind,
  service: Control["service"],
  findings: ControlFindings,
): Finding[] {
  const byRegion = new Map<string, ScopeGap[]>();
  for (const gap of referenceGaps(account)) {
    if (!gap.kinds.includes(kind)) continue;
    const list = byRegion.get(gap.region) ?? [];
    list.push(gap);
    byRegion.set(gap.region, list);
  }
  return [...byRegion].map(([region, gaps]) => {
    const { detail, error } = describeIncompleteReferences(kind, region, gaps);
    return findings.error(serviceScopeTarget(account, service, region), error, detail);
  });
}

/**
 * The finding lifecycle as pure functions: what one scan's results do to the stored findings.
 * The store loads the findings the scan may touch, calls `applyScan`, and writes what it returns.
 */
import { type Finding, type FindingStatus, findingId, findingKey } from "../domain/finding.js";
import { SEVERITIES, type Severity } from "../domain/severity.js";
import type {
  FindingRecord,
  Lifecycle,
  LifecycleChange,
  ResolvedReason,
  ScanCounts,
  ScanScope,
} from "./types.js";
import { FAILING_LIFECYCLES } from "./types.js";

/** A stored finding plus the start time of the scan that last evaluated it (orders late commits). */
export interface FindingState extends Omit<FindingRecord, "suppressionId"> {
  observedAt: string;
}

/** What a scan saw for a finding: a status, or nothing although the scan covered it. */
export type Observation = FindingStatus | "missing";

export interface Transition {
  to: Lifecycle;
  reason?: ResolvedReason;
}

export function isFailing(lifecycle: Lifecycle): boolean {
  return (FAILING_LIFECYCLES as readonly Lifecycle[]).includes(lifecycle);
}

/**
 * The lifecycle table. ERROR never opens or resolves anything, and a finding that is missing only
 * resolves when it was failing.
 */
export function nextLifecycle(previous: Lifecycle | undefined, seen: Observation): Transition | undefined {
  if (previous === undefined) {
    if (seen === "FAIL") return { to: "new" };
    if (seen === "PASS") return { to: "passing" };
    if (seen === "ERROR") return { to: "unevaluated" };
    return undefined;
  }
  if (seen === "ERROR") return undefined;
  switch (previous) {
    case "new":
    case "reopened":
      if (seen === "FAIL") return { to: "open" };
      return { to: "resolved", reason: seen === "PASS" ? "pass" : "gone" };
    case "open":
      if (seen === "FAIL") return undefined;
      return { to: "resolved", reason: seen === "PASS" ? "pass" : "gone" };
    case "resolved":
      return seen === "FAIL" ? { to: "reopened" } : undefined;
    case "passing":
    case "unevaluated":
      if (seen === "FAIL") return { to: "new" };
      if (seen === "PASS" && previous === "unevaluated") return { to: "passing" };
      return undefined;
  }
}

const STATUS_WEIGHT: Record<FindingStatus, number> = { PASS: 0, ERROR: 1, FAIL: 2 };

/** One result per key; when a key is reported twice the worst status wins (FAIL over ERROR over PASS). */
export function dedupeResults(results: readonly Finding[]): Map<string, Finding> {
  const byKey = new Map<string, Finding>();
  for (const finding of results) {
    const key = findingKey(finding);
    const seen = byKey.get(key);
    if (!seen || STATUS_WEIGHT[finding.status] > STATUS_WEIGHT[seen.status]) byKey.set(key, finding);
  }
  return byKey;
}

export function triple(controlId: string, accountId: string, region: string): string {
  return `${controlId}|${accountId}|${region}`;
}

/** True when the scan evaluated this control for this account and region. */
export function scopeCovers(
  scope: ScanScope,
  f: Pick<FindingState, "controlId" | "accountId" | "region">,
): boolean {
  return (
    scope.accounts.includes(f.accountId) &&
    scope.controls.includes(f.controlId) &&
    (f.region === "global" || scope.regions.includes(f.region))
  );
}

export interface ApplyScanInput {
  scanId: string;
  scope: ScanScope;
  /** The scan's start: a finding last evaluated by a later-started scan is left alone. */
  observedAt: string;
  /** The commit time stamped on every change. */
  at: string;
  results: readonly Finding[];
  /** Current state of every finding the scan may touch (its results' keys and everything in its scope). */
  existing: ReadonlyMap<string, FindingState>;
  /**
   * For each `control|account|region`, the start of the latest committed scan that evaluated it without
   * ERROR. A later-started scan that already covered it had the last word on what exists there.
   */
  coverage?: ReadonlyMap<string, string>;
}

export interface ApplyScanOutput {
  /** Full rows to write (new or changed). */
  upserts: FindingState[];
  changes: LifecycleChange[];
  counts: ScanCounts;
  /** The `control|account|region` triples this scan evaluated without ERROR (to record as covered). */
  covered: string[];
}

function emptyBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

export function applyScan(input: ApplyScanInput): ApplyScanOutput {
  const { scanId, scope, observedAt, at, existing } = input;
  const coverage = input.coverage ?? new Map<string, string>();
  const supersededAt = (controlId: string, accountId: string, region: string): boolean =>
    (coverage.get(triple(controlId, accountId, region)) ?? "") > observedAt;
  const results = dedupeResults(input.results);
  const upserts: FindingState[] = [];
  const changes: LifecycleChange[] = [];
  const counts: ScanCounts = {
    pass: 0,
    fail: 0,
    error: 0,
    new: 0,
    reopened: 0,
    resolved: 0,
    failBySeverity: emptyBySeverity(),
  };
  const errored = new Set<string>();

  const record = (key: string, from: Lifecycle | null, transition: Transition): void => {
    const change: LifecycleChange = { key, from, to: transition.to };
    if (transition.reason) change.reason = transition.reason;
    changes.push(change);
    if (transition.to === "new") counts.new++;
    else if (transition.to === "reopened") counts.reopened++;
    else if (transition.to === "resolved") counts.resolved++;
  };

  for (const [key, finding] of results) {
    if (finding.status === "PASS") counts.pass++;
    else if (finding.status === "FAIL") {
      counts.fail++;
      counts.failBySeverity[finding.severity]++;
    } else {
      counts.error++;
      errored.add(triple(finding.controlId, finding.accountId, finding.region));
    }

    const previous = existing.get(key);
    if (previous && previous.observedAt > observedAt) continue;
    if (supersededAt(finding.controlId, finding.accountId, finding.region)) continue;
    const transition = nextLifecycle(previous?.lifecycle, finding.status);
    const next = evolve(previous, finding, key, { scanId, observedAt, at }, transition);
    if (transition) record(key, previous?.lifecycle ?? null, transition);
    upserts.push(next);
  }

  for (const [key, previous] of existing) {
    if (results.has(key) || !isFailing(previous.lifecycle)) continue;
    if (previous.observedAt > observedAt || !scopeCovers(scope, previous)) continue;
    if (errored.has(triple(previous.controlId, previous.accountId, previous.region))) continue;
    if (supersededAt(previous.controlId, previous.accountId, previous.region)) continue;
    const transition = nextLifecycle(previous.lifecycle, "missing");
    if (!transition) continue;
    record(key, previous.lifecycle, transition);
    upserts.push({
      ...previous,
      lifecycle: transition.to,
      changedAt: at,
      resolvedAt: at,
      resolvedReason: "gone",
      lastScanId: scanId,
      observedAt,
    });
  }
  const covered: string[] = [];
  for (const controlId of scope.controls) {
    for (const accountId of scope.accounts) {
      for (const region of new Set([...scope.regions, "global"])) {
        const t = triple(controlId, accountId, region);
        if (!errored.has(t)) covered.push(t);
      }
    }
  }
  return { upserts, changes, counts, covered };
}

function evolve(
  previous: FindingState | undefined,
  finding: Finding,
  key: string,
  scan: { scanId: string; observedAt: string; at: string },
  transition: Transition | undefined,
): FindingState {
  const evaluated = finding.status !== "ERROR";
  const base: FindingState = previous
    ? { ...previous }
    : {
        key,
        id: findingId(finding),
        controlId: finding.controlId,
        accountId: finding.accountId,
        region: finding.region,
        resourceArn: finding.resourceArn,
        resourceType: finding.resourceType,
        severity: finding.severity,
        title: finding.title,
        detail: finding.detail,
        status: finding.status,
        lifecycle: "passing",
        firstSeenAt: scan.at,
        lastSeenAt: scan.at,
        changedAt: scan.at,
        lastScanId: scan.scanId,
        observedAt: scan.observedAt,
      };
  base.resourceType = finding.resourceType;
  base.severity = finding.severity;
  base.title = finding.title;
  base.status = finding.status;
  base.lastSeenAt = scan.at;
  base.lastScanId = scan.scanId;
  base.observedAt = scan.observedAt;
  if (evaluated || !previous) base.detail = finding.detail;
  if (evaluated) {
    delete base.error;
    if (finding.remediationId) base.remediationId = finding.remediationId;
    else delete base.remediationId;
  } else {
    base.lastErrorAt = scan.at;
    if (finding.error) base.error = finding.error;
  }
  if (finding.status === "FAIL") base.lastFailedAt = scan.at;
  if (transition) {
    base.lifecycle = transition.to;
    base.changedAt = scan.at;
    if (transition.to === "resolved") {
      base.resolvedAt = scan.at;
      base.resolvedReason = transition.reason ?? "pass";
    } else if (isFailing(transition.to)) {
      delete base.resolvedAt;
      delete base.resolvedReason;
    }
  }
  return base;
}

/**
 * The finding lifecycle as pure functions: what one scan's results do to the stored findings.
 * The store loads the findings the scan may touch, calls `applyScan`, and writes what it returns.
 *
 * A failing finding resolves only on positive evidence: its control passed on the resource (PASS), the
 * resource is positively gone (every region whose listings lead to it was read completely, and the scan did
 * not see it), or the control says it no longer applies (N/A). A finding the scan could not re-evaluate — an
 * ERROR, a scope the scan could not read completely, a control silent about a resource the scan saw — keeps
 * its state and is marked "not re-checked since" its last evaluation. Everything here is a function of
 * (scope, results, evidence, stored state), so it can be applied to one account at a time.
 */
import { type AccountEvidence, isScopeTarget } from "../domain/evidence.js";
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
  /**
   * The regions whose complete listings would show the finding's resource gone: its own region, or for a
   * referenced bucket, key or role the regions of what references it. Absent: the finding's region.
   */
  scopeRegions?: string[];
}

/**
 * What a scan saw for a finding: a status; `missing`, nothing, where the evidence says its resource is gone;
 * `not-applicable`, the control no longer applies to it.
 */
export type Observation = FindingStatus | "missing" | "not-applicable";

function resolvedReason(seen: "PASS" | "missing" | "not-applicable"): ResolvedReason {
  if (seen === "PASS") return "pass";
  return seen === "missing" ? "gone" : "not-applicable";
}

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
      return { to: "resolved", reason: resolvedReason(seen) };
    case "open":
      if (seen === "FAIL") return undefined;
      return { to: "resolved", reason: resolvedReason(seen) };
    case "resolved":
      return seen === "FAIL" ? { to: "reopened" } : undefined;
    case "passing":
    case "unevaluated":
      if (seen === "not-applicable") return undefined;
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
    if (!seen || isWorse(finding.status, seen.status)) byKey.set(key, finding);
  }
  return byKey;
}

/** Whether a result with status `a` wins over one with status `b` for the same key (FAIL > ERROR > PASS). */
export function isWorse(a: FindingStatus, b: FindingStatus): boolean {
  return STATUS_WEIGHT[a] > STATUS_WEIGHT[b];
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
   * For each `control|account|region`, the start of the latest committed scan that read it completely. A
   * later-started scan that already covered it had the last word on what exists there.
   */
  coverage?: ReadonlyMap<string, string>;
  /**
   * Per account, what the scan can vouch for (see `AccountEvidence`). Without it for an account, the scope
   * is taken as read completely wherever the scan reported no ERROR for a control (callers that record
   * results they assert to be complete, such as tests and benchmarks).
   */
  evidence?: readonly AccountEvidence[];
}

export interface ApplyScanOutput {
  /** Full rows to write (new or changed). */
  upserts: FindingState[];
  changes: LifecycleChange[];
  counts: ScanCounts;
  /** The `control|account|region` triples this scan read completely (to record as covered). */
  covered: string[];
  /** Failing findings in the scan's scope that it could not re-check, as they stand after it. */
  notRechecked: FindingState[];
}

/** An account's evidence, indexed for lookups. */
interface EvidenceIndex {
  incomplete: Map<string, Set<string>>;
  seen: Set<string>;
  reach: Map<string, string[]>;
  notApplicable: Set<string>;
}

function indexEvidence(evidence: readonly AccountEvidence[] | undefined): Map<string, EvidenceIndex> {
  const out = new Map<string, EvidenceIndex>();
  for (const e of evidence ?? []) {
    out.set(e.accountId, {
      incomplete: new Map(
        Object.entries(e.incomplete).map(([control, regions]) => [control, new Set(regions)]),
      ),
      seen: new Set(e.seen),
      reach: new Map(Object.entries(e.reach)),
      notApplicable: new Set(e.notApplicable.map(findingKey)),
    });
  }
  return out;
}

function emptyBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/**
 * Lifecycle changes a commit hands back in its result, at most: every finding of a first scan is a change
 * (150,000 objects in a 50,000-resource account, held to the end of the commit for a debug line), and the
 * history rows already hold each one.
 */
export const CHANGES_KEPT = 10_000;

export function applyScan(input: ApplyScanInput): ApplyScanOutput {
  const applier = createScanApplier(input);
  const results = dedupeResults(input.results);
  const upserts: FindingState[] = [];
  for (const [key, finding] of results) {
    const next = applier.result(key, finding, input.existing.get(key));
    if (next) upserts.push(next.state);
  }
  for (const [key, previous] of input.existing) {
    if (results.has(key)) continue;
    const next = applier.unreported(key, previous);
    if (next) upserts.push(next.state);
  }
  return {
    upserts,
    changes: applier.changes,
    counts: applier.counts,
    covered: applier.covered(),
    notRechecked: applier.notRechecked,
  };
}

/** One finding's new state and, when its lifecycle moved, the change. */
export interface AppliedFinding {
  state: FindingState;
  change?: LifecycleChange;
}

/**
 * `applyScan` one finding at a time, so that a commit can read the stored state and write the rows a chunk
 * at a time instead of holding every finding's state at once. The contract: call `result` once per
 * deduplicated result key (`dedupeResults`) with its stored state, then `unreported` for every stored failing
 * finding in the scope whose key the scan did not report, then `covered`. Each returns the state to write, or
 * undefined when nothing is written for it. `changes`, `counts` and `notRechecked` grow as it goes.
 */
export interface ScanApplier {
  result(key: string, finding: Finding, previous: FindingState | undefined): AppliedFinding | undefined;
  unreported(key: string, previous: FindingState): AppliedFinding | undefined;
  covered(): string[];
  /** The first `CHANGES_KEPT` lifecycle changes (the history rows hold them all). */
  readonly changes: LifecycleChange[];
  /** Every lifecycle change, counted. */
  readonly changeCount: number;
  readonly counts: ScanCounts;
  readonly notRechecked: FindingState[];
}

export function createScanApplier(input: Omit<ApplyScanInput, "results" | "existing">): ScanApplier {
  const { scanId, scope, observedAt, at } = input;
  const coverage = input.coverage ?? new Map<string, string>();
  const evidence = indexEvidence(input.evidence);
  const supersededAt = (controlId: string, accountId: string, region: string): boolean =>
    (coverage.get(triple(controlId, accountId, region)) ?? "") > observedAt;
  const changes: LifecycleChange[] = [];
  let changeCount = 0;
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
  const scanned = new Set([...scope.regions, "global"]);
  const notRechecked: FindingState[] = [];

  const record = (key: string, from: Lifecycle | null, transition: Transition): LifecycleChange => {
    const change: LifecycleChange = { key, from, to: transition.to };
    if (transition.reason) change.reason = transition.reason;
    changeCount++;
    if (changes.length < CHANGES_KEPT) changes.push(change);
    if (transition.to === "new") counts.new++;
    else if (transition.to === "reopened") counts.reopened++;
    else if (transition.to === "resolved") counts.resolved++;
    return change;
  };

  /** Whether the scan read the control's scope completely in this region of the account. */
  const complete = (f: Pick<FindingState, "controlId" | "accountId">, region: string): boolean => {
    if (!scanned.has(region)) return false;
    const known = evidence.get(f.accountId);
    if (!known) return !errored.has(triple(f.controlId, f.accountId, region));
    return !known.incomplete.get(f.controlId)?.has(region);
  };

  return {
    changes,
    get changeCount() {
      return changeCount;
    },
    counts,
    notRechecked,
    result(key, finding, previous) {
      if (finding.status === "PASS") counts.pass++;
      else if (finding.status === "FAIL") {
        counts.fail++;
        counts.failBySeverity[finding.severity]++;
      } else {
        counts.error++;
        errored.add(triple(finding.controlId, finding.accountId, finding.region));
      }

      if (previous && previous.observedAt > observedAt) return undefined;
      if (supersededAt(finding.controlId, finding.accountId, finding.region)) return undefined;
      const transition = nextLifecycle(previous?.lifecycle, finding.status);
      const reach = evidence.get(finding.accountId)?.reach.get(finding.resourceArn);
      const next = evolve(previous, finding, key, { scanId, observedAt, at }, transition, reach);
      const change = transition ? record(key, previous?.lifecycle ?? null, transition) : undefined;
      if (next.notRecheckedSince !== undefined && isFailing(next.lifecycle)) notRechecked.push(next);
      return change ? { state: next, change } : { state: next };
    },
    unreported(key, previous) {
      if (!isFailing(previous.lifecycle)) return undefined;
      if (previous.observedAt > observedAt) return undefined;
      if (!scope.accounts.includes(previous.accountId) || !scope.controls.includes(previous.controlId))
        return undefined;
      const regions = previous.scopeRegions ?? [previous.region];
      // Not this scan's business: none of the regions that lead to the resource was scanned.
      if (!regions.some((r) => scanned.has(r))) return undefined;
      if (regions.some((r) => supersededAt(previous.controlId, previous.accountId, r))) return undefined;
      const known = evidence.get(previous.accountId);
      let seen: Observation | undefined;
      if (known?.notApplicable.has(key)) seen = "not-applicable";
      else if (
        regions.every((r) => complete(previous, r)) &&
        // A region, a service or the account is there as long as it is scanned; a resource the scan saw is there.
        !(known && (isScopeTarget(previous.resourceArn) || known.seen.has(previous.resourceArn)))
      ) {
        seen = "missing";
      }
      const transition = seen ? nextLifecycle(previous.lifecycle, seen) : undefined;
      if (!transition) {
        // Kept as it was: the scan could not re-check it.
        if (!known) return undefined;
        if (previous.notRecheckedSince !== undefined) {
          notRechecked.push(previous);
          return undefined;
        }
        const marked = { ...previous, notRecheckedSince: lastChecked(previous) };
        notRechecked.push(marked);
        return { state: marked };
      }
      const change = record(key, previous.lifecycle, transition);
      const next: FindingState = {
        ...previous,
        lifecycle: transition.to,
        changedAt: at,
        resolvedAt: at,
        resolvedReason: transition.reason ?? "gone",
        lastScanId: scanId,
        observedAt,
      };
      delete next.notRecheckedSince;
      return { state: next, change };
    },
    covered() {
      const out: string[] = [];
      for (const controlId of scope.controls) {
        for (const accountId of scope.accounts) {
          for (const region of scanned) {
            if (complete({ controlId, accountId }, region)) out.push(triple(controlId, accountId, region));
          }
        }
      }
      return out;
    },
  };
}

/** When the finding was last evaluated (PASS or FAIL); rows from before that was recorded fall back. */
function lastChecked(f: FindingState): string {
  return f.checkedAt ?? f.lastFailedAt ?? f.lastSeenAt;
}

function evolve(
  previous: FindingState | undefined,
  finding: Finding,
  key: string,
  scan: { scanId: string; observedAt: string; at: string },
  transition: Transition | undefined,
  reach: readonly string[] | undefined,
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
  if (reach && reach.length > 0) base.scopeRegions = [...reach];
  else delete base.scopeRegions;
  if (evaluated) {
    base.checkedAt = scan.at;
    delete base.notRecheckedSince;
    delete base.error;
    if (finding.remediationId) base.remediationId = finding.remediationId;
    else delete base.remediationId;
  } else {
    base.lastErrorAt = scan.at;
    if (finding.error) base.error = finding.error;
    // An ERROR is not a re-check: the last verdict stands, as of its date.
    if (previous && previous.lifecycle !== "unevaluated") base.notRecheckedSince = lastChecked(previous);
  }
  if (finding.status === "FAIL") base.lastFailedAt = scan.at;
  if (transition) {
    base.lifecycle = transition.to;
    base.changedAt = scan.at;
    if (transition.to === "resolved") {
      delete base.notRecheckedSince;
      base.resolvedAt = scan.at;
      base.resolvedReason = transition.reason ?? "pass";
    } else if (isFailing(transition.to)) {
      delete base.resolvedAt;
      delete base.resolvedReason;
    }
  }
  return base;
}

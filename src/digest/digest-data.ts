/**
 * What a digest says, as plain data: read from the store in one pass (`readDigestInputs`), then assembled by a
 * pure function (`assembleDigest`) that the view renders and the tests check field by field.
 */
import type { AccountDirectoryEntry } from "../domain/accounts.js";
import type { FindingStatus } from "../domain/finding.js";
import { SEVERITIES, type Severity, severityRank } from "../domain/severity.js";
import type {
  AuditEntry,
  FindingRecord,
  PostureRow,
  RemediationRequest,
  ScanOutcome,
  ScanRecord,
  ScanScopeError,
  Store,
  Suppression,
  TrendPoint,
} from "../store/types.js";

export const TREND_DAYS = 7;
export const EXPIRY_WINDOW_DAYS = 7;
/** The window "new" and "resolved" cover when a channel has never had a scheduled digest. */
export const DEFAULT_WINDOW_MS = 24 * 3600_000;
/** The audit action under which every scheduled scan leaves its report. */
export const SCHEDULED_SCAN_ACTION = "schedule.scan";

/** The audit action the job queue writes when it gives a job up (retries exhausted). */
export const DEAD_LETTER_ACTION = "job.dead-lettered";
/** The audit action a scan that was cut off (its process died, it was stopped) ends with; target: scan id. */
export const SCAN_INTERRUPTED_ACTION = "scan.interrupted";
/** Entries of each of the two read per digest; more are counted as "more", not listed. */
export const INCOMPLETE_WORK_LIMIT = 50;
/**
 * Findings read per list (new, resolved, still failing): the most the digest ever shows of one list (its thread
 * renders no more lines per list). Every list is counted in full in the store.
 */
export const DIGEST_LIST_ROWS = 300;

export type SeverityCounts = Record<Severity, number>;

export interface DigestFinding {
  key: string;
  controlId: string;
  accountId: string;
  /** Untrusted: configured or organization account name. */
  accountName?: string;
  region: string;
  resourceArn: string;
  severity: Severity;
  title: string;
  status: FindingStatus;
  firstSeenAt: string;
  resolvedAt?: string;
  /** Set while the latest scans could not re-evaluate it: when its standing verdict was last checked. */
  notRecheckedSince?: string;
}

export interface AccountPosture {
  accountId: string;
  accountName?: string;
  /** The OU path without the root (`Prod/Payments`), for accounts of an organization. */
  ouPath?: string;
  /** Failing, unsuppressed findings by severity. */
  counts: SeverityCounts;
  total: number;
}

/** Failing findings of the accounts directly in one OU (untrusted path), and how many of them fail. */
export interface OuPosture {
  ouPath: string;
  counts: SeverityCounts;
  total: number;
  accounts: number;
  failingAccounts: number;
}

/** An account as the digest names it. */
export interface DigestAccount {
  id: string;
  name?: string | undefined;
  ouPath?: string | undefined;
}

export interface DigestApproval {
  id: string;
  remediationId: string;
  controlId: string;
  accountId: string;
  region: string;
  resourceArn: string;
  requester: string;
  createdAt: string;
  expiresAt: string;
}

export interface DigestSuppression {
  id: string;
  /** What it silences: a finding key, or a control over a resource pattern. */
  findingKey?: string;
  controlId?: string;
  resourcePattern?: string;
  reason: string;
  createdBy: string;
  expiresAt: string;
}

/** An account, or one region of it, that a scan could not read at all. */
export type UnscannedScope = ScanScopeError;

/** What a scheduled scan leaves in the audit log (`schedule.scan`), for the next digest to report. */
export interface ScheduledScanReport {
  slot: string;
  finishedAt: string;
  outcome: "succeeded" | "partial" | "failed";
  scanId?: string;
  /** The accounts it was asked to scan (empty: the current credentials' account). */
  accounts: string[];
  unscanned: UnscannedScope[];
  /** Why the whole scan failed. */
  error?: string;
}

/** Checks that ended in ERROR, grouped by what was denied or failed. */
export interface MissingPermission {
  accountId: string;
  action: string;
  code: string;
  checks: number;
  regions: string[];
}

/** A job the queue gave up on after its retries (`job.dead-lettered`). */
export interface DeadLetteredJob {
  kind: "job";
  at: string;
  /** Untrusted: what the queue says the job was (`scan-account`, `digest` …). */
  jobKind: string;
  jobId: string;
  slot?: string;
  accountId?: string;
  region?: string;
  attempts: number;
  /** Untrusted: may quote AWS or Slack. */
  error: string;
}

/** A scan that did not end (`scan.interrupted`). */
export interface InterruptedScan {
  kind: "scan";
  at: string;
  scanId: string;
  /** Untrusted. */
  reason?: string;
}

export type IncompleteWork = DeadLetteredJob | InterruptedScan;

export interface DigestData {
  asOf: string;
  /** "New" and "resolved" are counted after this instant. */
  since: string;
  sinceKind: "previous-digest" | "default-window";
  posture: AccountPosture[];
  /** Per OU, the worst first; empty (or absent) when no account belongs to an organization. */
  ouPosture?: OuPosture[];
  totals: SeverityCounts;
  /** One point per UTC day, oldest first, today last. */
  trend: TrendPoint[];
  newFindings: DigestFinding[];
  /** How many are new when `newFindings` holds only the first DIGEST_LIST_ROWS (absent: all are listed). */
  newFindingsTotal?: number;
  resolved: DigestFinding[];
  resolvedTotal?: number;
  /** Critical and high findings failing since before `since` (the new ones are listed as new). */
  stillFailing: DigestFinding[];
  stillFailingTotal?: number;
  pendingApprovals: DigestApproval[];
  expiringSuppressions: DigestSuppression[];
  /** Scheduled scans that finished after `since` with a problem, newest first. */
  scanProblems: ScheduledScanReport[];
  missingPermissions: MissingPermission[];
  /** Dead-lettered jobs and interrupted scans recorded after `since`, newest first. */
  incompleteWork: IncompleteWork[];
  /** Set when more were recorded than were read (INCOMPLETE_WORK_LIMIT of each kind). */
  incompleteWorkTruncated?: boolean;
  lastScan?: { id: string; finishedAt: string; outcome: ScanOutcome; trigger: string };
}

export interface DigestInputs {
  asOf: string;
  since: string;
  sinceKind: DigestData["sinceKind"];
  accounts: readonly DigestAccount[];
  posture: readonly PostureRow[];
  trend: readonly TrendPoint[];
  newSince: readonly FindingRecord[];
  resolvedSince: readonly FindingRecord[];
  /** Critical and high failing findings (new ones may be among them: they are listed as new). */
  failingHigh: readonly FindingRecord[];
  /** How many there are when the lists above hold only the first rows (absent: the lists are complete). */
  listTotals?: { newSince: number; resolvedSince: number; failingHigh: number };
  errored: readonly FindingRecord[];
  pending: readonly RemediationRequest[];
  expiring: readonly Suppression[];
  scanAudit: readonly AuditEntry[];
  /** `job.dead-lettered` entries after `since` (absent: none). */
  deadLettered?: readonly AuditEntry[];
  /** `scan.interrupted` entries after `since` (absent: none). */
  interruptedScans?: readonly AuditEntry[];
  lastScan: ScanRecord | undefined;
}

export type DigestStore = Pick<
  Store,
  | "posture"
  | "trend"
  | "digestLists"
  | "listFindings"
  | "pendingRequests"
  | "suppressionsExpiringWithin"
  | "listAudit"
  | "lastScan"
  | "listAccounts"
>;

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFindings(a: DigestFinding, b: DigestFinding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.controlId, b.controlId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceArn, b.resourceArn)
  );
}

function toDigestFinding(r: FindingRecord, names: ReadonlyMap<string, string | undefined>): DigestFinding {
  const out: DigestFinding = {
    key: r.key,
    controlId: r.controlId,
    accountId: r.accountId,
    region: r.region,
    resourceArn: r.resourceArn,
    severity: r.severity,
    title: r.title,
    status: r.status,
    firstSeenAt: r.firstSeenAt,
  };
  if (r.resolvedAt !== undefined) out.resolvedAt = r.resolvedAt;
  if (r.notRecheckedSince !== undefined) out.notRecheckedSince = r.notRecheckedSince;
  const name = names.get(r.accountId);
  if (name !== undefined) out.accountName = name;
  return out;
}

/** `controlId|accountId|region|resourceArn`; the ARN may itself hold `|`. */
function splitFindingKey(key: string): {
  controlId: string;
  accountId: string;
  region: string;
  resourceArn: string;
} {
  const [controlId = "", accountId = "", region = "", ...rest] = key.split("|");
  return { controlId, accountId, region, resourceArn: rest.join("|") };
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

/** Reads a `schedule.scan` audit entry back; entries of another shape are skipped, never trusted blindly. */
export function parseScanReport(entry: Pick<AuditEntry, "detail">): ScheduledScanReport | undefined {
  const d = entry.detail as Partial<Record<keyof ScheduledScanReport, unknown>> | undefined;
  if (!d || typeof d !== "object") return undefined;
  if (!isString(d.slot) || !isString(d.finishedAt)) return undefined;
  if (d.outcome !== "succeeded" && d.outcome !== "partial" && d.outcome !== "failed") return undefined;
  const unscanned: UnscannedScope[] = [];
  for (const u of Array.isArray(d.unscanned) ? d.unscanned : []) {
    const v = u as Partial<Record<keyof UnscannedScope, unknown>>;
    if (!isString(v.accountId) || !isString(v.message)) continue;
    const scope: UnscannedScope = {
      accountId: v.accountId,
      code: isString(v.code) ? v.code : "Unknown",
      action: isString(v.action) ? v.action : "unknown",
      message: v.message,
    };
    if (isString(v.region)) scope.region = v.region;
    unscanned.push(scope);
  }
  const report: ScheduledScanReport = {
    slot: d.slot,
    finishedAt: d.finishedAt,
    outcome: d.outcome,
    accounts: Array.isArray(d.accounts) ? d.accounts.filter(isString) : [],
    unscanned,
  };
  if (isString(d.scanId)) report.scanId = d.scanId;
  if (isString(d.error)) report.error = d.error;
  return report;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** Reads a `job.dead-lettered` entry back; an entry without a job id or kind is skipped. */
export function parseDeadLetter(entry: Pick<AuditEntry, "at" | "detail">): DeadLetteredJob | undefined {
  const d = entry.detail as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object") return undefined;
  if (!isString(d.kind) || !isString(d.jobId)) return undefined;
  const out: DeadLetteredJob = {
    kind: "job",
    at: entry.at,
    jobKind: d.kind,
    jobId: d.jobId,
    attempts: isCount(d.attempts) ? d.attempts : 0,
    error: isString(d.error) ? d.error : "no reason was recorded",
  };
  if (isString(d.slot)) out.slot = d.slot;
  if (isString(d.accountId)) out.accountId = d.accountId;
  if (isString(d.region)) out.region = d.region;
  return out;
}

/** Reads a `scan.interrupted` entry back: the scan id is its target; a reason is taken if there is one. */
export function parseInterruptedScan(
  entry: Pick<AuditEntry, "at" | "target" | "detail">,
): InterruptedScan | undefined {
  if (!entry.target) return undefined;
  const d = (entry.detail ?? {}) as Record<string, unknown>;
  const out: InterruptedScan = { kind: "scan", at: entry.at, scanId: entry.target };
  const reason = [d.reason, d.error, d.message].find(isString);
  if (reason !== undefined) out.reason = reason;
  return out;
}

function incompleteWorkOf(inputs: DigestInputs): IncompleteWork[] {
  const jobs = (inputs.deadLettered ?? []).map(parseDeadLetter);
  const scans = (inputs.interruptedScans ?? []).map(parseInterruptedScan);
  return [...jobs, ...scans]
    .filter((w): w is IncompleteWork => w !== undefined && w.at > inputs.since)
    .sort((a, b) => compareText(b.at, a.at) || compareText(a.kind, b.kind));
}

function groupMissingPermissions(
  errored: readonly FindingRecord[],
  unscannedAccounts: ReadonlySet<string>,
): MissingPermission[] {
  const groups = new Map<string, MissingPermission & { regionSet: Set<string> }>();
  for (const f of errored) {
    if (f.status !== "ERROR" || !f.error) continue;
    // An account that could not be reached at all is reported once, as unscanned, not once per check.
    if (unscannedAccounts.has(f.accountId) && f.error.action.startsWith("sts:")) continue;
    const id = `${f.accountId}|${f.error.action}|${f.error.code}`;
    let group = groups.get(id);
    if (!group) {
      group = {
        accountId: f.accountId,
        action: f.error.action,
        code: f.error.code,
        checks: 0,
        regions: [],
        regionSet: new Set(),
      };
      groups.set(id, group);
    }
    group.checks += 1;
    group.regionSet.add(f.region);
  }
  return [...groups.values()]
    .map(({ regionSet, ...g }) => ({ ...g, regions: [...regionSet].sort(compareText) }))
    .sort(
      (a, b) =>
        b.checks - a.checks ||
        compareText(a.accountId, b.accountId) ||
        compareText(a.action, b.action) ||
        compareText(a.code, b.code),
    );
}

/** Worst first: more critical, then more high, …, then fewer of nothing, then by `tie`. */
function byCounts<T extends { counts: SeverityCounts }>(tie: (a: T, b: T) => number) {
  return (a: T, b: T): number => {
    for (const s of SEVERITIES) if (a.counts[s] !== b.counts[s]) return b.counts[s] - a.counts[s];
    return tie(a, b);
  };
}

/** `Root/Prod/Payments` → `Prod/Payments`; the root itself stays `Root`. */
function shortOuPath(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

function ouPostureOf(posture: readonly AccountPosture[]): OuPosture[] {
  const byOu = new Map<string, OuPosture>();
  for (const account of posture) {
    if (account.ouPath === undefined) continue;
    let row = byOu.get(account.ouPath);
    if (!row) {
      row = { ouPath: account.ouPath, counts: emptyCounts(), total: 0, accounts: 0, failingAccounts: 0 };
      byOu.set(account.ouPath, row);
    }
    row.accounts += 1;
    if (account.total > 0) row.failingAccounts += 1;
    row.total += account.total;
    for (const s of SEVERITIES) row.counts[s] += account.counts[s];
  }
  return [...byOu.values()].sort(byCounts((a, b) => compareText(a.ouPath, b.ouPath)));
}

function accountPosture(inputs: DigestInputs): { posture: AccountPosture[]; totals: SeverityCounts } {
  const known = new Map(inputs.accounts.map((a) => [a.id, a]));
  const byAccount = new Map<string, AccountPosture>();
  const entry = (accountId: string): AccountPosture => {
    let row = byAccount.get(accountId);
    if (!row) {
      row = { accountId, counts: emptyCounts(), total: 0 };
      const account = known.get(accountId);
      if (account?.name !== undefined) row.accountName = account.name;
      if (account?.ouPath !== undefined) row.ouPath = shortOuPath(account.ouPath);
      byAccount.set(accountId, row);
    }
    return row;
  };
  // Every configured account appears, clean ones too: a digest that omits an account reads as "not checked".
  for (const a of inputs.accounts) entry(a.id);
  const totals = emptyCounts();
  for (const row of inputs.posture) {
    const target = entry(row.accountId);
    target.counts[row.severity] += row.count;
    target.total += row.count;
    totals[row.severity] += row.count;
  }
  const posture = [...byAccount.values()].sort(byCounts((a, b) => compareText(a.accountId, b.accountId)));
  return { posture, totals };
}

/** The digest's content from what the store returned: pure, so a seeded history yields exactly one answer. */
export function assembleDigest(inputs: DigestInputs): DigestData {
  const { posture, totals } = accountPosture(inputs);
  const names = new Map(inputs.accounts.map((a) => [a.id, a.name]));
  const digestFinding = (r: FindingRecord) => toDigestFinding(r, names);
  const newFindings = inputs.newSince.map(digestFinding).sort(compareFindings);
  const newKeys = new Set(newFindings.map((f) => f.key));
  const resolved = inputs.resolvedSince.map(digestFinding).sort(compareFindings);
  const stillFailing = inputs.failingHigh
    .filter((f) => !newKeys.has(f.key))
    .map(digestFinding)
    .sort(compareFindings);
  const pendingApprovals: DigestApproval[] = inputs.pending.map((r) => ({
    id: r.id,
    remediationId: r.remediationId,
    ...splitFindingKey(r.findingKey),
    requester: r.requester,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  }));
  const expiringSuppressions: DigestSuppression[] = inputs.expiring
    .filter((s): s is Suppression & { expiresAt: string } => s.expiresAt !== undefined)
    .map((s) => {
      const out: DigestSuppression = {
        id: s.id,
        reason: s.reason,
        createdBy: s.createdBy,
        expiresAt: s.expiresAt,
      };
      if (s.findingKey !== undefined) out.findingKey = s.findingKey;
      if (s.controlId !== undefined) out.controlId = s.controlId;
      if (s.resourcePattern !== undefined) out.resourcePattern = s.resourcePattern;
      return out;
    });
  const reports = inputs.scanAudit
    .map(parseScanReport)
    .filter((r): r is ScheduledScanReport => r !== undefined && r.finishedAt > inputs.since)
    .sort((a, b) => compareText(b.finishedAt, a.finishedAt));
  const scanProblems = reports.filter((r) => r.outcome === "failed" || r.unscanned.length > 0);
  // Only the latest scheduled scan says whether an account is unreachable now.
  const latestUnscanned = new Set(reports[0]?.unscanned.filter((u) => !u.region).map((u) => u.accountId));
  const data: DigestData = {
    asOf: inputs.asOf,
    since: inputs.since,
    sinceKind: inputs.sinceKind,
    posture,
    ouPosture: ouPostureOf(posture),
    totals,
    trend: [...inputs.trend].sort((a, b) => compareText(a.day, b.day)),
    newFindings,
    resolved,
    stillFailing,
    pendingApprovals,
    expiringSuppressions,
    scanProblems,
    missingPermissions: groupMissingPermissions(inputs.errored, latestUnscanned),
    incompleteWork: incompleteWorkOf(inputs),
  };
  const listed = inputs.listTotals;
  if (listed && listed.newSince > newFindings.length) data.newFindingsTotal = listed.newSince;
  if (listed && listed.resolvedSince > resolved.length) data.resolvedTotal = listed.resolvedSince;
  if (listed && listed.failingHigh > stillFailing.length) data.stillFailingTotal = listed.failingHigh;
  if (
    (inputs.deadLettered?.length ?? 0) >= INCOMPLETE_WORK_LIMIT ||
    (inputs.interruptedScans?.length ?? 0) >= INCOMPLETE_WORK_LIMIT
  ) {
    data.incompleteWorkTruncated = true;
  }
  if (inputs.lastScan?.finishedAt) {
    data.lastScan = {
      id: inputs.lastScan.id,
      finishedAt: inputs.lastScan.finishedAt,
      outcome: inputs.lastScan.outcome,
      trigger: inputs.lastScan.trigger,
    };
  }
  return data;
}

export interface DigestWindow {
  asOf: Date;
  since: Date;
  sinceKind: DigestData["sinceKind"];
  /** The configured accounts; the account directory adds the organization's, and where each sits. */
  accounts: readonly DigestAccount[];
}

/** The configured accounts (their names win) and every account the directory knows, with its OU path. */
export function digestAccounts(
  configured: readonly DigestAccount[],
  directory: readonly AccountDirectoryEntry[],
): DigestAccount[] {
  const out = new Map<string, DigestAccount>();
  for (const a of configured) out.set(a.id, { ...a });
  for (const d of directory) {
    const known = out.get(d.accountId);
    const merged: DigestAccount = { id: d.accountId, ...known };
    if (merged.name === undefined && d.name !== undefined) merged.name = d.name;
    if (d.ouPath !== undefined) merged.ouPath = d.ouPath;
    out.set(d.accountId, merged);
  }
  return [...out.values()];
}

export async function readDigestInputs(store: DigestStore, window: DigestWindow): Promise<DigestInputs> {
  const asOf = window.asOf.toISOString();
  const since = window.since.toISOString();
  const [
    posture,
    trend,
    lists,
    errored,
    pending,
    expiring,
    scanAudit,
    deadLettered,
    interruptedScans,
    lastScan,
    directory,
  ] = await Promise.all([
    store.posture(),
    store.trend(TREND_DAYS, asOf),
    store.digestLists({ since, limit: DIGEST_LIST_ROWS, minSeverity: "high" }),
    store.listFindings({ status: ["ERROR"] }),
    store.pendingRequests(),
    store.suppressionsExpiringWithin(EXPIRY_WINDOW_DAYS, asOf),
    store.listAudit({ action: SCHEDULED_SCAN_ACTION, since, order: "desc", limit: 50 }),
    store.listAudit({ action: DEAD_LETTER_ACTION, since, order: "desc", limit: INCOMPLETE_WORK_LIMIT }),
    store.listAudit({ action: SCAN_INTERRUPTED_ACTION, since, order: "desc", limit: INCOMPLETE_WORK_LIMIT }),
    store.lastScan(),
    store.listAccounts(),
  ]);
  return {
    asOf,
    since,
    sinceKind: window.sinceKind,
    accounts: digestAccounts(window.accounts, directory),
    posture,
    trend,
    newSince: lists.newSince.rows,
    resolvedSince: lists.resolvedSince.rows,
    failingHigh: lists.stillFailing.rows,
    listTotals: {
      newSince: lists.newSince.total,
      resolvedSince: lists.resolvedSince.total,
      failingHigh: lists.stillFailing.total,
    },
    errored,
    pending,
    expiring,
    scanAudit,
    deadLettered,
    interruptedScans,
    lastScan,
  };
}

export async function buildDigestData(store: DigestStore, window: DigestWindow): Promise<DigestData> {
  return assembleDigest(await readDigestInputs(store, window));
}

/**
 * The state store's public contract: every record the Slack app, the scheduler and the CLI read or write.
 * Timestamps are ISO-8601 strings in UTC (`2026-01-02T03:04:05.678Z`); JSON fields are plain values.
 */

import type { AccountDirectoryEntry } from "../domain/accounts.js";
import type { AccountEvidence } from "../domain/evidence.js";
import type { Finding, FindingStatus, ResourceType } from "../domain/finding.js";
import type { RequestState } from "../domain/request-state.js";
import type { CollectError } from "../domain/result.js";
import type { Severity } from "../domain/severity.js";
import type { JobTable } from "./job-table.js";

export type Engine = "sqlite" | "postgres";

/** Where a finding stands across scans. `passing` only ever passed; `unevaluated` only ever errored. */
export const LIFECYCLES = ["new", "open", "reopened", "resolved", "passing", "unevaluated"] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/**
 * How long a claim on an announcement (interrupted scan, suppression) holds before another run may take it:
 * longer than a post can spend in the Slack client's retries, so that a live holder is not doubled; a holder
 * that died is replaced after it (at least once).
 */
export const ANNOUNCEMENT_CLAIM_LEASE_MS = 15 * 60_000;

/** The lifecycle states that count as failing (reported, trended, posture). */
export const FAILING_LIFECYCLES = ["new", "open", "reopened"] as const satisfies readonly Lifecycle[];

/**
 * Why a finding became resolved: its control passed on the resource, the resource is positively gone (a scan
 * read everything that leads to it and did not find it, or its own read said NotFound), or the control no
 * longer applies to it.
 */
export type ResolvedReason = "pass" | "gone" | "not-applicable";

export interface ScanScope {
  accounts: string[];
  /** Regions evaluated; findings in region `global` are covered by any scan of their account. */
  regions: string[];
  /** Control ids evaluated. */
  controls: string[];
}

export type ScanOutcome = "running" | "succeeded" | "partial" | "failed" | "interrupted";

export interface ScanCounts {
  pass: number;
  fail: number;
  error: number;
  new: number;
  reopened: number;
  resolved: number;
  /** FAIL results per severity in this scan. */
  failBySeverity: Record<Severity, number>;
}

/** Where a scan was asked for: where its interruption is announced. */
export type ScanOrigin =
  | {
      kind: "slack";
      channel: string;
      user: string;
      threadTs?: string;
      /** What to type after `/forecast-audit` to ask for the same scan again. */
      command?: string;
    }
  | { kind: "schedule"; slot: string }
  | { kind: "cli"; user: string };

/** A scope (an account, or one of its regions) a scan could not read: its collection failed as a whole. */
export interface ScanScopeError {
  accountId: string;
  region?: string;
  /** The collect error's code (`AccessDenied`, `Timeout` …) and the API action it came from. */
  code: string;
  action: string;
  /** One sentence for people (untrusted: it may quote AWS; escape before Slack). */
  message: string;
}

export interface ScanRecord {
  id: string;
  scope: ScanScope;
  /** Who or what started it: `slack:U0123`, `cli:alice`, `schedule`. */
  trigger: string;
  startedAt: string;
  finishedAt?: string;
  outcome: ScanOutcome;
  /** Set once the scan is completed. */
  counts?: ScanCounts;
  /** Why a scan failed. */
  error?: string;
  /** The last sign of life of the process running it (set from the start; refreshed while it runs). */
  heartbeatAt?: string;
  origin?: ScanOrigin;
  /** What the completed scan could not read, when its commit recorded it (migration 0019). */
  unscanned?: ScanScopeError[];
}

export interface StartScanInput {
  /** Defaults to a time-ordered random id. */
  id?: string;
  scope: ScanScope;
  trigger: string;
  /** When collection began; orders scans that commit out of order. Defaults to now. */
  startedAt?: string;
  /** Where it was asked for; an interrupted scan is announced there. */
  origin?: ScanOrigin;
}

export interface CompleteScanInput {
  findings: readonly Finding[];
  /**
   * Per account, what the scan can vouch for beyond its findings: where it read each control's scope
   * completely, what it saw, what did not apply. A finding it no longer reports resolves only on this
   * evidence; one it could not re-check is kept and marked "not re-checked since". Without evidence for an
   * account, the scope is taken as read completely wherever no ERROR was reported for a control.
   */
  evidence?: readonly AccountEvidence[];
  /** Defaults to now; this is the time stamped on every lifecycle change of the scan. */
  finishedAt?: string;
  /** The scopes the scan could not read, recorded with its outcome (so a report rebuilt later keeps them). */
  unscanned?: readonly ScanScopeError[];
}

export interface RecordScanInput extends StartScanInput, CompleteScanInput {}

/** One account's part of a fanned-out scan (one job per account). */
export interface ScanPartInput extends CompleteScanInput {
  accountId: string;
  /** JSON the finisher reports with the scan (e.g. what the part could not read). */
  detail?: unknown;
}

export interface ScanPartRecord {
  scanId: string;
  accountId: string;
  outcome: "succeeded" | "partial" | "failed";
  counts?: ScanCounts;
  detail?: unknown;
  error?: string;
  finishedAt: string;
}

export interface LifecycleChange {
  key: string;
  from: Lifecycle | null;
  to: Lifecycle;
  reason?: ResolvedReason;
}

export interface CompletedScan {
  scan: ScanRecord;
  /**
   * The scan's lifecycle changes, the first 10,000 (`CHANGES_KEPT`): a first scan of a large account changes
   * every finding, and `finding_history` holds them all.
   */
  changes: LifecycleChange[];
  /** How many lifecycle changes the scan made in all. */
  changeCount: number;
  /**
   * Failing findings in the scan's scope that it could not re-check (an ERROR, an incomplete scope): kept as
   * they were, each with `notRecheckedSince`. Suppressed ones included.
   */
  notRechecked?: FindingRecord[];
}

export interface FindingRecord {
  key: string;
  /** `findingId(key)`: the short opaque id people type and buttons carry (`f-` and 12 base32 characters). */
  id: string;
  controlId: string;
  accountId: string;
  region: string;
  resourceArn: string;
  resourceType: ResourceType;
  severity: Severity;
  title: string;
  /** The last PASS or FAIL sentence (an ERROR does not overwrite it, except on a finding never evaluated). */
  detail: string;
  /** The latest evaluated status. */
  status: FindingStatus;
  lifecycle: Lifecycle;
  remediationId?: string;
  /** The error of the latest evaluation, when it was ERROR. */
  error?: CollectError;
  firstSeenAt: string;
  lastSeenAt: string;
  lastFailedAt?: string;
  lastErrorAt?: string;
  /** When a scan last evaluated it (PASS or FAIL). */
  checkedAt?: string;
  /**
   * Set while the latest scans that covered it could not re-evaluate it (an ERROR, an incomplete scope): the
   * time of its last evaluation, whose verdict it keeps. Shown as "not re-checked since <date>".
   */
  notRecheckedSince?: string;
  /** When the lifecycle last changed. */
  changedAt: string;
  resolvedAt?: string;
  resolvedReason?: ResolvedReason;
  lastScanId: string;
  /** Set on read when an active suppression matches (only returned with `includeSuppressed`). */
  suppressionId?: string;
}

export interface FindingHistoryRecord {
  id: number;
  key: string;
  scanId: string;
  from: Lifecycle | null;
  to: Lifecycle;
  reason?: ResolvedReason;
  at: string;
}

export interface FindingQuery {
  lifecycle?: readonly Lifecycle[];
  status?: readonly FindingStatus[];
  /** At or above this severity. */
  minSeverity?: Severity;
  severity?: readonly Severity[];
  accountId?: string;
  region?: string;
  controlId?: string;
  includeSuppressed?: boolean;
  limit?: number;
}

export interface OpenFindingsQuery {
  /** This severity and worse. */
  minSeverity?: Severity;
  accountId?: string;
  /** Rows read (whole, 0 or more); the counts cover every match. */
  limit: number;
}

export interface OpenFindingsPage {
  counts: Record<Severity, number>;
  records: FindingRecord[];
}

export interface ReadOptions {
  includeSuppressed?: boolean;
}

export interface Suppression {
  id: string;
  /** Set for a suppression of one finding. */
  findingKey?: string;
  /** Set for a suppression of a control over the resources matching `resourcePattern`. */
  controlId?: string;
  /** Glob over the resource ARN where `*` matches any run of characters; `*` when absent. */
  resourcePattern?: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  /** Absent: until removed. */
  expiresAt?: string;
  removedAt?: string;
  removedBy?: string;
  /** Set when an approver approved it (a suppression request: "until lifted", critical or high). */
  approvedBy?: string;
  /** The suppression request it came from. */
  requestId?: string;
}

export interface NewSuppression {
  findingKey?: string;
  controlId?: string;
  resourcePattern?: string;
  reason: string;
  createdBy: string;
  expiresAt?: string;
}

export interface SuppressionQuery {
  includeExpired?: boolean;
  includeRemoved?: boolean;
}

export const SUPPRESSION_REQUEST_STATES = ["pending", "approved", "rejected", "expired"] as const;
export type SuppressionRequestState = (typeof SUPPRESSION_REQUEST_STATES)[number];

/** A suppression that needs an approver's approval before it applies ("until lifted", critical, high). */
export interface SuppressionRequest {
  id: string;
  findingKey: string;
  reason: string;
  /** How long the suppression lasts once approved; absent: until someone lifts it. */
  durationDays?: number;
  /** The finding's severity when it was asked for. */
  severity: Severity;
  /** The audit actor who asked: `slack:U0123` or `cli:alice`. */
  requester: string;
  approver?: string;
  rejecter?: string;
  rejectReason?: string;
  state: SuppressionRequestState;
  createdAt: string;
  /** A pending request expires then, like a fix request. */
  expiresAt: string;
  updatedAt: string;
  /** The suppression made when it was approved. */
  suppressionId?: string;
  slackChannel?: string;
  slackTs?: string;
}

export interface NewSuppressionRequest {
  findingKey: string;
  reason: string;
  durationDays?: number;
  severity: Severity;
  requester: string;
  expiresAt: string;
}

/** A suppression made (`created`) or lifted or run out (`ended`) that the approvals channel has not seen. */
export interface SuppressionAnnouncement {
  kind: "created" | "ended";
  suppression: Suppression;
}

export { REQUEST_STATES, type RequestState } from "../domain/request-state.js";

export interface RequestResult {
  /** Indices or descriptions of the plan steps that were carried out. */
  stepsDone: string[];
  error?: string;
  [extra: string]: unknown;
}

export interface RemediationRequest {
  id: string;
  findingKey: string;
  remediationId: string;
  plan: unknown;
  planFingerprint: string;
  /** Slack user id or `cli:<user>`. */
  requester: string;
  approver?: string;
  rejecter?: string;
  reason?: string;
  state: RequestState;
  priorState?: unknown;
  result?: RequestResult;
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
  slackChannel?: string;
  slackTs?: string;
}

export interface NewRemediationRequest {
  /** Defaults to 16 random bytes, base64url. */
  id?: string;
  findingKey: string;
  remediationId: string;
  plan: unknown;
  planFingerprint: string;
  requester: string;
  expiresAt: string;
  slackChannel?: string;
  slackTs?: string;
}

/** What a winning transition also writes; `actor` names who caused it in the audit log. */
export interface RequestPatch {
  approver?: string;
  rejecter?: string;
  reason?: string;
  priorState?: unknown;
  result?: RequestResult;
  slackChannel?: string;
  slackTs?: string;
  /** When set, an audit entry `request.<to>` is appended in the same transaction. */
  actor?: string;
}

export interface RequestQuery {
  states?: readonly RequestState[];
  findingKey?: string;
  limit?: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** Dotted verb: `scan.completed`, `request.approved`, `request.refused`, `aws.change`, `click.fix`, … */
  action: string;
  /** What it was about: a scan id, a finding key, a request id, an ARN. */
  target?: string;
  detail?: unknown;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  target?: string;
  detail?: unknown;
  at?: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** Matches actions that start with this prefix, e.g. `request.`. */
  actionPrefix?: string;
  target?: string;
  since?: string;
  until?: string;
  limit?: number;
  /** Default `desc` (newest first). */
  order?: "asc" | "desc";
}

export interface SlotClaim {
  job: string;
  slot: string;
  instanceId: string;
  claimedAt: string;
  doneAt?: string;
  outcome?: string;
}

/** A list as the digest reads it: the count of all, and the first rows. */
export interface DigestListPage {
  total: number;
  rows: FindingRecord[];
}

export interface DigestLists {
  newSince: DigestListPage;
  resolvedSince: DigestListPage;
  stillFailing: DigestListPage;
}

/** A digest message (page 0) or thread page (1…) of one slot in one channel, as the store recorded it. */
export interface DigestMessageRecord {
  channel: string;
  slot: string;
  page: number;
  /** Written before the message was posted: a record with no `ts` may or may not be in Slack. */
  startedAt: string;
  /** The instant the digest was assembled for (kept on page 0, so a resumed slot reports the same window). */
  asOf?: string;
  ts?: string;
  postedAt?: string;
}

export interface TrendPoint {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Failing findings at the end of the day (or now, for today). */
  total: number;
  bySeverity: Record<Severity, number>;
}

export interface PostureRow {
  accountId: string;
  region: string;
  severity: Severity;
  count: number;
}

export interface PruneResult {
  scans: number;
  history: number;
}

export interface Store {
  readonly engine: Engine;

  startScan(input: StartScanInput): Promise<ScanRecord>;
  /** Applies the lifecycle in one transaction; throws if the scan is unknown or no longer running. */
  completeScan(scanId: string, input: CompleteScanInput): Promise<CompletedScan>;
  /**
   * Commits one account's part of a running scan: its findings' lifecycle (only that account's, in the scan's
   * regions and controls), history and coverage, and the part's row, in one transaction. A part already
   * committed is not applied again (`committed: false`): a retried part job is a no-op.
   */
  commitScanPart(scanId: string, input: ScanPartInput): Promise<{ committed: boolean; part: ScanPartRecord }>;
  /** Records a part that ended without results (its job was dead-lettered); false when it had ended. */
  failScanPart(scanId: string, accountId: string, error: string, finishedAt?: string): Promise<boolean>;
  scanParts(scanId: string): Promise<ScanPartRecord[]>;
  /**
   * Ends a running fanned-out scan once every account of its scope has a part: counts summed, outcome
   * `succeeded`, `partial` (an ERROR or a failed part) or `failed` (every part failed). Undefined while parts
   * are missing, or when the scan had already ended (exactly one caller finishes it).
   */
  finishScanFromParts(
    scanId: string,
    options?: {
      finishedAt?: string;
      /** An audit entry written in the same transaction (the scheduled scan's report). */
      report?: (scan: ScanRecord, parts: readonly ScanPartRecord[]) => NewAuditEntry | undefined;
    },
  ): Promise<ScanRecord | undefined>;
  /** Records that a scan stopped without results; changes no finding. */
  failScan(scanId: string, error: string, finishedAt?: string): Promise<boolean>;
  /** `startScan` then `completeScan`. */
  recordScan(input: RecordScanInput): Promise<CompletedScan>;
  getScan(id: string): Promise<ScanRecord | undefined>;
  listScans(options?: { limit?: number }): Promise<ScanRecord[]>;
  /** The latest scan that is no longer running. */
  lastScan(): Promise<ScanRecord | undefined>;
  /** Refreshes a running scan's heartbeat; false when it is no longer running (finished, or marked interrupted). */
  heartbeatScan(scanId: string, at?: string): Promise<boolean>;
  /**
   * Records the scope a running scan actually covers once it is known (the accounts an organization or the
   * current credentials resolved to); false when it is no longer running.
   */
  setScanScope(scanId: string, scope: ScanScope): Promise<boolean>;
  /**
   * Marks scans still running whose heartbeat is older than `heartbeatBefore` as interrupted (their process
   * stopped), each with a `scan.interrupted` audit entry; returns those it marked. A scan whose process is
   * alive keeps refreshing its heartbeat, so another replica's sweep never marks it.
   */
  markScansInterrupted(heartbeatBefore: string): Promise<ScanRecord[]>;
  /**
   * Marks one running scan interrupted now (its process was asked to stop: Ctrl-C, SIGTERM), with the reason
   * in its `scan.interrupted` audit entry; false when it was no longer running.
   */
  interruptScan(scanId: string, reason: string): Promise<boolean>;
  /**
   * The outbox of interrupted scans asked for in Slack or by the schedule: claims each one not announced yet
   * and not held by a live claim (a claim made before `staleClaimBefore` is taken again: its holder died);
   * `announced_at` is written only by `settleInterruptedScanAnnouncement(…, true)` after the post, so a kill
   * between the two posts it again after the lease instead of never.
   */
  leaseInterruptedScanAnnouncements(claimer: string, staleClaimBefore: string): Promise<ScanRecord[]>;
  /** After the post: done (`announced`), or given back to the next sweep (only the claimer's own claim). */
  settleInterruptedScanAnnouncement(scanId: string, claimer: string, announced: boolean): Promise<void>;
  pruneScans(olderThanDays: number): Promise<PruneResult>;

  getFinding(key: string): Promise<FindingRecord | undefined>;
  /**
   * The finding with this id (`findingId`), by index; undefined when none has it. Throws StoreInputError in
   * the (60-bit) unlikely case that two stored findings share it, so the caller asks for the key instead.
   */
  getFindingById(id: string): Promise<FindingRecord | undefined>;
  listFindings(query?: FindingQuery): Promise<FindingRecord[]>;
  /**
   * Failing, unsuppressed findings: every match counted by severity, and only the first `limit` read, the
   * worst first (then control, account, region, resource). For views that show a page of a long list.
   */
  openFindings(query: OpenFindingsQuery): Promise<OpenFindingsPage>;
  findingHistory(key: string): Promise<FindingHistoryRecord[]>;

  addSuppression(input: NewSuppression): Promise<Suppression>;
  removeSuppression(id: string, by: string): Promise<boolean>;
  getSuppression(id: string): Promise<Suppression | undefined>;
  listSuppressions(query?: SuppressionQuery): Promise<Suppression[]>;
  /** Evaluated now: an expired suppression no longer applies. */
  isSuppressed(key: string): Promise<boolean>;

  createSuppressionRequest(input: NewSuppressionRequest): Promise<SuppressionRequest>;
  getSuppressionRequest(id: string): Promise<SuppressionRequest | undefined>;
  listSuppressionRequests(query?: {
    states?: readonly SuppressionRequestState[];
    findingKey?: string;
    limit?: number;
  }): Promise<SuppressionRequest[]>;
  /**
   * pending (and not expired) → approved, and the suppression created, in one transaction: exactly one
   * approver wins. Undefined when the request was no longer pending or has expired.
   */
  approveSuppressionRequest(
    id: string,
    input: { approver: string; expiresAt?: string },
  ): Promise<{ request: SuppressionRequest; suppression: Suppression } | undefined>;
  /** pending → rejected (compare-and-set); undefined when it was no longer pending. */
  rejectSuppressionRequest(
    id: string,
    input: { rejecter: string; reason?: string },
  ): Promise<SuppressionRequest | undefined>;
  setSuppressionRequestMessage(id: string, channel: string, ts: string): Promise<boolean>;
  /**
   * pending → expired at once, with the reason audited (`suppression-request.expired`): a request nobody can
   * approve (its message could not be posted). Undefined when it was no longer pending.
   */
  withdrawSuppressionRequest(id: string, reason: string): Promise<SuppressionRequest | undefined>;
  /** pending → expired for suppression requests past their time; returns those it expired. */
  expireSuppressionRequests(now: Date | string): Promise<SuppressionRequest[]>;
  /**
   * The outbox of every suppression made, and every one lifted or run out, with a lease (as
   * `leaseInterruptedScanAnnouncements`): nothing is marked announced until `settleSuppressionAnnouncement(…,
   * true)` after the post.
   */
  leaseSuppressionAnnouncements(
    claimer: string,
    staleClaimBefore: string,
  ): Promise<SuppressionAnnouncement[]>;
  settleSuppressionAnnouncement(
    announcement: SuppressionAnnouncement,
    claimer: string,
    announced: boolean,
  ): Promise<void>;

  createRequest(input: NewRemediationRequest): Promise<RemediationRequest>;
  getRequest(id: string): Promise<RemediationRequest | undefined>;
  listRequests(query?: RequestQuery): Promise<RemediationRequest[]>;
  /** Compare-and-set: true only for the one caller whose `from` matched. */
  transitionRequest(
    id: string,
    from: RequestState | readonly RequestState[],
    to: RequestState,
    patch?: RequestPatch,
  ): Promise<boolean>;
  /** Records where the request's Slack message is, without changing its state. */
  setRequestMessage(id: string, channel: string, ts: string): Promise<boolean>;
  /** pending → expired for requests whose `expiresAt` has passed; returns those it expired. */
  expirePendingRequests(now: Date | string): Promise<RemediationRequest[]>;
  /**
   * applying/reverting → interrupted for those untouched since `updatedBefore` (the lease of the process
   * running them ran out; all of them without it), noted for announcement; returns those it marked.
   */
  markInterrupted(options?: { updatedBefore?: string }): Promise<RemediationRequest[]>;
  /**
   * The lease of a fix this process holds: refreshes `updatedAt` while the request is approved, applying or
   * reverting; false once it is not (it ended, or a sweep marked it cut off).
   */
  touchRequest(id: string): Promise<boolean>;
  /**
   * approved → failed with `result` for those untouched since `updatedBefore` (stopped before their first AWS
   * call), audited and noted for announcement like `markInterrupted`; returns them.
   */
  failUnstartedRequests(options: {
    updatedBefore?: string;
    result: RequestResult;
  }): Promise<RemediationRequest[]>;
  /**
   * Claims every fix marked cut off (still interrupted, or failed by the sweep) whose announcement is not done,
   * once across replicas; a claim made before `staleClaimBefore` (its holder died) is taken again.
   */
  claimInterruptedAnnouncements(claimer: string, staleClaimBefore: string): Promise<RemediationRequest[]>;
  /** After the redraw: done (`announced`), or given back to the next sweep. Only the claimer's claim counts. */
  settleInterruptedAnnouncement(id: string, claimer: string, announced: boolean): Promise<void>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;

  /** The in-process job runner's table (used on SQLite; pg-boss keeps its own on PostgreSQL). */
  readonly jobs: JobTable;

  /** True for the one instance that claims this slot of this job first. */
  claimSlot(job: string, slot: string, instanceId: string): Promise<boolean>;
  /**
   * A Slack delivery's claim: `claimSlot` for a key claimed on the Slack thread. On a SQLite file it never
   * blocks the event loop (its own connection; sqlite-delivery-claims.ts).
   */
  claimDelivery(job: string, key: string, instanceId: string): Promise<boolean>;
  lastClaimedSlot(job: string): Promise<SlotClaim | undefined>;
  /** The claim of this slot of this job, if any. */
  slotClaim(job: string, slot: string): Promise<SlotClaim | undefined>;
  /**
   * Settles a claimed slot with its outcome; false when it was settled already (or never claimed). With
   * `audit`, the entry is appended in the same transaction, and only when this call settles the slot.
   */
  markSlotDone(job: string, slot: string, outcome: string, audit?: NewAuditEntry): Promise<boolean>;
  /** Deletes the claims of one job made before `claimedBefore` (e.g. Slack delivery claims); returns how many. */
  pruneSlots(job: string, claimedBefore: string): Promise<number>;

  /**
   * Records that a digest page is about to be posted; a page already recorded keeps its first record, which
   * is returned.
   */
  digestMessageStarted(input: {
    channel: string;
    slot: string;
    page: number;
    asOf?: string;
  }): Promise<DigestMessageRecord>;
  /** Records the ts Slack gave the page (or that a history lookup found for it). */
  digestMessagePosted(channel: string, slot: string, page: number, ts: string): Promise<void>;
  /** Every recorded page of one slot in one channel, page order. */
  digestMessages(channel: string, slot: string): Promise<DigestMessageRecord[]>;

  /**
   * The digest's three finding lists (new and resolved since `since`; failing at `minSeverity` or worse and not
   * new), unsuppressed: each counted in full and read up to `limit` rows, the worst first.
   */
  digestLists(query: { since: string; limit: number; minSeverity: Severity }): Promise<DigestLists>;
  findingsNewSince(since: string, options?: ReadOptions): Promise<FindingRecord[]>;
  findingsResolvedSince(since: string, options?: ReadOptions): Promise<FindingRecord[]>;
  trend(days: number, now: Date | string, options?: ReadOptions): Promise<TrendPoint[]>;
  stillFailing(options?: { minSeverity?: Severity } & ReadOptions): Promise<FindingRecord[]>;
  pendingRequests(): Promise<RemediationRequest[]>;
  suppressionsExpiringWithin(days: number, now: Date | string): Promise<Suppression[]>;
  posture(options?: ReadOptions): Promise<PostureRow[]>;

  /** Records what a scan learnt about its accounts (names, OU paths); an older view never overwrites a newer one. */
  saveAccounts(entries: readonly AccountDirectoryEntry[]): Promise<void>;
  /** Every account any scan resolved, by account id. */
  listAccounts(): Promise<AccountDirectoryEntry[]>;

  close(): Promise<void>;
}

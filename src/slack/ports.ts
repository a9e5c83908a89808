/**
 * The narrow interfaces the Slack app needs from the rest of the product. The composition root adapts the
 * scan use-case and the store to these; tests use the in-memory fakes in test/support/slack-fakes.ts.
 */
import type { Finding } from "../domain/finding.js";
import type { RequestState as FixRequestState } from "../domain/request-state.js";
import type { Severity } from "../domain/severity.js";
import type { Authorizer } from "./authorize.js";

export type SeverityCounts = Record<Severity, number>;

export interface SlackTrigger {
  kind: "slack";
  userId: string;
  channelId: string;
}

export interface ScanRequest {
  /** Account ids (or, with an organization, account names); absent means every configured account. */
  accounts?: string[];
  /** OU ids, names or paths of the organization (nested OUs included). */
  ous?: string[];
  /** Regions; absent means the configured regions. */
  regions?: string[];
  trigger: SlackTrigger;
}

/** Overall progress of one scan, already folded across accounts, regions and phases. */
export interface ScanProgressUpdate {
  done: number;
  total: number;
  /** One short sentence for people, e.g. `Reading 12 buckets.` (untrusted: it may name resources). */
  message: string;
  phase?: string;
}

export interface ScanError {
  accountId?: string;
  region?: string;
  /** Untrusted: escaped and masked before it is shown. */
  message: string;
}

export interface ScanOutcome {
  scanId: string;
  /** The findings to list: FAIL and ERROR (PASS findings may be included too; `passed` counts them). */
  findings: Finding[];
  /** How many findings passed; when absent, the PASS findings in `findings` are counted. */
  passed?: number;
  /** Failures that stopped a whole account or region (not the per-control ERROR findings). */
  errors: ScanError[];
  startedAt: Date;
  finishedAt: Date;
  accounts: string[];
  regions: string[];
}

export interface ScanHandle {
  id: string;
  /** A key for what is scanned (accounts and regions); two requests with the same scope share a scan. */
  scope: string;
  /** True when this request joined a scan that was already running for the same scope. */
  joined: boolean;
  /** Returns a function that unsubscribes. */
  onProgress(listener: (progress: ScanProgressUpdate) => void): () => void;
  /** Rejects only when the scan could not run at all. */
  done: Promise<ScanOutcome>;
}

export interface ScanSummary {
  id: string;
  scope: string;
  accounts: string[];
  regions: string[];
  startedAt: Date;
  /** Who or what started it, for people: `slack:U123`, `cli:alice`, `schedule`. */
  startedBy?: string;
  progress?: ScanProgressUpdate;
}

export interface ScanService {
  /** Starts a scan, or joins the one already running for the same scope. Throws only on a bad request. */
  start(request: ScanRequest): ScanHandle;
  running(): ScanSummary[];
  /** Scans whose process stopped; absent, nothing is announced. */
  interrupted?: InterruptedScans;
  /** The latest scans in the store (every replica's, running ones with their heartbeat); absent, not shown. */
  recent?(limit: number): Promise<ScanRecord[]>;
}

/** A scan whose process stopped before it ended, to be announced where it was asked for. */
export interface InterruptedScanNotice {
  id: string;
  startedAt: Date;
  lastHeartbeatAt?: Date;
  accounts: string[];
  regions: string[];
  requestedIn:
    | { kind: "slack"; channel: string; user: string; threadTs?: string; command?: string }
    | { kind: "schedule"; slot: string };
}

export interface InterruptedScans {
  /**
   * Marks running scans whose heartbeat is older than the lease as interrupted, then hands out each
   * interruption not yet announced: once, across replicas.
   */
  take(): Promise<InterruptedScanNotice[]>;
  /** Gives back one that could not be posted, for the next run. */
  release(scanId: string): Promise<void>;
  /** A channel took it: written as announced (until then, a claim whose holder died is taken again). */
  announced(scanId: string): Promise<void>;
}

export type FindingLifecycle = "new" | "open" | "resolved" | "reopened";

export interface FindingRecord {
  finding: Finding;
  lifecycle?: FindingLifecycle;
  firstSeenAt?: Date;
  lastSeenAt?: Date;
  /** Set while the latest scans could not re-evaluate it: when its standing verdict was last checked. */
  notRecheckedSince?: Date;
  /** The control's manual guidance (from the catalog), shown in Details. */
  guidance?: string;
}

export interface OpenFindingsPage {
  /** Every matching finding, by severity (not only the records read). */
  counts: Record<Severity, number>;
  records: FindingRecord[];
}

export interface PostureRow {
  accountId: string;
  accountName?: string;
  /** The account's OU path without the root (`Prod/Payments`), for accounts of an organization. */
  ouPath?: string;
  region: string;
  /** Open (failing, not suppressed) findings by severity. */
  open: SeverityCounts;
  /** Controls that could not be evaluated in the last scan. */
  errors: number;
  lastScannedAt?: Date;
}

export interface ScanRecord {
  id: string;
  status: "running" | "succeeded" | "failed" | "interrupted";
  startedAt: Date;
  finishedAt?: Date;
  /** A running scan's last sign of life. */
  heartbeatAt?: Date;
  startedBy?: string;
  accounts: string[];
  regions: string[];
  failing: SeverityCounts;
  errors: number;
  passed: number;
}

export interface FindingsQuery {
  /**
   * Failing, unsuppressed findings: all of them counted by severity, and the first `limit` (default 50),
   * the worst first (then control, account, region, resource).
   */
  openFindings(filter: {
    minSeverity?: Severity;
    accountId?: string;
    limit?: number;
  }): Promise<OpenFindingsPage>;
  posture(): Promise<PostureRow[]>;
  lastScan(): Promise<ScanRecord | undefined>;
  /** `ref` is `findingRef(finding)` from src/slack/finding-ref.ts: what buttons carry instead of the finding. */
  findingByRef(ref: string): Promise<FindingRecord | undefined>;
}

export interface PendingApproval {
  id: string;
  remediationId: string;
  finding: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn" | "severity" | "title">;
  requestedBy: string;
  requestedAt: Date;
  expiresAt?: Date;
}

export interface ApprovalsQuery {
  /** Requests this user may approve and has not yet acted on. */
  pendingFor(userId: string): Promise<PendingApproval[]>;
}

export interface DigestService {
  /** `requestedBy` is the Slack user who asked (recorded in the audit log). */
  postDigest(channelId: string, requestedBy?: string): Promise<void>;
}

export interface SuppressionInput {
  ref: string;
  userId: string;
  reason: string;
  /** Whole days; absent: until someone lifts it (which always needs an approval). */
  days?: number;
}

export const SUPPRESSION_REQUEST_VIEW_STATES = ["pending", "approved", "rejected", "expired"] as const;

/** A suppression waiting for (or past) an approver's decision, as its Slack message shows it. */
export interface SuppressionRequestView {
  id: string;
  state: (typeof SUPPRESSION_REQUEST_VIEW_STATES)[number];
  finding: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn" | "severity" | "title">;
  /** Untrusted: what the requester typed. */
  reason: string;
  /** Absent: until lifted. */
  days?: number;
  /** Why it needs an approval, for people: `it has no end date`, `the finding is critical`. */
  why: string;
  /** Audit actors: `slack:U0123`, `cli:alice`. */
  requestedBy: string;
  approvedBy?: string;
  rejectedBy?: string;
  requestedAt: Date;
  expiresAt: Date;
  suppressionId?: string;
  channel?: string;
  ts?: string;
}

export type SuppressionRefusal = {
  ok: false;
  code: string;
  reason: string;
  request?: SuppressionRequestView;
};

export type SuppressAnswer =
  | { ok: true; kind: "suppressed"; suppressionId: string; expiresAt?: Date }
  | { ok: true; kind: "requested"; request: SuppressionRequestView }
  | SuppressionRefusal;

export interface SuppressionClick {
  requestId: string;
  userId: string;
  authorization: AuthorizationResult;
}

/** A suppression made, lifted or run out, for the approvals channel. Texts are untrusted. */
export interface SuppressionAnnouncementView {
  kind: "suppressed" | "lifted" | "expired";
  suppressionId: string;
  /** The finding when the suppression names one that is known. */
  finding?: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn" | "severity" | "title">;
  /** What it covers when no finding is known: a finding key, or a control over a resource pattern. */
  target: string;
  reason: string;
  /** Who made it (`suppressed`) or lifted it (`lifted`): audit actors. */
  by?: string;
  approvedBy?: string;
  expiresAt?: Date;
  /** The opaque handle to give back when it could not be posted. */
  handle: unknown;
}

export interface SuppressionService {
  /** Suppresses at once, or records a request that waits for an approver (no end date, critical, high). */
  suppress(input: SuppressionInput): Promise<SuppressAnswer>;
  get(requestId: string): Promise<SuppressionRequestView | undefined>;
  setMessage(requestId: string, channel: string, ts: string): Promise<void>;
  /** A request whose approval message could not be posted: expired at once with the reason (audited). */
  withdraw(requestId: string, reason: string): Promise<void>;
  /** Approve: the suppression applies once, for one approver who is not the requester (four-eyes). */
  approve(
    click: SuppressionClick,
  ): Promise<{ ok: true; request: SuppressionRequestView } | SuppressionRefusal>;
  reject(
    click: SuppressionClick,
  ): Promise<{ ok: true; request: SuppressionRequestView } | SuppressionRefusal>;
  /** Pending requests past their time become expired; returns them so their messages can be redrawn. */
  expireDue(): Promise<SuppressionRequestView[]>;
  /**
   * Suppressions made or ended and not yet announced, each claimed by one caller across replicas for a lease
   * (a claim whose holder died is handed out again after it).
   */
  takeAnnouncements(): Promise<SuppressionAnnouncementView[]>;
  /** Gives back one that could not be posted: the next sweep tries again. */
  releaseAnnouncement(announcement: SuppressionAnnouncementView): Promise<void>;
  /** The post went out: written as announced. */
  confirmAnnouncement(announcement: SuppressionAnnouncementView): Promise<void>;
}

export type AuthorizationResult = { ok: true } | { ok: false; reason: string };

/** The append-only audit log, for refusals decided in the Slack app itself. */
export interface AuditPort {
  /** `actor` is `slack:<USERID>`; `action` a dotted verb such as `access.refused`. */
  record(entry: { actor: string; action: string; target?: string; detail?: unknown }): Promise<void>;
}

export {
  REQUEST_STATES as FIX_REQUEST_STATES,
  type RequestState as FixRequestState,
} from "../domain/request-state.js";

/** The plan of a fix as people see it; never its prior state. Texts are untrusted and unescaped. */
export interface FixPlanView {
  steps: Array<{ service: string; operation: string; region: string; description: string }>;
  refusal?: string;
  before: string;
  after: string;
  diff?: string;
  notes: string[];
  fingerprint: string;
  /** What the requester may choose for this plan; chosen by index, so no ARN or tag key travels in Slack. */
  choice?: FixPlanChoice;
}

/** The options of a plan as the Fix modal offers them. Labels are untrusted and unescaped. */
export interface FixPlanChoice {
  kind: "kms-key" | "tag-key";
  labels: string[];
  /** The index of the label the plan used; absent for the default (no key, or every flagged tag). */
  selected?: number;
}

/** A requester's pick in the Fix modal: the index of one of `FixPlanChoice.labels`. */
export type FixChoiceIndex = number;

/** A remediation request as its Slack message shows it. */
export interface FixRequestView {
  id: string;
  state: FixRequestState;
  remediationId: string;
  remediationTitle: string;
  finding: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn" | "severity" | "title">;
  /** Slack user id, or `cli:<user>`. */
  requestedBy: string;
  requestReason?: string;
  approvedBy?: string;
  rejectedBy?: string;
  rejectReason?: string;
  requestedAt: Date;
  expiresAt: Date;
  updatedAt: Date;
  plan: FixPlanView;
  result?: {
    phase: "apply" | "revert";
    /** `applied`, `applied-unconfirmed`, `drift`, `refused`, `step-failed`, `reverted`. */
    outcome?: string;
    stepsDone: string[];
    error?: string;
    failedStep?: string;
    action?: string;
    recheck?: { status: string; detail: string };
    /** Who ran it last (`slack:U…`, `cli:…`). */
    by?: string;
    /**
     * What a revert ran, planned from a fresh read: `exact` put the prior state back (nothing had changed
     * since the fix); `changed` took back only the fix's own changes and kept later ones.
     */
    revert?: { mode: "exact" | "changed"; steps: string[]; diff?: string; notes: string[] };
  };
  channel?: string;
  ts?: string;
}

export interface FixPreview {
  finding: Finding;
  remediationTitle: string;
  plan: FixPlanView;
}

export type FixRefusal = { ok: false; code: string; reason: string; request?: FixRequestView };
export type FixAnswer<T> = ({ ok: true } & T) | FixRefusal;

export interface FixClick {
  requestId: string;
  userId: string;
  teamId?: string;
  authorization: AuthorizationResult;
  /** Called once this click has won the request, before any AWS call. */
  onStarted?(request: FixRequestView): Promise<void>;
}

export interface RemediationsPort {
  /** The plan from a fresh read of the resource, for the Fix modal. */
  preview(ref: string, choice?: FixChoiceIndex): Promise<FixAnswer<{ preview: FixPreview }>>;
  /** Records a request for exactly the plan the user saw (`fingerprint`), made with the same choice. */
  request(input: {
    ref: string;
    userId: string;
    reason?: string;
    fingerprint: string;
    choice?: FixChoiceIndex;
  }): Promise<FixAnswer<{ request: FixRequestView }>>;
  get(requestId: string): Promise<FixRequestView | undefined>;
  setMessage(requestId: string, channel: string, ts: string): Promise<void>;
  /** A request whose approval message could not be posted: expired at once with the reason (audited). */
  withdraw(requestId: string, reason: string): Promise<void>;
  /** Approve then apply, re-check and record; resolves with the final request. */
  approve(click: FixClick): Promise<FixAnswer<{ request: FixRequestView }>>;
  reject(click: FixClick & { reason: string }): Promise<FixAnswer<{ request: FixRequestView }>>;
  retry(click: FixClick): Promise<FixAnswer<{ request: FixRequestView }>>;
  revert(click: FixClick): Promise<FixAnswer<{ request: FixRequestView }>>;
  /** Audits a click refused before it reached a request (malformed, wrong workspace). */
  recordRefusal(input: { requestId: string; userId: string; action: string; reason: string }): Promise<void>;
  /** Pending requests past their time become expired; returns them so their messages can be updated. */
  expireDue(): Promise<FixRequestView[]>;
  /**
   * Marks fixes whose process stopped (lease run out) interrupted, then claims those not announced yet: each
   * handed to one caller across replicas, until settled. A claim never settled is handed out again later.
   */
  takeInterrupted(): Promise<FixRequestView[]>;
  /** After the redraw of a claimed fix's message: announced, or given back (false) for the next sweep. */
  settleInterrupted?(requestId: string, announced: boolean): Promise<void>;
}

export interface SlackPorts {
  scans: ScanService;
  findings: FindingsQuery;
  approvals: ApprovalsQuery;
  digest: DigestService;
  suppressions: SuppressionService;
  /** Fixes and their approval; absent, the Fix modal says automated fixes are not available. */
  remediations?: RemediationsPort;
  /** Where refusals and other Slack-side decisions are recorded. */
  audit: AuditPort;
  /** Defaults to the config-based authorizer from src/slack/authorize.ts. */
  authorizer?: Authorizer;
  /** Claims a delivery (`event:…`/`trigger:…`) across replicas: true for the first claimer. Memory only when absent. */
  claimDelivery?: (key: string) => Promise<boolean>;
}

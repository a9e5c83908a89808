/**
 * In-memory fakes of the Slack app's ports (src/slack/ports.ts), and finding generators, for the view unit
 * tests and the Slack end-to-end tests.
 */
import type { Finding } from "../../src/domain/finding.js";
import { isAtLeast, SEVERITIES, type Severity, severityRank } from "../../src/domain/severity.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import type {
  ApprovalsQuery,
  DigestService,
  FindingRecord,
  FindingsQuery,
  OpenFindingsPage,
  PendingApproval,
  PostureRow,
  ScanHandle,
  ScanOutcome,
  ScanProgressUpdate,
  ScanRecord,
  ScanRequest,
  ScanService,
  ScanSummary,
  SlackPorts,
  SuppressAnswer,
  SuppressionAnnouncementView,
  SuppressionInput,
  SuppressionService,
} from "../../src/slack/ports.js";

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    controlId: "s3-bucket-tls-enforced",
    status: "FAIL",
    severity: "high",
    accountId: "123456789012",
    region: "us-east-1",
    resourceArn: "arn:aws:s3:::forecast-data",
    resourceType: "s3-bucket",
    title: "S3 bucket policy enforces TLS",
    detail: "Bucket forecast-data has no policy statement that denies requests without TLS.",
    remediationId: "s3-bucket-enforce-tls",
    ...overrides,
  };
}

/** `n` distinct failing findings across severities, every fourth one without a remediation. */
export function makeFindings(n: number, overrides: Partial<Finding> = {}): Finding[] {
  return Array.from({ length: n }, (_, i) => {
    const severity = SEVERITIES[i % SEVERITIES.length] as Severity;
    const f = makeFinding({
      severity,
      controlId: `control-${severity}-${i % 7}`,
      resourceArn: `arn:aws:s3:::forecast-bucket-${String(i).padStart(5, "0")}`,
      detail: `Bucket forecast-bucket-${i} fails this check because its policy is missing a statement.`,
      ...overrides,
    });
    if (i % 4 === 3) delete f.remediationId;
    return f;
  });
}

export function recordOf(finding: Finding, extra: Partial<FindingRecord> = {}): FindingRecord {
  return { finding, lifecycle: "open", firstSeenAt: new Date("2024-05-01T09:00:00Z"), ...extra };
}

export function scopeKey(request: Pick<ScanRequest, "accounts" | "regions">): string {
  const part = (values: string[] | undefined) =>
    values && values.length > 0 ? [...values].sort().join(",") : "*";
  return `accounts=${part(request.accounts)};regions=${part(request.regions)}`;
}

export interface FakeScanOptions {
  /** What every scan finds; a function receives the request. */
  findings?: Finding[] | ((request: ScanRequest) => Finding[]);
  /** Progress events before the scan finishes. */
  steps?: number;
  stepDelayMs?: number;
  /** When true, a scan waits after its progress for `release()`. */
  hold?: boolean;
  /** When set, `done` rejects with this message. */
  failWith?: string;
}

interface RunningScan {
  summary: ScanSummary;
  listeners: Set<(p: ScanProgressUpdate) => void>;
  done: Promise<ScanOutcome>;
  release: () => void;
}

export class FakeScanService implements ScanService {
  /** Every `start` call, joined or not. */
  readonly requests: ScanRequest[] = [];
  /** Only the requests that started a new scan. */
  readonly started: ScanRequest[] = [];
  readonly #running = new Map<string, RunningScan>();
  readonly #all: Promise<unknown>[] = [];
  #next = 1;

  constructor(public options: FakeScanOptions = {}) {}

  start(request: ScanRequest): ScanHandle {
    this.requests.push(request);
    const scope = scopeKey(request);
    const existing = this.#running.get(scope);
    if (existing) return this.#handle(existing, true);

    this.started.push(request);
    const id = `scan-${this.#next++}`;
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const scan: RunningScan = {
      summary: {
        id,
        scope,
        accounts: request.accounts ?? ["123456789012"],
        regions: request.regions ?? ["us-east-1"],
        startedAt: new Date(),
        startedBy: `slack:${request.trigger.userId}`,
      },
      listeners: new Set(),
      done: Promise.resolve() as unknown as Promise<ScanOutcome>,
      release,
    };
    scan.done = this.#run(scan, request, released).finally(() => this.#running.delete(scope));
    scan.done.catch(() => {});
    this.#all.push(scan.done.catch(() => {}));
    this.#running.set(scope, scan);
    return this.#handle(scan, false);
  }

  running(): ScanSummary[] {
    return [...this.#running.values()].map((s) => s.summary);
  }

  /** Lets held scans finish. */
  release(): void {
    for (const scan of this.#running.values()) scan.release();
  }

  async idle(): Promise<void> {
    await Promise.all(this.#all);
  }

  #handle(scan: RunningScan, joined: boolean): ScanHandle {
    return {
      id: scan.summary.id,
      scope: scan.summary.scope,
      joined,
      onProgress: (listener) => {
        scan.listeners.add(listener);
        return () => scan.listeners.delete(listener);
      },
      done: scan.done,
    };
  }

  async #run(scan: RunningScan, request: ScanRequest, released: Promise<void>): Promise<ScanOutcome> {
    const steps = this.options.steps ?? 3;
    const delay = this.options.stepDelayMs ?? 5;
    for (let i = 1; i <= steps; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const progress = { done: i, total: steps, message: `Checked part ${i} of ${steps}.`, phase: "s3" };
      scan.summary.progress = progress;
      for (const listener of scan.listeners) listener(progress);
    }
    if (this.options.hold) await released;
    if (this.options.failWith) throw new Error(this.options.failWith);
    const source = this.options.findings ?? [];
    const findings = typeof source === "function" ? source(request) : source;
    return {
      scanId: scan.summary.id,
      findings,
      errors: [],
      startedAt: scan.summary.startedAt,
      finishedAt: new Date(),
      accounts: scan.summary.accounts,
      regions: scan.summary.regions,
    };
  }
}

export class FakeFindingsQuery implements FindingsQuery {
  constructor(
    public records: FindingRecord[] = [],
    public last: ScanRecord | undefined = undefined,
  ) {}

  async openFindings(filter: {
    minSeverity?: Severity;
    accountId?: string;
    limit?: number;
  }): Promise<OpenFindingsPage> {
    const open = this.records
      .filter((r) => r.finding.status === "FAIL")
      .filter((r) => !filter.minSeverity || isAtLeast(r.finding.severity, filter.minSeverity))
      .filter((r) => !filter.accountId || r.finding.accountId === filter.accountId)
      .sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity));
    const counts = { critical: 0, high: 0, medium: 0, low: 0 };
    for (const r of open) counts[r.finding.severity] += 1;
    return { counts, records: open.slice(0, filter.limit ?? 50) };
  }

  async posture(): Promise<PostureRow[]> {
    const rows = new Map<string, PostureRow>();
    for (const { finding: f } of this.records) {
      const key = `${f.accountId}|${f.region}`;
      const row = rows.get(key) ?? {
        accountId: f.accountId,
        region: f.region,
        open: { critical: 0, high: 0, medium: 0, low: 0 },
        errors: 0,
      };
      if (f.status === "FAIL") row.open[f.severity] += 1;
      if (f.status === "ERROR") row.errors += 1;
      rows.set(key, row);
    }
    return [...rows.values()];
  }

  async lastScan(): Promise<ScanRecord | undefined> {
    return this.last;
  }

  async findingByRef(ref: string): Promise<FindingRecord | undefined> {
    return this.records.find((r) => findingRef(r.finding) === ref);
  }
}

export class FakeApprovalsQuery implements ApprovalsQuery {
  constructor(public byUser: Record<string, PendingApproval[]> = {}) {}
  async pendingFor(userId: string): Promise<PendingApproval[]> {
    return this.byUser[userId] ?? [];
  }
}

export class FakeDigestService implements DigestService {
  readonly posted: string[] = [];
  async postDigest(channelId: string): Promise<void> {
    this.posted.push(channelId);
  }
}

/** Records what was asked and suppresses at once, unless `answerWith` says otherwise (a request). */
export class FakeSuppressionService implements SuppressionService {
  readonly requests: SuppressionInput[] = [];
  readonly announcements: SuppressionAnnouncementView[] = [];
  readonly withdrawn: { requestId: string; reason: string }[] = [];
  answerWith: SuppressAnswer | undefined;
  async suppress(request: SuppressionInput): Promise<SuppressAnswer> {
    this.requests.push(request);
    return (
      this.answerWith ?? { ok: true, kind: "suppressed", suppressionId: `sup-fake${this.requests.length}` }
    );
  }
  async get() {
    return undefined;
  }
  async setMessage() {}
  async withdraw(requestId: string, reason: string) {
    this.withdrawn.push({ requestId, reason });
  }
  async approve() {
    return { ok: false as const, code: "not-found", reason: "This suppression request is not known." };
  }
  async reject() {
    return { ok: false as const, code: "not-found", reason: "This suppression request is not known." };
  }
  async expireDue() {
    return [];
  }
  async takeAnnouncements() {
    return this.announcements.splice(0);
  }
  async releaseAnnouncement(announcement: SuppressionAnnouncementView) {
    this.announcements.push(announcement);
  }
  async confirmAnnouncement() {}
}

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string;
  detail?: unknown;
}

export class FakeAuditPort {
  readonly entries: AuditRecord[] = [];
  async record(entry: AuditRecord): Promise<void> {
    this.entries.push(entry);
  }
}

export interface FakePorts {
  ports: SlackPorts;
  scans: FakeScanService;
  findings: FakeFindingsQuery;
  approvals: FakeApprovalsQuery;
  digest: FakeDigestService;
  suppressions: FakeSuppressionService;
  audit: FakeAuditPort;
}

export function createFakePorts(
  options: { scan?: FakeScanOptions; records?: FindingRecord[]; lastScan?: ScanRecord } = {},
): FakePorts {
  const scans = new FakeScanService(options.scan);
  const findings = new FakeFindingsQuery(options.records ?? [], options.lastScan);
  const approvals = new FakeApprovalsQuery();
  const digest = new FakeDigestService();
  const suppressions = new FakeSuppressionService();
  const audit = new FakeAuditPort();
  return {
    ports: { scans, findings, approvals, digest, suppressions, audit },
    scans,
    findings,
    approvals,
    digest,
    suppressions,
    audit,
  };
}

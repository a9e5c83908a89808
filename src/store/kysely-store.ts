/** The `Store` over Kysely: the same queries on SQLite and PostgreSQL, with the engine's own locking. */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type Transaction,
  type Updateable,
} from "kysely";
import type { AccountDirectoryEntry } from "../domain/accounts.js";
import type { AccountEvidence } from "../domain/evidence.js";
import { isSeverity, SEVERITIES, type Severity, severityRank } from "../domain/severity.js";
import { listAccounts, saveAccounts } from "./account-directory.js";
import {
  acquireCommitLock,
  commitLockHolderName,
  releaseCommitLock,
  renewCommitLock,
} from "./commit-lock.js";
import type { StoreLogger } from "./connect.js";
import { digestListRows, openFindingsRows, postureCounts, trendCounts } from "./digest-queries.js";
import {
  DuplicatePendingRequestError,
  isUniqueViolation,
  ScanNotRunningError,
  StoreInputError,
} from "./errors.js";
import { newRequestId, newScanId, newSuppressionId } from "./ids.js";
import { createJobTable, type JobTable } from "./job-table.js";
import type { FindingState } from "./lifecycle.js";
import { checkTransition } from "./request-states.js";
import {
  auditFromRow,
  findingFromRow,
  historyFromRow,
  jsonOrNull,
  requestFromRow,
  scanFromRow,
  slotFromRow,
  suppressionFromRow,
} from "./rows.js";
import {
  type Db,
  groupSteps,
  type StreamedCommit,
  streamCommit,
  type WriteStep,
  writeCoverage,
  yieldToLoop,
} from "./scan-commit.js";
import type { Database, DigestMessagesTable, RemediationRequestsTable, ScanPartsTable } from "./schema.js";
import type { SqliteDeliveryClaims } from "./sqlite-delivery-claims.js";
import { parseFindingKey, type SuppressionTarget, suppressionMatcher } from "./suppression-match.js";
import * as suppressionRequests from "./suppression-requests.js";
import { addDays, toIso } from "./time.js";
import { trendWindowStart } from "./trend.js";
import {
  type AuditEntry,
  type AuditQuery,
  type CompletedScan,
  type CompleteScanInput,
  type DigestLists,
  type DigestMessageRecord,
  type Engine,
  FAILING_LIFECYCLES,
  type FindingHistoryRecord,
  type FindingQuery,
  type FindingRecord,
  type NewAuditEntry,
  type NewRemediationRequest,
  type NewSuppression,
  type NewSuppressionRequest,
  type OpenFindingsPage,
  type OpenFindingsQuery,
  type PostureRow,
  type PruneResult,
  type ReadOptions,
  type RecordScanInput,
  type RemediationRequest,
  type RequestPatch,
  type RequestQuery,
  type RequestResult,
  type RequestState,
  type ScanCounts,
  type ScanOrigin,
  type ScanPartInput,
  type ScanPartRecord,
  type ScanRecord,
  type ScanScope,
  type ScanScopeError,
  type SlotClaim,
  type StartScanInput,
  type Store,
  type Suppression,
  type SuppressionAnnouncement,
  type SuppressionQuery,
  type SuppressionRequest,
  type TrendPoint,
} from "./types.js";
import type { WriteGate } from "./write-gate.js";

/** Namespace of the store's PostgreSQL advisory locks ("FAUD"). */
const LOCK_NAMESPACE = 0x46415544 & 0x7fffffff;

/**
 * Rows a SQLite write transaction of a scan commit writes before it commits and lets other writers (a Slack
 * delivery claim) in. bench:store prints the longest such transaction (~20 ms on the reference machine).
 */
export const SQLITE_ROWS_PER_TRANSACTION = 250;
/** A SQLite commit of at most this many rows is written in one transaction (atomic) and ends the scan. */
export const SQLITE_ATOMIC_ROWS = 2_500;

function evidenceOf(input: CompleteScanInput): { evidence?: readonly AccountEvidence[] } {
  return input.evidence ? { evidence: input.evidence } : {};
}

function validateScope(scope: ScanScope): ScanScope {
  const list = (value: unknown, name: string): string[] => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
      throw new StoreInputError(`Scan scope ${name} must be a list of non-empty strings.`);
    }
    return [...new Set(value as string[])].sort();
  };
  return {
    accounts: list(scope.accounts, "accounts"),
    regions: list(scope.regions, "regions"),
    controls: list(scope.controls, "controls"),
  };
}

/** Whether an interruption of a scan asked for there is announced (Slack and the schedule; not the CLI). */
function isAnnounced(origin: ScanOrigin | undefined): boolean {
  return origin?.kind === "slack" || origin?.kind === "schedule";
}

function bySeverityThenKey(a: FindingRecord, b: FindingRecord): number {
  return severityRank(b.severity) - severityRank(a.severity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function scanPartFromRow(row: Selectable<ScanPartsTable>): ScanPartRecord {
  const part: ScanPartRecord = {
    scanId: row.scan_id,
    accountId: row.account_id,
    outcome: row.outcome as ScanPartRecord["outcome"],
    finishedAt: row.finished_at,
  };
  if (row.counts) part.counts = JSON.parse(row.counts) as ScanCounts;
  if (row.detail) part.detail = JSON.parse(row.detail) as unknown;
  if (row.error) part.error = row.error;
  return part;
}

function toRecord(state: FindingState, suppressionId?: string): FindingRecord {
  const { observedAt: _observedAt, scopeRegions: _scopeRegions, ...record } = state;
  return suppressionId === undefined ? record : { ...record, suppressionId };
}

export class KyselyStore implements Store {
  readonly jobs: JobTable;

  constructor(
    private readonly db: Kysely<Database>,
    readonly engine: Engine,
    private readonly clock: () => Date,
    private readonly logger?: StoreLogger,
    /** SQLite: the gate that lets delivery claims go before a commit's next write transaction. */
    private readonly writeGate?: WriteGate,
    /** SQLite on a file: delivery claims on their own non-blocking connection (sqlite-delivery-claims.ts). */
    private readonly deliveryClaims?: SqliteDeliveryClaims,
  ) {
    this.jobs = createJobTable(db);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private async audit(db: Db, entry: NewAuditEntry): Promise<AuditEntry> {
    const row = {
      at: entry.at === undefined ? this.now() : toIso(entry.at, "audit time"),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      detail: jsonOrNull(entry.detail),
    };
    const inserted = await db.insertInto("audit_log").values(row).returning("id").executeTakeFirstOrThrow();
    return auditFromRow({ ...row, id: Number(inserted.id) });
  }

  // Scans ------------------------------------------------------------------------------------------------

  async startScan(input: StartScanInput): Promise<ScanRecord> {
    if (!input.trigger) throw new StoreInputError("A scan needs a trigger (who or what started it).");
    const scope = validateScope(input.scope);
    const startedAt = toIso(input.startedAt ?? this.clock(), "scan start");
    const id = input.id ?? newScanId(startedAt);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("scans")
        .values({
          id,
          trigger: input.trigger,
          scope: JSON.stringify(scope),
          started_at: startedAt,
          outcome: "running",
          heartbeat_at: startedAt,
          requested_in: jsonOrNull(input.origin),
          // Only a scan asked for in Slack or by the schedule has somewhere to be announced if interrupted.
          announced_at: isAnnounced(input.origin) ? null : startedAt,
        })
        .execute();
      // Stamped with the scan's own start, so that it never sorts after the scan's end.
      await this.audit(trx, {
        actor: input.trigger,
        action: "scan.started",
        target: id,
        detail: input.origin ? { ...scope, origin: input.origin } : scope,
        at: startedAt,
      });
    });
    const scan: ScanRecord = {
      id,
      scope,
      trigger: input.trigger,
      startedAt,
      outcome: "running",
      heartbeatAt: startedAt,
    };
    if (input.origin) scan.origin = input.origin;
    return scan;
  }

  async heartbeatScan(scanId: string, at?: string): Promise<boolean> {
    const result = await this.db
      .updateTable("scans")
      .set({ heartbeat_at: toIso(at ?? this.clock(), "scan heartbeat") })
      .where("id", "=", scanId)
      .where("outcome", "=", "running")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setScanScope(scanId: string, scope: ScanScope): Promise<boolean> {
    const result = await this.db
      .updateTable("scans")
      .set({ scope: JSON.stringify(validateScope(scope)) })
      .where("id", "=", scanId)
      .where("outcome", "=", "running")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Applies a scan's results. PostgreSQL: one transaction (atomic), the event loop yielded between its
   * statements. Both read, plan and write a batch of findings at a time (`streamCommit`: the commit never
   * holds every finding's rows at once). SQLite: under the commit lock (src/store/commit-lock.ts), the reads
   * and the plan outside any write transaction, the writes in transactions of `SQLITE_ROWS_PER_TRANSACTION`
   * rows each as the batches are planned (once the commit has more than `SQLITE_ATOMIC_ROWS` rows), the last of which
   * writes the coverage, ends the scan row and records `scan.completed`; a commit of at most
   * `SQLITE_ATOMIC_ROWS` rows is one transaction (atomic). A crash between two of them leaves the scan `running` (later
   * `interrupted`, with no counts) and some findings already moved by it, each with the history of its move
   * (a finding's row and its history are written in the same transaction); the next scan takes each finding
   * from wherever it stands, so no move is lost or recorded twice.
   */
  async completeScan(scanId: string, input: CompleteScanInput): Promise<CompletedScan> {
    const at = toIso(input.finishedAt ?? this.clock(), "scan finish");
    const result =
      this.engine === "sqlite"
        ? await this.completeScanInShortTransactions(scanId, input, at)
        : await this.db.transaction().execute(async (trx) => {
            const commit = await streamCommit(
              trx,
              scanId,
              { at, findings: input.findings, ...evidenceOf(input) },
              {
                beforeRead: (accounts) => this.lockAccounts(trx, accounts),
                write: async (step) => {
                  await yieldToLoop();
                  await step.run(trx);
                },
              },
            );
            return this.endScan(trx, commit, scanId, at, input.unscanned);
          });
    this.logger?.debug(
      { scanId, changes: result.changeCount, counts: result.scan.counts },
      "scan results stored",
    );
    return result;
  }

  private async completeScanInShortTransactions(
    scanId: string,
    input: CompleteScanInput,
    at: string,
  ): Promise<CompletedScan> {
    const holder = commitLockHolderName(randomUUID());
    await acquireCommitLock(this.db, holder);
    try {
      // No other commit writes findings while the lock is held: reads outside a transaction see a stable state.
      // The steps are kept until the commit is known to write more than `SQLITE_ATOMIC_ROWS` rows (a smaller
      // one is one transaction, atomic); from then on they are written as they come, in short transactions.
      let pending: WriteStep[] = [];
      let pendingRows = 0;
      let total = 0;
      let written = 0;
      const flush = async (steps: readonly WriteStep[]) => {
        for (const group of groupSteps(steps, SQLITE_ROWS_PER_TRANSACTION)) {
          await yieldToLoop();
          await this.writeGate?.clear();
          await this.writeTransaction(holder, group.length, async (trx) => {
            for (const step of group) await step.run(trx);
          });
          this.commitObserver?.afterWriteTransaction?.(++written);
        }
      };
      const commit = await streamCommit(
        this.db,
        scanId,
        { at, findings: input.findings, ...evidenceOf(input) },
        {
          write: async (step) => {
            total += step.rows;
            if (total > SQLITE_ATOMIC_ROWS && pendingRows + step.rows > SQLITE_ROWS_PER_TRANSACTION) {
              const steps = pending;
              pending = [];
              pendingRows = 0;
              await flush(steps);
            }
            pending.push(step);
            pendingRows += step.rows;
          },
        },
      );
      const atomic = total <= SQLITE_ATOMIC_ROWS;
      if (!atomic) await flush(pending);
      const last = atomic ? pending : [];
      pending = [];
      await yieldToLoop();
      await this.writeGate?.clear();
      return await this.writeTransaction(holder, last.length, async (trx) => {
        for (const step of last) await step.run(trx);
        const done = await this.endScan(trx, commit, scanId, at, input.unscanned);
        await releaseCommitLock(trx, holder);
        return done;
      });
    } finally {
      await releaseCommitLock(this.db, holder).catch(() => {});
    }
  }

  /** One short write transaction of a SQLite commit, fenced by the commit lock, timed for the observer. */
  private async writeTransaction<T>(
    holder: string,
    steps: number,
    work: (trx: Transaction<Database>) => Promise<T>,
  ): Promise<T> {
    const began = performance.now();
    const cpu = process.threadCpuUsage();
    const result = await this.db.transaction().execute(async (trx) => {
      await renewCommitLock(trx, holder);
      return work(trx);
    });
    const spent = process.threadCpuUsage(cpu);
    this.commitObserver?.onWriteTransaction?.(
      performance.now() - began,
      steps,
      (spent.user + spent.system) / 1000,
    );
    return result;
  }

  // Fanned-out scans ------------------------------------------------------------------------------------

  /**
   * Commits one account's part of a fanned-out scan in one transaction: the lifecycle of that account only
   * (the scope is narrowed to it), its history and coverage, and the part's row, which makes a retried part a
   * no-op. Built on the same load/plan/write steps as `completeScan`.
   */
  async commitScanPart(
    scanId: string,
    input: ScanPartInput,
  ): Promise<{ committed: boolean; part: ScanPartRecord }> {
    const at = toIso(input.finishedAt ?? this.clock(), "scan part finish");
    const findings = input.findings.filter((f) => f.accountId === input.accountId);
    const evidence = input.evidence?.filter((e) => e.accountId === input.accountId);
    const result = await this.db.transaction().execute(async (trx) => {
      const scanRow = await trx.selectFrom("scans").selectAll().where("id", "=", scanId).executeTakeFirst();
      if (scanRow?.outcome !== "running") throw new ScanNotRunningError(scanId);
      await this.lockAccounts(trx, [input.accountId]);
      const done = await trx
        .selectFrom("scan_parts")
        .selectAll()
        .where("scan_id", "=", scanId)
        .where("account_id", "=", input.accountId)
        .executeTakeFirst();
      if (done) return { committed: false, part: scanPartFromRow(done) };
      const whole = JSON.parse(scanRow.scope) as ScanScope;
      const scope: ScanScope = {
        accounts: [input.accountId],
        regions: whole.regions,
        controls: whole.controls,
      };
      const commit = await streamCommit(
        trx,
        scanId,
        { at, findings, scope, ...(evidence ? { evidence } : {}) },
        {
          write: async (step) => {
            await yieldToLoop();
            await step.run(trx);
          },
        },
      );
      await writeCoverage(trx, commit.coverage);
      const { counts } = commit;
      const row = {
        scan_id: scanId,
        account_id: input.accountId,
        outcome: counts.error > 0 ? "partial" : "succeeded",
        counts: JSON.stringify(counts),
        detail: jsonOrNull(input.detail),
        error: null,
        finished_at: at,
      };
      await trx.insertInto("scan_parts").values(row).execute();
      return { committed: true, part: scanPartFromRow(row) };
    });
    this.logger?.debug(
      { scanId, accountId: input.accountId, committed: result.committed },
      "scan part stored",
    );
    return result;
  }

  async failScanPart(
    scanId: string,
    accountId: string,
    error: string,
    finishedAt?: string,
  ): Promise<boolean> {
    const at = toIso(finishedAt ?? this.clock(), "scan part finish");
    const result = await this.db
      .insertInto("scan_parts")
      .values({
        scan_id: scanId,
        account_id: accountId,
        outcome: "failed",
        counts: null,
        detail: null,
        error: error.slice(0, 2000),
        finished_at: at,
      })
      .onConflict((oc) => oc.columns(["scan_id", "account_id"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async scanParts(scanId: string): Promise<ScanPartRecord[]> {
    const rows = await this.db
      .selectFrom("scan_parts")
      .selectAll()
      .where("scan_id", "=", scanId)
      .orderBy("account_id")
      .execute();
    return rows.map(scanPartFromRow);
  }

  async finishScanFromParts(
    scanId: string,
    options: Parameters<Store["finishScanFromParts"]>[1] = {},
  ): Promise<ScanRecord | undefined> {
    const at = toIso(options.finishedAt ?? this.clock(), "scan finish");
    return this.db.transaction().execute(async (trx) => {
      // PostgreSQL: the last two parts may end at once; the row lock makes one of them the finisher.
      let query = trx.selectFrom("scans").selectAll().where("id", "=", scanId);
      if (this.engine === "postgres") query = query.forUpdate();
      const scanRow = await query.executeTakeFirst();
      if (scanRow?.outcome !== "running") return undefined;
      const scope = JSON.parse(scanRow.scope) as ScanScope;
      const parts = (
        await trx.selectFrom("scan_parts").selectAll().where("scan_id", "=", scanId).execute()
      ).map(scanPartFromRow);
      const ended = new Set(parts.map((p) => p.accountId));
      if (!scope.accounts.every((a) => ended.has(a))) return undefined;
      const counts: ScanCounts = {
        pass: 0,
        fail: 0,
        error: 0,
        new: 0,
        reopened: 0,
        resolved: 0,
        failBySeverity: Object.fromEntries(SEVERITIES.map((sev) => [sev, 0])) as Record<Severity, number>,
      };
      for (const part of parts) {
        if (!part.counts) continue;
        for (const k of ["pass", "fail", "error", "new", "reopened", "resolved"] as const)
          counts[k] += part.counts[k];
        for (const sev of SEVERITIES) counts.failBySeverity[sev] += part.counts.failBySeverity[sev] ?? 0;
      }
      const failed = parts.filter((p) => p.outcome === "failed");
      const outcome =
        failed.length === parts.length
          ? "failed"
          : failed.length > 0 || counts.error > 0
            ? "partial"
            : "succeeded";
      const error =
        failed.length > 0 ? failed.map((p) => `${p.accountId}: ${p.error ?? "failed"}`).join("; ") : null;
      await trx
        .updateTable("scans")
        .set({
          finished_at: at,
          outcome,
          ...scanCountColumns(counts),
          ...(error ? { error: error.slice(0, 2000) } : {}),
        })
        .where("id", "=", scanId)
        .where("outcome", "=", "running")
        .execute();
      await this.audit(trx, {
        actor: scanRow.trigger,
        action: outcome === "failed" ? "scan.failed" : "scan.completed",
        target: scanId,
        detail: { outcome, counts, parts: parts.length, failedParts: failed.length },
        at,
      });
      const scan: ScanRecord = {
        ...scanFromRow({ ...scanRow, finished_at: at, outcome, fail_by_severity: "{}" }),
        counts,
        ...(error ? { error } : {}),
      };
      const report = options.report?.(scan, parts);
      if (report) await this.audit(trx, { ...report, at });
      return scan;
    });
  }

  /** Benchmarks and tests: the write transactions of a SQLite commit (their length; a crash between them). */
  commitObserver?: {
    /** Wall time (the write lock is held that long), steps, and this thread's CPU time in it. */
    onWriteTransaction?(ms: number, steps: number, cpuMs: number): void;
    /** After each short write transaction before the last one (their number is not known in advance). */
    afterWriteTransaction?(done: number): void;
  };

  /** The coverage, the scan row and its audit entry: the end of a scan's commit. */
  private async endScan(
    trx: Transaction<Database>,
    commit: StreamedCommit,
    scanId: string,
    at: string,
    unscanned: readonly ScanScopeError[] | undefined,
  ): Promise<CompletedScan> {
    await writeCoverage(trx, commit.coverage);
    const { counts } = commit;
    const outcome = counts.error > 0 ? "partial" : "succeeded";
    const updated = await trx
      .updateTable("scans")
      .set({
        finished_at: at,
        outcome,
        ...scanCountColumns(counts),
        // Left null (unknown) when the caller did not say; a store not yet at 0019 has no such column.
        ...(unscanned !== undefined ? { unscanned: JSON.stringify(unscanned) } : {}),
      })
      .where("id", "=", scanId)
      .where("outcome", "=", "running")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new ScanNotRunningError(scanId);
    await this.audit(trx, {
      actor: commit.scanRow.trigger,
      action: "scan.completed",
      target: scanId,
      detail: { outcome, counts },
      at,
    });
    const scan: ScanRecord = {
      ...scanFromRow({
        ...commit.scanRow,
        finished_at: at,
        outcome,
        fail_by_severity: "{}",
        unscanned: jsonOrNull(unscanned),
      }),
      counts,
    };
    return {
      scan,
      changes: commit.changes,
      changeCount: commit.changeCount,
      notRechecked: commit.notRechecked.map((s) => toRecord(s)),
    };
  }

  /** Serialises commits that touch the same account: two scans of one scope apply one after the other. */
  private async lockAccounts(trx: Transaction<Database>, accounts: readonly string[]): Promise<void> {
    // SQLite: the transaction began IMMEDIATE and holds the single write lock already.
    if (this.engine !== "postgres") return;
    for (const account of accounts) {
      await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${account}))`.execute(trx);
    }
  }

  async failScan(scanId: string, error: string, finishedAt?: string): Promise<boolean> {
    const at = toIso(finishedAt ?? this.clock(), "scan finish");
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("scans")
        .set({ outcome: "failed", finished_at: at, error })
        .where("id", "=", scanId)
        .where("outcome", "=", "running")
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      const row = await trx.selectFrom("scans").select("trigger").where("id", "=", scanId).executeTakeFirst();
      await this.audit(trx, {
        actor: row?.trigger ?? "system",
        action: "scan.failed",
        target: scanId,
        detail: { error },
        at,
      });
      return true;
    });
  }

  async recordScan(input: RecordScanInput): Promise<CompletedScan> {
    const start: StartScanInput = { scope: input.scope, trigger: input.trigger };
    if (input.id !== undefined) start.id = input.id;
    if (input.startedAt !== undefined) start.startedAt = input.startedAt;
    const scan = await this.startScan(start);
    const complete: CompleteScanInput = { findings: input.findings };
    if (input.finishedAt !== undefined) complete.finishedAt = input.finishedAt;
    if (input.evidence !== undefined) complete.evidence = input.evidence;
    if (input.unscanned !== undefined) complete.unscanned = input.unscanned;
    return this.completeScan(scan.id, complete);
  }

  async getScan(id: string): Promise<ScanRecord | undefined> {
    const row = await this.db.selectFrom("scans").selectAll().where("id", "=", id).executeTakeFirst();
    return row && scanFromRow(row);
  }

  async listScans(options: { limit?: number } = {}): Promise<ScanRecord[]> {
    const rows = await this.db
      .selectFrom("scans")
      .selectAll()
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 20)
      .execute();
    return rows.map(scanFromRow);
  }

  async lastScan(): Promise<ScanRecord | undefined> {
    const row = await this.db
      .selectFrom("scans")
      .selectAll()
      .where("outcome", "!=", "running")
      .where("finished_at", "is not", null)
      .orderBy("finished_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && scanFromRow(row);
  }

  async markScansInterrupted(heartbeatBefore: string): Promise<ScanRecord[]> {
    const cutoff = toIso(heartbeatBefore, "heartbeat cutoff");
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      // One guarded UPDATE: a heartbeat that lands first keeps its scan running, and a scan that ends first
      // is no longer `running`; rows from before migration 0010 have no heartbeat and go by their start.
      const rows = await trx
        .updateTable("scans")
        .set({ outcome: "interrupted", finished_at: at })
        .where("outcome", "=", "running")
        .where((eb) => eb(eb.fn.coalesce("heartbeat_at", "started_at"), "<", cutoff))
        .returningAll()
        .execute();
      rows.sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0));
      for (const row of rows) {
        await this.audit(trx, {
          actor: "system",
          action: "scan.interrupted",
          target: row.id,
          detail: { trigger: row.trigger, startedAt: row.started_at, lastHeartbeatAt: row.heartbeat_at },
          at,
        });
      }
      return rows.map(scanFromRow);
    });
  }

  async interruptScan(scanId: string, reason: string): Promise<boolean> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("scans")
        .set({ outcome: "interrupted", finished_at: at })
        .where("id", "=", scanId)
        .where("outcome", "=", "running")
        .returningAll()
        .executeTakeFirst();
      if (!row) return false;
      await this.audit(trx, {
        actor: "system",
        action: "scan.interrupted",
        target: row.id,
        detail: {
          trigger: row.trigger,
          startedAt: row.started_at,
          lastHeartbeatAt: row.heartbeat_at,
          reason,
        },
        at,
      });
      return true;
    });
  }

  async leaseInterruptedScanAnnouncements(claimer: string, staleClaimBefore: string): Promise<ScanRecord[]> {
    if (!claimer) throw new StoreInputError("An announcement claim needs a claimer.");
    const stale = toIso(staleClaimBefore, "stale claim cutoff");
    const rows = await this.db
      .updateTable("scans")
      .set({ announce_claimed_at: this.now(), announce_claimed_by: claimer })
      .where("outcome", "=", "interrupted")
      .where("announced_at", "is", null)
      .where((eb) => eb.or([eb("announce_claimed_at", "is", null), eb("announce_claimed_at", "<", stale)]))
      .returningAll()
      .execute();
    return rows
      .map(scanFromRow)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  async settleInterruptedScanAnnouncement(
    scanId: string,
    claimer: string,
    announced: boolean,
  ): Promise<void> {
    let q = this.db
      .updateTable("scans")
      .set(
        announced
          ? { announced_at: this.now(), announce_claimed_at: null, announce_claimed_by: null }
          : { announce_claimed_at: null, announce_claimed_by: null },
      )
      .where("id", "=", scanId)
      .where("outcome", "=", "interrupted")
      .where("announced_at", "is", null);
    // A post that went out is announced whoever holds the claim now; a give-back counts only for its claimer.
    if (!announced) q = q.where("announce_claimed_by", "=", claimer);
    await q.execute();
  }

  async pruneScans(olderThanDays: number): Promise<PruneResult> {
    if (!Number.isFinite(olderThanDays) || olderThanDays < 0) {
      throw new StoreInputError("pruneScans needs a number of days, 0 or more.");
    }
    const cutoff = addDays(this.now(), -olderThanDays);
    return this.db.transaction().execute(async (trx) => {
      const old = trx.selectFrom("scans").select("id").where("started_at", "<", cutoff);
      const history = await trx.deleteFrom("finding_history").where("scan_id", "in", old).executeTakeFirst();
      const scans = await trx.deleteFrom("scans").where("started_at", "<", cutoff).executeTakeFirst();
      return { scans: Number(scans.numDeletedRows), history: Number(history.numDeletedRows) };
    });
  }

  // Findings ---------------------------------------------------------------------------------------------

  private async activeSuppressions(db: Db = this.db): Promise<Suppression[]> {
    const now = this.now();
    const rows = await db
      .selectFrom("suppressions")
      .selectAll()
      .where("removed_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .execute();
    return rows.map(suppressionFromRow);
  }

  private async matcher(): Promise<(target: SuppressionTarget) => string | undefined> {
    return suppressionMatcher(await this.activeSuppressions(), this.now());
  }

  /** Drops suppressed findings, or marks them when `includeSuppressed`. */
  private async applySuppressions(
    states: FindingState[],
    includeSuppressed = false,
  ): Promise<FindingRecord[]> {
    const match = await this.matcher();
    const out: FindingRecord[] = [];
    for (const state of states) {
      const id = match(state);
      if (id !== undefined && !includeSuppressed) continue;
      out.push(toRecord(state, id));
    }
    return out.sort(bySeverityThenKey);
  }

  async getFinding(key: string): Promise<FindingRecord | undefined> {
    const row = await this.db.selectFrom("findings").selectAll().where("key", "=", key).executeTakeFirst();
    if (!row) return undefined;
    const state = findingFromRow(row);
    return toRecord(state, (await this.matcher())(state));
  }

  async getFindingById(id: string): Promise<FindingRecord | undefined> {
    // Two rows at most tell "unique" from "ambiguous" without reading every collision.
    const rows = await this.db.selectFrom("findings").selectAll().where("id", "=", id).limit(2).execute();
    const [row, other] = rows;
    if (!row) return undefined;
    if (other) {
      throw new StoreInputError(
        `The finding id ${id} names more than one stored finding; give the finding key instead (see \`findings --format json\`).`,
      );
    }
    const state = findingFromRow(row);
    return toRecord(state, (await this.matcher())(state));
  }

  async listFindings(query: FindingQuery = {}): Promise<FindingRecord[]> {
    let q = this.db.selectFrom("findings").selectAll();
    if (query.lifecycle?.length) q = q.where("lifecycle", "in", [...query.lifecycle]);
    if (query.status?.length) q = q.where("status", "in", [...query.status]);
    const severities = severityFilter(query.minSeverity, query.severity);
    if (severities?.length === 0) return [];
    if (severities) q = q.where("severity", "in", severities);
    if (query.accountId !== undefined) q = q.where("account_id", "=", query.accountId);
    if (query.region !== undefined) q = q.where("region", "=", query.region);
    if (query.controlId !== undefined) q = q.where("control_id", "=", query.controlId);
    const rows = await q.execute();
    const records = await this.applySuppressions(rows.map(findingFromRow), query.includeSuppressed);
    return query.limit === undefined ? records : records.slice(0, query.limit);
  }

  async openFindings(query: OpenFindingsQuery): Promise<OpenFindingsPage> {
    if (!Number.isInteger(query.limit) || query.limit < 0) {
      throw new StoreInputError("openFindings needs a whole, non-negative limit.");
    }
    if (query.minSeverity !== undefined && !isSeverity(query.minSeverity)) {
      throw new StoreInputError(`Unknown severity: ${String(query.minSeverity)}`);
    }
    const { counts, rows } = await openFindingsRows(this.db, this.engine, { ...query, now: this.now() });
    return { counts, records: rows.map((row) => toRecord(findingFromRow(row))) };
  }

  async findingHistory(key: string): Promise<FindingHistoryRecord[]> {
    const rows = await this.db
      .selectFrom("finding_history")
      .selectAll()
      .where("finding_key", "=", key)
      .orderBy("at")
      .orderBy("id")
      .execute();
    return rows.map(historyFromRow);
  }

  // Suppressions -----------------------------------------------------------------------------------------

  async addSuppression(input: NewSuppression): Promise<Suppression> {
    const reason = input.reason?.trim();
    if (!reason) throw new StoreInputError("A suppression needs a reason.");
    if (!input.createdBy) throw new StoreInputError("A suppression needs to say who made it.");
    if ((input.findingKey === undefined) === (input.controlId === undefined)) {
      throw new StoreInputError("A suppression names either one finding key or one control id.");
    }
    if (input.findingKey !== undefined && !parseFindingKey(input.findingKey)) {
      throw new StoreInputError(`Not a finding key (control|account|region|resource): ${input.findingKey}`);
    }
    if (input.findingKey !== undefined && input.resourcePattern !== undefined) {
      throw new StoreInputError("A resource pattern goes with a control id, not with a finding key.");
    }
    if (input.controlId !== undefined && !input.controlId.trim()) {
      throw new StoreInputError("A suppression's control id is empty.");
    }
    if (input.resourcePattern !== undefined && !input.resourcePattern.trim()) {
      throw new StoreInputError("A suppression's resource pattern is empty.");
    }
    const now = this.now();
    const expiresAt = input.expiresAt === undefined ? undefined : toIso(input.expiresAt, "expiry");
    if (expiresAt !== undefined && expiresAt <= now) {
      throw new StoreInputError("A suppression's expiry must be in the future.");
    }
    const row = {
      id: newSuppressionId(),
      finding_key: input.findingKey ?? null,
      control_id: input.controlId ?? null,
      resource_pattern: input.resourcePattern ?? null,
      reason,
      created_by: input.createdBy,
      created_at: now,
      expires_at: expiresAt ?? null,
      removed_at: null,
      removed_by: null,
      approved_by: null,
      request_id: null,
      announced_at: null,
      end_announced_at: null,
      announce_claimed_at: null,
      announce_claimed_by: null,
      end_announce_claimed_at: null,
      end_announce_claimed_by: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("suppressions").values(row).execute();
      await this.audit(trx, {
        actor: input.createdBy,
        action: "suppression.created",
        target: row.id,
        detail: suppressionFromRow(row),
        at: now,
      });
    });
    return suppressionFromRow(row);
  }

  async removeSuppression(id: string, by: string): Promise<boolean> {
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("suppressions")
        .set({ removed_at: now, removed_by: by })
        .where("id", "=", id)
        .where("removed_at", "is", null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await this.audit(trx, { actor: by, action: "suppression.removed", target: id, at: now });
      return true;
    });
  }

  async getSuppression(id: string): Promise<Suppression | undefined> {
    const row = await this.db.selectFrom("suppressions").selectAll().where("id", "=", id).executeTakeFirst();
    return row && suppressionFromRow(row);
  }

  async listSuppressions(query: SuppressionQuery = {}): Promise<Suppression[]> {
    const now = this.now();
    let q = this.db.selectFrom("suppressions").selectAll();
    if (!query.includeRemoved) q = q.where("removed_at", "is", null);
    if (!query.includeExpired) {
      q = q.where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
    }
    const rows = await q.orderBy("created_at").orderBy("id").execute();
    return rows.map(suppressionFromRow);
  }

  async isSuppressed(key: string): Promise<boolean> {
    const parts = parseFindingKey(key);
    if (!parts) return false;
    return (
      (await this.matcher())({ key, controlId: parts.controlId, resourceArn: parts.resourceArn }) !==
      undefined
    );
  }

  // Suppression requests and announcements (suppression-requests.ts) -----------------------------------

  private get suppressionContext(): suppressionRequests.SuppressionStoreContext {
    return { db: this.db, now: () => this.now(), audit: (db, entry) => this.audit(db, entry) };
  }

  createSuppressionRequest(input: NewSuppressionRequest): Promise<SuppressionRequest> {
    return suppressionRequests.createSuppressionRequest(this.suppressionContext, input);
  }

  getSuppressionRequest(id: string): Promise<SuppressionRequest | undefined> {
    return suppressionRequests.getSuppressionRequest(this.suppressionContext, id);
  }

  listSuppressionRequests(
    query?: Parameters<Store["listSuppressionRequests"]>[0],
  ): Promise<SuppressionRequest[]> {
    return suppressionRequests.listSuppressionRequests(this.suppressionContext, query);
  }

  approveSuppressionRequest(id: string, input: { approver: string; expiresAt?: string }) {
    return suppressionRequests.approveSuppressionRequest(this.suppressionContext, id, input);
  }

  rejectSuppressionRequest(id: string, input: { rejecter: string; reason?: string }) {
    return suppressionRequests.rejectSuppressionRequest(this.suppressionContext, id, input);
  }

  setSuppressionRequestMessage(id: string, channel: string, ts: string): Promise<boolean> {
    return suppressionRequests.setSuppressionRequestMessage(this.suppressionContext, id, channel, ts);
  }

  withdrawSuppressionRequest(id: string, reason: string): Promise<SuppressionRequest | undefined> {
    return suppressionRequests.withdrawSuppressionRequest(this.suppressionContext, id, reason);
  }

  expireSuppressionRequests(now: Date | string): Promise<SuppressionRequest[]> {
    return suppressionRequests.expireSuppressionRequests(this.suppressionContext, now);
  }

  leaseSuppressionAnnouncements(
    claimer: string,
    staleClaimBefore: string,
  ): Promise<SuppressionAnnouncement[]> {
    return suppressionRequests.leaseSuppressionAnnouncements(
      this.suppressionContext,
      claimer,
      staleClaimBefore,
    );
  }

  settleSuppressionAnnouncement(
    announcement: SuppressionAnnouncement,
    claimer: string,
    announced: boolean,
  ): Promise<void> {
    return suppressionRequests.settleSuppressionAnnouncement(
      this.suppressionContext,
      announcement,
      claimer,
      announced,
    );
  }

  // Remediation requests ---------------------------------------------------------------------------------

  async createRequest(input: NewRemediationRequest): Promise<RemediationRequest> {
    if (!parseFindingKey(input.findingKey))
      throw new StoreInputError(`Not a finding key: ${input.findingKey}`);
    if (!input.requester) throw new StoreInputError("A remediation request needs a requester.");
    const now = this.now();
    const row: Insertable<RemediationRequestsTable> & { id: string } = {
      id: input.id ?? newRequestId(),
      finding_key: input.findingKey,
      remediation_id: input.remediationId,
      plan: JSON.stringify(input.plan),
      plan_fingerprint: input.planFingerprint,
      requester: input.requester,
      approver: null,
      rejecter: null,
      reason: null,
      state: "pending",
      prior_state: null,
      result: null,
      created_at: now,
      expires_at: toIso(input.expiresAt, "request expiry"),
      updated_at: now,
      slack_channel: input.slackChannel ?? null,
      slack_ts: input.slackTs ?? null,
    };
    await this.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("remediation_requests").values(row).execute();
        await this.audit(trx, {
          // The audit log names Slack users `slack:<id>`, as every other entry does.
          actor: input.requester.startsWith("cli:") ? input.requester : `slack:${input.requester}`,
          action: "request.created",
          target: row.id,
          detail: {
            findingKey: input.findingKey,
            remediationId: input.remediationId,
            fingerprint: input.planFingerprint,
          },
          at: now,
        });
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? new DuplicatePendingRequestError(input.findingKey) : error;
      });
    return (await this.getRequest(row.id))!;
  }

  async getRequest(id: string): Promise<RemediationRequest | undefined> {
    const row = await this.db
      .selectFrom("remediation_requests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && requestFromRow(row);
  }

  async listRequests(query: RequestQuery = {}): Promise<RemediationRequest[]> {
    let q = this.db.selectFrom("remediation_requests").selectAll();
    if (query.states?.length) q = q.where("state", "in", [...query.states]);
    if (query.findingKey !== undefined) q = q.where("finding_key", "=", query.findingKey);
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(requestFromRow);
  }

  async transitionRequest(
    id: string,
    from: RequestState | readonly RequestState[],
    to: RequestState,
    patch: RequestPatch = {},
  ): Promise<boolean> {
    const fromList = checkTransition(from, to);
    const now = this.now();
    const set: Updateable<RemediationRequestsTable> = { state: to, updated_at: now };
    if (patch.approver !== undefined) set.approver = patch.approver;
    if (patch.rejecter !== undefined) set.rejecter = patch.rejecter;
    if (patch.reason !== undefined) set.reason = patch.reason;
    if (patch.priorState !== undefined) set.prior_state = JSON.stringify(patch.priorState);
    if (patch.result !== undefined) set.result = JSON.stringify(patch.result);
    if (patch.slackChannel !== undefined) set.slack_channel = patch.slackChannel;
    if (patch.slackTs !== undefined) set.slack_ts = patch.slackTs;
    // One UPDATE guarded by the expected state: the database decides the single winner.
    const cas = (db: Db) =>
      db
        .updateTable("remediation_requests")
        .set(set)
        .where("id", "=", id)
        .where("state", "in", fromList)
        .executeTakeFirst();
    const { actor } = patch;
    if (actor === undefined) return Number((await cas(this.db)).numUpdatedRows) === 1;
    return this.db.transaction().execute(async (trx) => {
      if (Number((await cas(trx)).numUpdatedRows) !== 1) return false;
      const detail: Record<string, unknown> = { from: fromList, to };
      if (patch.reason !== undefined) detail.reason = patch.reason;
      if (patch.result?.error !== undefined) detail.error = patch.result.error;
      await this.audit(trx, { actor, action: `request.${to}`, target: id, detail, at: now });
      return true;
    });
  }

  async setRequestMessage(id: string, channel: string, ts: string): Promise<boolean> {
    const result = await this.db
      .updateTable("remediation_requests")
      .set({ slack_channel: channel, slack_ts: ts, updated_at: this.now() })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async expirePendingRequests(now: Date | string): Promise<RemediationRequest[]> {
    const at = toIso(now);
    return this.moveRequests(
      "expired",
      (eb) => eb.and([eb("state", "=", "pending"), eb("expires_at", "<=", at)]),
      at,
    );
  }

  async markInterrupted(options: { updatedBefore?: string } = {}): Promise<RemediationRequest[]> {
    return this.cutOffRequests(["applying", "reverting"], "interrupted", options.updatedBefore);
  }

  async failUnstartedRequests(options: {
    updatedBefore?: string;
    result: RequestResult;
  }): Promise<RemediationRequest[]> {
    return this.cutOffRequests(["approved"], "failed", options.updatedBefore, options.result);
  }

  /**
   * One guarded UPDATE per call (a heartbeat that lands first keeps its request), each request audited and
   * put in the announcement outbox (`interrupted_at` set, any earlier announcement cleared).
   */
  private async cutOffRequests(
    from: readonly RequestState[],
    to: RequestState,
    updatedBefore: string | undefined,
    result?: RequestResult,
  ): Promise<RemediationRequest[]> {
    checkTransition(from, to);
    const before = updatedBefore === undefined ? undefined : toIso(updatedBefore);
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable("remediation_requests")
        .set({
          state: to,
          updated_at: at,
          interrupted_at: at,
          interrupt_claimed_at: null,
          interrupt_claimed_by: null,
          interrupt_announced_at: null,
          ...(result ? { result: JSON.stringify(result) } : {}),
        })
        .where("state", "in", [...from]);
      if (before !== undefined) q = q.where("updated_at", "<", before);
      const rows = await q.returningAll().execute();
      for (const row of rows) {
        const detail = { from: [...from], to, ...(result?.error ? { error: result.error } : {}) };
        await this.audit(trx, { actor: "system", action: `request.${to}`, target: row.id, detail, at });
      }
      return rows.map(requestFromRow);
    });
  }

  async touchRequest(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable("remediation_requests")
      .set({ updated_at: this.now() })
      .where("id", "=", id)
      .where("state", "in", ["approved", "applying", "reverting"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async claimInterruptedAnnouncements(
    claimer: string,
    staleClaimBefore: string,
  ): Promise<RemediationRequest[]> {
    const stale = toIso(staleClaimBefore);
    const rows = await this.db
      .updateTable("remediation_requests")
      .set({ interrupt_claimed_at: this.now(), interrupt_claimed_by: claimer })
      .where("interrupted_at", "is not", null)
      .where("interrupt_announced_at", "is", null)
      .where("state", "in", ["interrupted", "failed"])
      .where((eb) => eb.or([eb("interrupt_claimed_at", "is", null), eb("interrupt_claimed_at", "<", stale)]))
      .returningAll()
      .execute();
    return rows
      .sort((a, b) => (a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : 0))
      .map(requestFromRow);
  }

  async settleInterruptedAnnouncement(id: string, claimer: string, announced: boolean): Promise<void> {
    await this.db
      .updateTable("remediation_requests")
      .set(
        announced
          ? { interrupt_announced_at: this.now() }
          : { interrupt_claimed_at: null, interrupt_claimed_by: null },
      )
      .where("id", "=", id)
      .where("interrupt_claimed_by", "=", claimer)
      .where("interrupt_announced_at", "is", null)
      .execute();
  }

  private async moveRequests(
    to: RequestState,
    which: (eb: ExpressionBuilder<Database, "remediation_requests">) => Expression<SqlBool>,
    at: string,
  ): Promise<RemediationRequest[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable("remediation_requests")
        .set({ state: to, updated_at: at })
        .where(which)
        .returningAll()
        .execute();
      for (const row of rows) {
        await this.audit(trx, { actor: "system", action: `request.${to}`, target: row.id, at });
      }
      return rows.map(requestFromRow);
    });
  }

  // Audit ------------------------------------------------------------------------------------------------

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    if (!entry.actor || !entry.action)
      throw new StoreInputError("An audit entry needs an actor and an action.");
    return this.audit(this.db, entry);
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    let q = this.db.selectFrom("audit_log").selectAll();
    if (query.actor !== undefined) q = q.where("actor", "=", query.actor);
    if (query.action !== undefined) q = q.where("action", "=", query.action);
    if (query.actionPrefix !== undefined) {
      const prefix = query.actionPrefix;
      q = q.where((eb) => eb(eb.fn("substr", ["action", eb.lit(1), eb.lit(prefix.length)]), "=", prefix));
    }
    if (query.target !== undefined) q = q.where("target", "=", query.target);
    if (query.since !== undefined) q = q.where("at", ">=", toIso(query.since));
    if (query.until !== undefined) q = q.where("at", "<", toIso(query.until));
    const order = query.order ?? "desc";
    const rows = await q
      .orderBy("id", order)
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(auditFromRow);
  }

  // Schedule slots ---------------------------------------------------------------------------------------

  async claimSlot(job: string, slot: string, instanceId: string): Promise<boolean> {
    return this.writeGate
      ? this.writeGate.priority(() => this.insertClaim(job, slot, instanceId))
      : this.insertClaim(job, slot, instanceId);
  }

  async claimDelivery(job: string, key: string, instanceId: string): Promise<boolean> {
    const claims = this.deliveryClaims;
    if (!claims) return this.claimSlot(job, key, instanceId);
    const claim = () => claims.claim(job, normalizeSlot(key), instanceId, this.now());
    return this.writeGate ? this.writeGate.priority(claim) : claim();
  }

  private async insertClaim(job: string, slot: string, instanceId: string): Promise<boolean> {
    const result = await this.db
      .insertInto("schedule_slots")
      .values({
        job,
        slot: normalizeSlot(slot),
        instance_id: instanceId,
        claimed_at: this.now(),
        done_at: null,
        outcome: null,
      })
      .onConflict((oc) => oc.columns(["job", "slot"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async lastClaimedSlot(job: string): Promise<SlotClaim | undefined> {
    const row = await this.db
      .selectFrom("schedule_slots")
      .selectAll()
      .where("job", "=", job)
      .orderBy("slot", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && slotFromRow(row);
  }

  async slotClaim(job: string, slot: string): Promise<SlotClaim | undefined> {
    const row = await this.db
      .selectFrom("schedule_slots")
      .selectAll()
      .where("job", "=", job)
      .where("slot", "=", normalizeSlot(slot))
      .executeTakeFirst();
    return row && slotFromRow(row);
  }

  async markSlotDone(job: string, slot: string, outcome: string, audit?: NewAuditEntry): Promise<boolean> {
    if (audit !== undefined && (!audit.actor || !audit.action))
      throw new StoreInputError("An audit entry needs an actor and an action.");
    const settle = async (db: Db): Promise<boolean> => {
      const result = await db
        .updateTable("schedule_slots")
        .set({ done_at: this.now(), outcome })
        .where("job", "=", job)
        .where("slot", "=", normalizeSlot(slot))
        .where("done_at", "is", null)
        .executeTakeFirst();
      const settled = Number(result.numUpdatedRows) === 1;
      // The outcome's record is written with it or not at all: a crash between the two can neither leave a
      // settled slot without its record nor (the slot still open) a record that a resume would write again.
      if (settled && audit !== undefined) await this.audit(db, audit);
      return settled;
    };
    return audit === undefined ? settle(this.db) : this.db.transaction().execute(settle);
  }

  async pruneSlots(job: string, claimedBefore: string): Promise<number> {
    const result = await this.db
      .deleteFrom("schedule_slots")
      .where("job", "=", job)
      .where("claimed_at", "<", normalizeSlot(claimedBefore))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // Digest -----------------------------------------------------------------------------------------------

  async digestMessageStarted(input: {
    channel: string;
    slot: string;
    page: number;
    asOf?: string;
  }): Promise<DigestMessageRecord> {
    await this.db
      .insertInto("digest_messages")
      .values({
        channel: input.channel,
        slot: input.slot,
        page: input.page,
        started_at: this.now(),
        as_of: input.asOf ?? null,
        ts: null,
        posted_at: null,
      })
      .onConflict((oc) => oc.columns(["channel", "slot", "page"]).doNothing())
      .execute();
    const row = await this.db
      .selectFrom("digest_messages")
      .selectAll()
      .where("channel", "=", input.channel)
      .where("slot", "=", input.slot)
      .where("page", "=", input.page)
      .executeTakeFirstOrThrow();
    return digestMessageFromRow(row);
  }

  async digestMessagePosted(channel: string, slot: string, page: number, ts: string): Promise<void> {
    await this.db
      .updateTable("digest_messages")
      .set({ ts, posted_at: this.now() })
      .where("channel", "=", channel)
      .where("slot", "=", slot)
      .where("page", "=", page)
      .execute();
  }

  async digestMessages(channel: string, slot: string): Promise<DigestMessageRecord[]> {
    const rows = await this.db
      .selectFrom("digest_messages")
      .selectAll()
      .where("channel", "=", channel)
      .where("slot", "=", slot)
      .orderBy("page")
      .execute();
    return rows.map(digestMessageFromRow);
  }

  async findingsNewSince(since: string, options: ReadOptions = {}): Promise<FindingRecord[]> {
    const t = toIso(since);
    const rows = await this.db
      .selectFrom("findings as f")
      .selectAll("f")
      .where("f.lifecycle", "in", [...FAILING_LIFECYCLES])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("finding_history as h")
            .select("h.id")
            .whereRef("h.finding_key", "=", "f.key")
            .where("h.to_state", "in", ["new", "reopened"])
            .where("h.at", ">", t),
        ),
      )
      .execute();
    return this.applySuppressions(rows.map(findingFromRow), options.includeSuppressed);
  }

  async findingsResolvedSince(since: string, options: ReadOptions = {}): Promise<FindingRecord[]> {
    const rows = await this.db
      .selectFrom("findings")
      .selectAll()
      .where("lifecycle", "=", "resolved")
      .where("resolved_at", ">", toIso(since))
      .execute();
    return this.applySuppressions(rows.map(findingFromRow), options.includeSuppressed);
  }

  async trend(days: number, now: Date | string, options: ReadOptions = {}): Promise<TrendPoint[]> {
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      throw new StoreInputError("trend needs a whole number of days between 1 and 366.");
    }
    const at = toIso(now);
    // Suppressions are those active at the store's now, as every other read applies them.
    return trendCounts(this.db, this.engine, {
      days,
      now: at,
      suppressedAt: this.now(),
      start: trendWindowStart(days, at),
      includeSuppressed: options.includeSuppressed ?? false,
    });
  }

  async stillFailing(options: { minSeverity?: Severity } & ReadOptions = {}): Promise<FindingRecord[]> {
    const query: FindingQuery = { lifecycle: FAILING_LIFECYCLES };
    if (options.minSeverity !== undefined) query.minSeverity = options.minSeverity;
    if (options.includeSuppressed !== undefined) query.includeSuppressed = options.includeSuppressed;
    return this.listFindings(query);
  }

  async pendingRequests(): Promise<RemediationRequest[]> {
    const rows = await this.db
      .selectFrom("remediation_requests")
      .selectAll()
      .where("state", "=", "pending")
      .where("expires_at", ">", this.now())
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(requestFromRow);
  }

  async suppressionsExpiringWithin(days: number, now: Date | string): Promise<Suppression[]> {
    const at = toIso(now);
    const rows = await this.db
      .selectFrom("suppressions")
      .selectAll()
      .where("removed_at", "is", null)
      .where("expires_at", ">", at)
      .where("expires_at", "<=", addDays(at, days))
      .orderBy("expires_at")
      .execute();
    return rows.map(suppressionFromRow);
  }

  /** Counted in SQL: no failing row is loaded to be counted. */
  async posture(options: ReadOptions = {}): Promise<PostureRow[]> {
    return postureCounts(this.db, this.engine, this.now(), options.includeSuppressed ?? false);
  }

  async digestLists(query: { since: string; limit: number; minSeverity: Severity }): Promise<DigestLists> {
    if (!Number.isInteger(query.limit) || query.limit < 0) {
      throw new StoreInputError("digestLists needs a whole, non-negative limit.");
    }
    if (!isSeverity(query.minSeverity))
      throw new StoreInputError(`Unknown severity: ${String(query.minSeverity)}`);
    const lists = await digestListRows(this.db, this.engine, {
      since: toIso(query.since),
      now: this.now(),
      limit: query.limit,
      minSeverity: query.minSeverity,
    });
    const page = (p: (typeof lists)["newSince"]) => ({
      total: p.total,
      rows: p.rows.map((row) => toRecord(findingFromRow(row))),
    });
    return {
      newSince: page(lists.newSince),
      resolvedSince: page(lists.resolvedSince),
      stillFailing: page(lists.stillFailing),
    };
  }

  // Account directory -------------------------------------------------------------------------------

  saveAccounts(entries: readonly AccountDirectoryEntry[]): Promise<void> {
    return saveAccounts(this.db, entries);
  }

  listAccounts(): Promise<AccountDirectoryEntry[]> {
    return listAccounts(this.db);
  }

  async close(): Promise<void> {
    this.deliveryClaims?.close();
    await this.db.destroy();
  }
}

function severityFilter(
  min: Severity | undefined,
  list: readonly Severity[] | undefined,
): Severity[] | undefined {
  let out: Severity[] | undefined = list ? [...list] : undefined;
  if (min !== undefined) {
    if (!isSeverity(min)) throw new StoreInputError(`Unknown severity: ${String(min)}`);
    const atLeast = SEVERITIES.filter((s) => severityRank(s) >= severityRank(min));
    out = out ? out.filter((s) => atLeast.includes(s)) : atLeast;
  }
  return out;
}

function digestMessageFromRow(row: Selectable<DigestMessagesTable>): DigestMessageRecord {
  const out: DigestMessageRecord = {
    channel: row.channel,
    slot: row.slot,
    page: Number(row.page),
    startedAt: row.started_at,
  };
  if (row.as_of !== null) out.asOf = row.as_of;
  if (row.ts !== null) out.ts = row.ts;
  if (row.posted_at !== null) out.postedAt = row.posted_at;
  return out;
}

/** A finished scan's counts, as its row stores them. */
function scanCountColumns(counts: ScanCounts) {
  return {
    pass_count: counts.pass,
    fail_count: counts.fail,
    error_count: counts.error,
    new_count: counts.new,
    reopened_count: counts.reopened,
    resolved_count: counts.resolved,
    fail_by_severity: JSON.stringify(counts.failBySeverity),
  };
}

/** Slots are ISO times; the same instant written two ways must claim the same row. */
function normalizeSlot(slot: string): string {
  const time = Date.parse(slot);
  return Number.isNaN(time) ? slot : new Date(time).toISOString();
}

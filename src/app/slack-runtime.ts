/**
 * The composition root of `forecast-audit serve`: opens the store, builds the live AWS runtime and the scan
 * coordinator, and adapts them to the narrow ports the Slack app needs.
 */

import { randomUUID } from "node:crypto";
import { assertForecastRegions } from "../aws/regions.js";
import type { Config } from "../config/schema.js";
import { controlById } from "../controls/catalog.js";
import { type AccountDirectoryEntry, displayOuPath } from "../domain/accounts.js";
import { isFindingId } from "../domain/finding.js";
import { SEVERITIES } from "../domain/severity.js";
import { createSecurityHubExport, type SecurityHubExport } from "../export/security-hub/live.js";
import type { Logger } from "../logging/logger.js";
import { FIX_LEASE_MS, recoverCutOffFixes } from "../remediation-flow/lease.js";
import { createLiveRemediationFlow } from "../remediation-flow/live.js";
import { createApprovalsPort, createRemediationsPort } from "../remediation-flow/slack-port.js";
import { createSuppressionFlow } from "../remediation-flow/suppression-flow.js";
import { createSuppressionService } from "../remediation-flow/suppression-port.js";
import { ProgressTracker } from "../scan/progress.js";
import { triggerLabel } from "../scan/record-scan.js";
import type { ScanScope } from "../scan/run-scan.js";
import { type ExecuteScan, ScanCoordinator } from "../scan/scan-coordinator.js";
import {
  beginScanRow,
  DEFAULT_HEARTBEAT_MS,
  type ScanRowOptions,
  scanLeaseMs,
  scanOrigin,
  startScope,
} from "../scan/scan-row.js";
import { newInstanceId } from "../schedule/jobs.js";
import { createServeSchedule } from "../schedule/serve-schedule.js";
import { legacyFindingRef } from "../slack/finding-ref.js";
import type {
  InterruptedScanNotice,
  InterruptedScans,
  ScanHandle,
  ScanOutcome,
  ScanProgressUpdate,
  ScanRequest,
  SeverityCounts,
  FindingRecord as SlackFindingRecord,
  SlackPorts,
  PostureRow as SlackPostureRow,
  ScanRecord as SlackScanRecord,
} from "../slack/ports.js";
import { StoreInputError } from "../store/errors.js";
import { toFinding } from "../store/to-finding.js";
import {
  ANNOUNCEMENT_CLAIM_LEASE_MS,
  type FindingRecord,
  type RemediationRequest,
  type ScanRecord,
  type Store,
} from "../store/types.js";
import { type AuditRuntime, createAuditRuntime } from "./audit-runtime.js";
import { executeScan } from "./execute-scan.js";
import { createScanWorkerPool } from "./scan-worker-pool.js";

export interface SlackRuntimeParts {
  config: Config;
  logger: Logger;
  store: Store;
  audit: AuditRuntime;
  coordinator: ScanCoordinator;
  /** The Security Hub export after each recorded scan, when `securityHub.enabled`. */
  exportFindings?: SecurityHubExport | undefined;
  /** The heartbeat's clock and timers (tests). */
  scanRow?: Pick<ScanRowOptions, "clock" | "timers">;
}

function zeroCounts(): SeverityCounts {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
}

/** Account names and OU paths from the account directory, read once per view. */
async function accountNames(store: Pick<Store, "listAccounts">): Promise<Map<string, AccountDirectoryEntry>> {
  return new Map((await store.listAccounts()).map((a) => [a.accountId, a]));
}

function toSlackFinding(
  record: FindingRecord,
  names?: ReadonlyMap<string, AccountDirectoryEntry>,
): SlackFindingRecord {
  const lifecycle = record.lifecycle;
  const finding = toFinding(record);
  const name = names?.get(record.accountId)?.name;
  if (name !== undefined) finding.accountName = name;
  const out: SlackFindingRecord = {
    finding,
    firstSeenAt: new Date(record.firstSeenAt),
    lastSeenAt: new Date(record.lastSeenAt),
  };
  if (lifecycle === "new" || lifecycle === "open" || lifecycle === "resolved" || lifecycle === "reopened") {
    out.lifecycle = lifecycle;
  }
  const guidance = controlById(record.controlId)?.guidance;
  if (guidance) out.guidance = guidance;
  if (record.notRecheckedSince) out.notRecheckedSince = new Date(record.notRecheckedSince);
  return out;
}

function toSlackScan(scan: ScanRecord): SlackScanRecord {
  const failing = zeroCounts();
  if (scan.counts) for (const s of SEVERITIES) failing[s] = scan.counts.failBySeverity[s] ?? 0;
  const out: SlackScanRecord = {
    id: scan.id,
    status:
      scan.outcome === "running" || scan.outcome === "failed" || scan.outcome === "interrupted"
        ? scan.outcome
        : "succeeded",
    startedAt: new Date(scan.startedAt),
    startedBy: scan.trigger,
    accounts: scan.scope.accounts,
    regions: scan.scope.regions,
    failing,
    errors: scan.counts?.error ?? 0,
    passed: scan.counts?.pass ?? 0,
  };
  if (scan.finishedAt) out.finishedAt = new Date(scan.finishedAt);
  if (scan.heartbeatAt) out.heartbeatAt = new Date(scan.heartbeatAt);
  return out;
}

/** What to type after `/forecast-audit` to ask for this scan again. */
export function scanCommand(request: ScanRequest): string {
  const words = ["scan"];
  for (const account of request.accounts ?? []) words.push(`--account ${account}`);
  for (const ou of request.ous ?? []) words.push(`--ou ${ou}`);
  if (request.regions?.length === 1) words.push(request.regions[0] ?? "");
  return words.join(" ");
}

/** Interrupted scans for the Slack app: the lease sweep, then the announcement outbox. */
export function createInterruptedScansPort(
  store: Pick<
    Store,
    "markScansInterrupted" | "leaseInterruptedScanAnnouncements" | "settleInterruptedScanAnnouncement"
  >,
  options: {
    leaseMs: number;
    now?: () => Date;
    logger?: Pick<Logger, "info">;
    /** Who claims the announcements (default: a random id per port, i.e. per process). */
    claimer?: string;
  },
): InterruptedScans {
  const now = options.now ?? (() => new Date());
  const claimer = options.claimer ?? randomUUID();
  return {
    async take() {
      const marked = await store.markScansInterrupted(
        new Date(now().getTime() - options.leaseMs).toISOString(),
      );
      if (marked.length > 0) {
        options.logger?.info(
          { scans: marked.map((s) => s.id) },
          "scans whose process stopped marked interrupted",
        );
      }
      const notices: InterruptedScanNotice[] = [];
      const staleClaimBefore = new Date(now().getTime() - ANNOUNCEMENT_CLAIM_LEASE_MS).toISOString();
      for (const scan of await store.leaseInterruptedScanAnnouncements(claimer, staleClaimBefore)) {
        const origin = scan.origin;
        if (origin?.kind !== "slack" && origin?.kind !== "schedule") {
          // Asked for elsewhere (the CLI): nowhere in Slack to tell, so there is nothing left to announce.
          await store.settleInterruptedScanAnnouncement(scan.id, claimer, true);
          continue;
        }
        const notice: InterruptedScanNotice = {
          id: scan.id,
          startedAt: new Date(scan.startedAt),
          accounts: scan.scope.accounts,
          regions: scan.scope.regions,
          requestedIn: origin,
        };
        if (scan.heartbeatAt) notice.lastHeartbeatAt = new Date(scan.heartbeatAt);
        notices.push(notice);
      }
      return notices;
    },
    release: (scanId) => store.settleInterruptedScanAnnouncement(scanId, claimer, false),
    announced: (scanId) => store.settleInterruptedScanAnnouncement(scanId, claimer, true),
  };
}

/** Runs one scan in this thread (tests, and `serve` with `scanWorkers: 0`): collect, evaluate, record. */
export function createScanExecutor(
  parts: Pick<SlackRuntimeParts, "config" | "store" | "audit" | "logger" | "exportFindings">,
): ExecuteScan {
  return (input) =>
    executeScan(
      {
        config: parts.config,
        collect: parts.audit.collect,
        store: parts.store,
        logger: parts.logger,
        exportFindings: parts.exportFindings,
      },
      input,
    );
}

/**
 * The scan's row from its real start, on this (the Slack) thread: written `running` before the scan is handed
 * to its executor (a worker thread, or this thread), its heartbeat kept here while the executor collects,
 * evaluates and commits into that row, and failed here when the executor throws or its worker dies. A
 * process that dies leaves a row whose heartbeat goes stale (then marked interrupted).
 */
export function withScanRows(
  parts: Pick<SlackRuntimeParts, "config" | "store" | "logger" | "scanRow">,
  execute: ExecuteScan,
): ExecuteScan {
  return async (input) => {
    const log = parts.logger.child({ scanId: input.scanId });
    const row = await beginScanRow(
      parts.store,
      {
        id: input.scanId,
        scope: startScope(input.scope),
        trigger: triggerLabel(input.trigger),
        origin: scanOrigin(input.trigger),
      },
      { heartbeatMs: parts.config.store.scanHeartbeatSeconds * 1000, logger: log, ...parts.scanRow },
    );
    try {
      return await execute({ ...input, scanId: row.scan.id });
    } catch (error) {
      await row.fail(error).catch((failure: unknown) => {
        log.warn({ err: failure }, "could not record the scan's failure");
      });
      throw error;
    } finally {
      row.stop();
    }
  };
}

export function createScanPort(
  parts: SlackRuntimeParts,
  defaultRegions: readonly string[],
): SlackPorts["scans"] {
  const { config, coordinator } = parts;
  // One tracker per running scan, so that a request that joins late still sees the whole scan's progress.
  const trackers = new Map<
    string,
    { tracker: ProgressTracker; listeners: Set<(p: ScanProgressUpdate) => void> }
  >();
  return {
    start(request): ScanHandle {
      const wanted = request.accounts ?? [];
      const ous = request.ous ?? [];
      const regions =
        request.regions && request.regions.length > 0 ? [...new Set(request.regions)] : [...defaultRegions];
      assertForecastRegions(regions);
      let scope: ScanScope;
      if (config.organization) {
        // Names and OUs are resolved against the organization when the scan runs (one listing per scan).
        scope =
          wanted.length > 0 || ous.length > 0
            ? { accounts: [], regions, selection: { accounts: wanted, ous } }
            : { accounts: config.accounts, regions };
      } else {
        if (ous.length > 0) throw new Error("--ou needs an organization: block in the configuration.");
        const accounts =
          wanted.length > 0
            ? config.accounts.filter(
                (a) => wanted.includes(a.id) || (a.name !== undefined && wanted.includes(a.name)),
              )
            : config.accounts;
        const unknown = wanted.filter((w) => !config.accounts.some((a) => a.id === w || a.name === w));
        if (unknown.length > 0) throw new Error(`Account ${unknown.join(", ")} is not configured.`);
        scope = { accounts, regions };
      }
      const ticket = coordinator.start(scope, { ...request.trigger, command: scanCommand(request) });
      let entry = trackers.get(ticket.id);
      if (!entry) {
        const created = {
          tracker: new ProgressTracker(),
          listeners: new Set<(p: ScanProgressUpdate) => void>(),
        };
        entry = created;
        trackers.set(ticket.id, created);
        ticket.onProgress((event) => {
          const update: ScanProgressUpdate = {
            ...created.tracker.update(event),
            message: event.message,
            phase: event.phase,
          };
          for (const listener of created.listeners) listener(update);
        });
        ticket.done.finally(() => trackers.delete(ticket.id)).catch(() => {});
      }
      const listeners = entry.listeners;
      const done = ticket.done.then(
        (result): ScanOutcome => ({
          scanId: result.scanId,
          findings: result.notable,
          passed: result.counts.byStatus.PASS,
          errors: result.errors.map((e) => ({
            accountId: e.accountId,
            ...(e.region ? { region: e.region } : {}),
            message: e.message,
          })),
          startedAt: new Date(result.startedAt),
          finishedAt: new Date(result.finishedAt),
          accounts: result.accounts,
          regions,
        }),
      );
      return {
        id: ticket.id,
        scope: ticket.scopeKey,
        joined: ticket.joined,
        onProgress(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        done,
      };
    },
    running() {
      return coordinator.running().map((r) => {
        const summary: ReturnType<SlackPorts["scans"]["running"]>[number] = {
          id: r.id,
          scope: r.scopeKey,
          accounts: r.scope.accounts.map((a) => a.id),
          regions: r.scope.regions,
          startedAt: r.startedAt,
          startedBy: triggerLabel(r.trigger),
        };
        const entry = trackers.get(r.id);
        if (entry && r.lastProgress) {
          summary.progress = {
            ...entry.tracker.totals(),
            message: r.lastProgress.message,
            phase: r.lastProgress.phase,
          };
        }
        return summary;
      });
    },
    interrupted: createInterruptedScansPort(parts.store, {
      leaseMs: scanLeaseMs(config.store.scanHeartbeatSeconds * 1000),
      logger: parts.logger,
      ...(parts.scanRow?.clock ? { now: parts.scanRow.clock.now } : {}),
    }),
    async recent(limit) {
      return (await parts.store.listScans({ limit })).map(toSlackScan);
    },
  };
}

/** Records `openFindings` reads when the caller names no limit: more than one message or the Home tab shows. */
const OPEN_FINDINGS_READ = 50;

export function createFindingsPort(store: Store): SlackPorts["findings"] {
  // Only for buttons posted before finding ids: their 22-character refs are not stored, so they are mapped.
  const legacy = new Map<string, string>();
  let legacyBuiltAt = Number.NEGATIVE_INFINITY;
  return {
    async openFindings(filter) {
      const page = await store.openFindings({
        ...(filter.minSeverity ? { minSeverity: filter.minSeverity } : {}),
        ...(filter.accountId ? { accountId: filter.accountId } : {}),
        limit: filter.limit ?? OPEN_FINDINGS_READ,
      });
      const names = await accountNames(store);
      return { counts: page.counts, records: page.records.map((r) => toSlackFinding(r, names)) };
    },
    async posture() {
      const rows = await store.posture();
      const last = await store.lastScan();
      const names = await accountNames(store);
      const byScope = new Map<string, SlackPostureRow>();
      for (const row of rows) {
        const id = `${row.accountId}|${row.region}`;
        let entry = byScope.get(id);
        if (!entry) {
          entry = { accountId: row.accountId, region: row.region, open: zeroCounts(), errors: 0 };
          const known = names.get(row.accountId);
          if (known?.name !== undefined) entry.accountName = known.name;
          if (known?.ouPath !== undefined) entry.ouPath = displayOuPath(known.ouPath);
          if (last?.finishedAt) entry.lastScannedAt = new Date(last.finishedAt);
          byScope.set(id, entry);
        }
        entry.open[row.severity] += row.count;
      }
      return [...byScope.values()];
    },
    async lastScan() {
      const scan = await store.lastScan();
      return scan ? toSlackScan(scan) : undefined;
    },
    async findingByRef(ref) {
      if (isFindingId(ref)) {
        // By the indexed id column; an id two findings share (not expected at 60 bits) names neither.
        const record = await store.getFindingById(ref).catch((error: unknown) => {
          if (error instanceof StoreInputError) return undefined;
          throw error;
        });
        return record ? toSlackFinding(record) : undefined;
      }
      let key = legacy.get(ref);
      // At most one rebuild a minute: a flood of made-up refs must not read the whole table each time.
      if (!key && Date.now() - legacyBuiltAt > 60_000) {
        legacyBuiltAt = Date.now();
        legacy.clear();
        for (const r of await store.listFindings({ includeSuppressed: true })) {
          legacy.set(legacyFindingRef(r), r.key);
        }
        key = legacy.get(ref);
      }
      if (!key) return undefined;
      const record = await store.getFinding(key);
      return record ? toSlackFinding(record, await accountNames(store)) : undefined;
    },
  };
}

/** Suppressions from Slack: the suppression flow (reason, maximum duration, approvals) and its outbox. */
export function createSuppressionPort(store: Store, config: Config): SlackPorts["suppressions"] {
  const findings = createFindingsPort(store);
  return createSuppressionService({
    flow: createSuppressionFlow({
      store,
      now: () => new Date(),
      ttlHours: config.slack.requestTtlHours,
      fourEyes: config.slack.fourEyes,
      maxDays: config.slack.suppression.maxDays,
    }),
    store,
    findingByRef: findings.findingByRef,
  });
}

/** The audit log, for what the Slack app itself refuses. */
export function createAuditPort(store: Store): SlackPorts["audit"] {
  return {
    async record(entry) {
      await store.appendAudit(entry);
    },
  };
}

/** Builds every part and the ports; `close` stops scans, the AWS clients and the store. */
export async function createSlackRuntime(context: {
  config: Config;
  logger: Logger;
  databaseUrl?: string | undefined;
  /** Where the digest finds SLACK_BOT_TOKEN and SLACK_API_URL; the process environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Scans read this saved inventory instead of AWS (bench:ack: everything after collection, for real). */
  scanInventoryFile?: string;
}) {
  const { config, logger } = context;
  const { openStore } = await import("../store/open-store.js");
  // SQLite: delivery claims on this thread go before the next write transaction of a scan worker's commit.
  const writeGate = new SharedArrayBuffer(4);
  const store = await openStore({
    databaseUrl: context.databaseUrl,
    logger,
    writeGate,
    deliveryClaims: true,
  });
  const audit = createAuditRuntime(config, { sessionName: "slack", logger });
  const defaultRegions = await audit.resolveRegions();
  const parts: SlackRuntimeParts = {
    config,
    logger,
    store,
    audit,
    coordinator: new ScanCoordinator((input) => executor(input)),
    exportFindings: createSecurityHubExport(config, audit.factory, logger),
  };
  // Scans run in worker threads: the event loop that acknowledges Slack never collects, evaluates or commits.
  const workers =
    config.scanWorkers > 0
      ? createScanWorkerPool({
          config,
          databaseUrl: context.databaseUrl,
          logLevel: logger.level,
          threads: config.scanWorkers,
          inventoryFile: context.scanInventoryFile,
          writeGate,
          store,
          logger,
        })
      : undefined;
  const executor = withScanRows(
    parts,
    workers?.execute ??
      createScanExecutor(
        context.scanInventoryFile
          ? {
              ...parts,
              audit: {
                ...audit,
                collect: (await import("../scan/inventory-file.js")).inventoryFileCollector(
                  context.scanInventoryFile,
                ),
              },
            }
          : parts,
      ),
  );
  await recoverAtStartup(store, logger, new Date(), scanLeaseMs(config.store.scanHeartbeatSeconds * 1000));
  const findings = createFindingsPort(store);
  const remediations = createRemediationsPort({
    flow: createLiveRemediationFlow({ config, store, factory: audit.factory, logger }),
    store,
    findingByRef: findings.findingByRef,
  });
  // Fixes cut off (here or on a replica that stopped) are marked and announced by the Slack app's sweep, at
  // start-up and every minute, from the store's outbox (src/slack/listeners/schedule/request-sweep.ts).
  const instanceId = newInstanceId();
  const schedule = createServeSchedule({
    config,
    logger,
    store,
    coordinator: parts.coordinator,
    collect: audit.collect,
    // An organization is listed once per scheduled scan, by the slot's job, and the scan fans out per account.
    ...(config.organization && !context.scanInventoryFile
      ? { resolveAccounts: async () => (await audit.resolveAccounts({ accounts: config.accounts })).accounts }
      : {}),
    // Fanned-out parts run in the scan worker threads too: none collects or commits on this event loop.
    ...(workers ? { runPart: workers.executePart } : {}),
    // A fanned-out scan is exported to Security Hub (where enabled) once it ends, as a scan in one piece is.
    ...(parts.exportFindings
      ? {
          afterScan: workers
            ? () => workers.exportFindings()
            : async () => {
                await parts.exportFindings?.(store);
              },
        }
      : {}),
    regions: defaultRegions,
    env: context.env ?? process.env,
    databaseUrl: context.databaseUrl,
    instanceId,
  });
  const ports: SlackPorts = {
    scans: createScanPort(parts, defaultRegions),
    findings,
    remediations,
    approvals: createApprovalsPort(store, config.slack),
    digest: schedule.digest,
    suppressions: createSuppressionPort(store, config),
    audit: createAuditPort(store),
    // Slack retries a delivery it saw no answer to; the retry may reach another replica.
    claimDelivery: (key) => store.claimDelivery(DELIVERY_CLAIM_JOB, key, instanceId),
  };
  // Starts the job queue, enqueues a slot missed while no instance was up, then arms the cron jobs.
  await schedule.start();
  // Delivery claims only matter while Slack may retry (minutes): keep a day, prune hourly.
  const pruneDeliveries = () =>
    store
      .pruneSlots(DELIVERY_CLAIM_JOB, new Date(Date.now() - DELIVERY_CLAIM_TTL_MS).toISOString())
      .catch((error: unknown) => logger.warn({ err: error }, "could not prune Slack delivery claims"));
  await pruneDeliveries();
  const pruneTimer = setInterval(() => void pruneDeliveries(), 3_600_000);
  pruneTimer.unref();
  return {
    parts,
    ports,
    schedule,
    async close() {
      clearInterval(pruneTimer);
      await schedule.stop();
      await parts.coordinator.drain();
      await workers?.close();
      audit.destroy();
      await store.close();
    },
  };
}

const DELIVERY_CLAIM_JOB = "slack-delivery";
const DELIVERY_CLAIM_TTL_MS = 86_400_000;

/**
 * After a crash: scans left running are marked interrupted, stale requests expire, and fixes whose lease ran
 * out (lease.ts: their process stopped) are marked cut off and put in the announcement outbox. A fix another
 * replica (or `fix --apply`) is running keeps its lease fresh and is left alone; the Slack app's periodic
 * sweep catches one whose lease runs out later.
 */
export async function recoverAtStartup(
  store: Store,
  logger: Logger,
  now: Date = new Date(),
  scanLease: number = scanLeaseMs(DEFAULT_HEARTBEAT_MS),
  fixLease: number = FIX_LEASE_MS,
): Promise<{ interrupted: RemediationRequest[] }> {
  // A scan whose heartbeat is older than the lease belongs to a process that stopped; a scan another replica
  // is running keeps its heartbeat fresh and is left alone. The Slack app announces the ones marked here.
  const scans = (await store.markScansInterrupted(new Date(now.getTime() - scanLease).toISOString())).length;
  const expired = await store.expirePendingRequests(now);
  const interrupted = await recoverCutOffFixes(store, now, fixLease);
  if (scans > 0 || expired.length > 0 || interrupted.length > 0)
    logger.info(
      { scans, expired: expired.length, interrupted: interrupted.map((r) => r.id) },
      "recovered state at start-up",
    );
  return { interrupted };
}

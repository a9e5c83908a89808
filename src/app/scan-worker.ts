/**
 * The body of a scan worker thread (piscina): runs one scan to its end — collection with AWS clients made here
 * from the configuration, evaluation, the store commit on this thread's own connection — and answers with the
 * scan's small summary. Progress goes back over the task's MessagePort. Errors come back as data (name,
 * message, code), since an Error's own fields do not survive the thread boundary.
 */
import type { MessagePort } from "node:worker_threads";
import type { Config } from "../config/schema.js";
import { createSecurityHubExport } from "../export/security-hub/live.js";
import { createLogger, type Logger } from "../logging/logger.js";
import { collectAndCommitPart, type ScanPartWork } from "../scan/fan-out.js";
import type { ScanProgress } from "../scan/progress.js";
import type { ScanScope, ScanTrigger } from "../scan/run-scan.js";
import type { ScanSummary } from "../scan/scan-summary.js";
import type { Store } from "../store/types.js";
import { createAuditRuntime } from "./audit-runtime.js";
import { type ExecuteScanDeps, executeScan } from "./execute-scan.js";
import { lowerWorkerThreadPriority, type PriorityOutcome } from "./thread-priority.js";

export interface ScanWorkerTask {
  config: Config;
  /** `DATABASE_URL`; the worker opens its own connection (SQLite WAL + busy_timeout, or a small pool). */
  databaseUrl?: string | undefined;
  logLevel?: string | undefined;
  /**
   * Reads the inventory from this file (as `scan --inventory` does) instead of from AWS: for benchmarks and
   * tests of the worker path without an AWS endpoint.
   */
  inventoryFile?: string | undefined;
  /** SQLite: the write gate shared with the Slack thread's store (delivery claims go first). */
  writeGate?: SharedArrayBuffer | undefined;
  scanId: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  /** Where progress events go; transferred with the task. */
  progress: MessagePort;
}

export interface ScanWorkerError {
  name: string;
  message: string;
  code?: string;
}

export type ScanWorkerReply = { ok: true; summary: ScanSummary } | { ok: false; error: ScanWorkerError };

/** One part of a fanned-out scheduled scan: collected, evaluated and committed in this thread. */
export interface ScanPartWorkerTask extends RuntimeTask {
  part: ScanPartWork;
}

export type ScanPartWorkerReply = { ok: true } | { ok: false; error: ScanWorkerError };

interface WorkerRuntime {
  key: string;
  deps: ExecuteScanDeps;
  close(): Promise<void>;
}

/** One runtime per thread, reused by its next scans while the configuration stays the same. */
let runtime: Promise<WorkerRuntime> | undefined;

/** What a thread's runtime is made from; alone, the task of the Security Hub export after a fanned-out scan. */
export type RuntimeTask = Pick<
  ScanWorkerTask,
  "config" | "databaseUrl" | "logLevel" | "inventoryFile" | "writeGate"
>;

/** Set once per thread: the nice value only ever goes up. */
let priority: PriorityOutcome | undefined;

async function createRuntime(task: RuntimeTask, key: string): Promise<WorkerRuntime> {
  const logger: Logger = createLogger(task.logLevel ? { level: task.logLevel } : {}).child({
    component: "scan-worker",
  });
  if (priority === undefined && task.config.scanWorkerNice > 0) {
    priority = lowerWorkerThreadPriority(task.config.scanWorkerNice);
    if (priority.applied) logger.debug({ nice: priority.nice }, "scan worker thread priority lowered");
    else logger.info({ reason: priority.reason }, "scan worker thread priority left as it is");
  }
  const { openStore, SQLITE_WRITER_CACHE_KIB } = await import("../store/open-store.js");
  // A small pool per thread on PostgreSQL: one scan at a time runs here. On SQLite a small page cache: a
  // scan worker commits much and reads little.
  const store: Store = await openStore({
    databaseUrl: task.databaseUrl,
    logger,
    poolSize: 2,
    sqliteCacheKiB: SQLITE_WRITER_CACHE_KIB,
    writeGate: task.writeGate,
  });
  const audit = createAuditRuntime(task.config, { sessionName: "slack", logger });
  const collect = task.inventoryFile
    ? (await import("../scan/inventory-file.js")).inventoryFileCollector(task.inventoryFile)
    : audit.collect;
  return {
    key,
    deps: {
      config: task.config,
      collect,
      store,
      logger,
      exportFindings: createSecurityHubExport(task.config, audit.factory, logger),
    },
    async close() {
      audit.destroy();
      await store.close();
    },
  };
}

async function runtimeFor(task: RuntimeTask): Promise<WorkerRuntime> {
  const key = JSON.stringify([task.config, task.databaseUrl, task.logLevel, task.inventoryFile]);
  const current = runtime ? await runtime.catch(() => undefined) : undefined;
  if (current?.key === key) return current;
  await current?.close().catch(() => {});
  runtime = createRuntime(task, key);
  return runtime;
}

function toWorkerError(error: unknown): ScanWorkerError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const out: ScanWorkerError = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") out.code = code;
  return out;
}

export default async function runScanTask(task: ScanWorkerTask): Promise<ScanWorkerReply> {
  try {
    const { deps } = await runtimeFor(task);
    const summary = await executeScan(deps, {
      scanId: task.scanId,
      scope: task.scope,
      trigger: task.trigger,
      onProgress: (event: ScanProgress) => task.progress.postMessage(event),
    });
    return { ok: true, summary };
  } catch (error) {
    return { ok: false, error: toWorkerError(error) };
  } finally {
    task.progress.close();
  }
}

/**
 * piscina's named task (`{ name: "runExportTask" }`): the Security Hub export after a fanned-out scan ended,
 * on this thread's store connection and AWS clients (a no-op unless `securityHub.enabled`). An export failure is
 * recorded by the export itself (`securityhub.export-failed`); only a thread that cannot start answers not ok.
 */
export async function runExportTask(task: RuntimeTask): Promise<ScanPartWorkerReply> {
  try {
    const { deps } = await runtimeFor(task);
    await deps.exportFindings?.(deps.store);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: toWorkerError(error) };
  }
}

/** piscina's named task (`{ name: "runScanPartTask" }`): one account's part of a fanned-out scan. */
export async function runScanPartTask(task: ScanPartWorkerTask): Promise<ScanPartWorkerReply> {
  try {
    const { deps } = await runtimeFor(task);
    await collectAndCommitPart(deps, task.part);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: toWorkerError(error) };
  }
}

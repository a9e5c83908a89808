/**
 * Scans in worker threads (piscina): the `ExecuteScan` of `serve`. The calling thread only posts the task and
 * relays progress; collection, evaluation, the store commit and the summary happen in a worker with its own
 * store connection and AWS clients. A worker that dies or throws fails the scan (its row, if written, is
 * marked failed): the scan's promise always settles.
 */
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { Config } from "../config/schema.js";
import type { Logger } from "../logging/logger.js";
import type { ScanPartWork } from "../scan/fan-out.js";
import type { ScanProgress } from "../scan/progress.js";
import type { ExecuteScan } from "../scan/scan-coordinator.js";
import type { Store } from "../store/types.js";
import type {
  RuntimeTask,
  ScanPartWorkerReply,
  ScanPartWorkerTask,
  ScanWorkerError,
  ScanWorkerReply,
  ScanWorkerTask,
} from "./scan-worker.js";

/** A scan that failed in its worker thread, with the error's name and code as the worker saw them. */
export class ScanWorkerFailure extends Error {
  readonly code: string | undefined;
  constructor(error: ScanWorkerError) {
    super(error.message);
    this.name = error.name === "Error" ? "ScanWorkerFailure" : error.name;
    this.code = error.code;
  }
}

export interface ScanWorkerPoolOptions {
  config: Config;
  databaseUrl?: string | undefined;
  logLevel?: string | undefined;
  /** Scans that run at the same time (one per thread). */
  threads: number;
  /** Scans read this inventory file instead of AWS (benchmarks, tests). */
  inventoryFile?: string | undefined;
  /** The worker module (tests pass one that crashes); the real one by default. */
  workerFile?: string;
  /** SQLite: the write gate of the Slack thread's store, shared with the workers' stores. */
  writeGate?: SharedArrayBuffer | undefined;
  /** Where a failed scan's row is marked failed. */
  store?: Pick<Store, "failScan">;
  logger?: Logger;
}

export interface ScanWorkerPool {
  execute: ExecuteScan;
  /** One part of a fanned-out scan, in a worker thread; rejects (the job retries it) when it fails. */
  executePart(part: ScanPartWork): Promise<void>;
  /** The Security Hub export (`securityHub.enabled`) after a fanned-out scan ended, in a worker thread. */
  exportFindings(): Promise<void>;
  /** Stops the threads (running scans are cut off: drain the coordinator first). */
  close(): Promise<void>;
}

/** The worker next to this module: `.ts` under tsx/vitest (loaded through tsx), `.js` once built. */
function defaultWorker(): { filename: string; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith(".ts");
  const filename = fileURLToPath(new URL(`./scan-worker.${fromSource ? "ts" : "js"}`, import.meta.url));
  return workerOf(filename);
}

function workerOf(filename: string): { filename: string; execArgv?: string[] } {
  if (!filename.endsWith(".ts")) return { filename };
  const tsxLoaded = process.execArgv.some((a) => a.includes("tsx"));
  return tsxLoaded ? { filename } : { filename, execArgv: [...process.execArgv, "--import", "tsx"] };
}

export function createScanWorkerPool(options: ScanWorkerPoolOptions): ScanWorkerPool {
  const worker = options.workerFile ? workerOf(options.workerFile) : defaultWorker();
  const pool = new Piscina<
    ScanWorkerTask | ScanPartWorkerTask | RuntimeTask,
    ScanWorkerReply | ScanPartWorkerReply
  >({
    ...worker,
    minThreads: 0,
    maxThreads: Math.max(1, options.threads),
    // One scan per thread at a time; a thread idle for a minute is stopped (its store connection with it).
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });

  /** What each thread builds its runtime from (its store connection, AWS clients), sent with every task. */
  const runtime: RuntimeTask = {
    config: options.config,
    databaseUrl: options.databaseUrl,
    logLevel: options.logLevel,
    inventoryFile: options.inventoryFile,
    writeGate: options.writeGate,
  };

  const execute: ExecuteScan = async (input) => {
    const { port1, port2 } = new MessageChannel();
    port1.on("message", (event: ScanProgress) => input.onProgress(event));
    const task: ScanWorkerTask = {
      ...runtime,
      scanId: input.scanId,
      scope: input.scope,
      trigger: input.trigger,
      progress: port2,
    };
    try {
      const reply = (await pool.run(task, { transferList: [port2] })) as ScanWorkerReply;
      if (!reply.ok) throw new ScanWorkerFailure(reply.error);
      return reply.summary;
    } catch (error) {
      const failure =
        error instanceof ScanWorkerFailure
          ? error
          : new ScanWorkerFailure({
              name: "ScanWorkerCrashed",
              message: `The scan's worker thread stopped: ${error instanceof Error ? error.message : String(error)}`,
              code: "WorkerCrashed",
            });
      options.logger?.error({ err: failure, scanId: input.scanId }, "scan failed in its worker thread");
      await options.store?.failScan(input.scanId, failure.message).catch(() => false);
      throw failure;
    } finally {
      // Progress posted just before the answer is still delivered; then the port is let go.
      setImmediate(() => port1.close());
    }
  };

  const executePart = async (part: ScanPartWork): Promise<void> => {
    const task: ScanPartWorkerTask = {
      ...runtime,
      part,
    };
    let reply: ScanPartWorkerReply;
    try {
      reply = (await pool.run(task, { name: "runScanPartTask" })) as ScanPartWorkerReply;
    } catch (error) {
      throw new ScanWorkerFailure({
        name: "ScanWorkerCrashed",
        message: `The scan part's worker thread stopped: ${error instanceof Error ? error.message : String(error)}`,
        code: "WorkerCrashed",
      });
    }
    if (!reply.ok) throw new ScanWorkerFailure(reply.error);
  };

  const exportFindings = async (): Promise<void> => {
    const reply = (await pool.run(runtime, { name: "runExportTask" })) as ScanPartWorkerReply;
    if (!reply.ok) throw new ScanWorkerFailure(reply.error);
  };

  return {
    execute,
    executePart,
    exportFindings,
    async close() {
      await pool.destroy();
    },
  };
}

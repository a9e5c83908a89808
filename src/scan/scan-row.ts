/**
 * A scan's row in the store from its real start: written `running` before collection begins, its heartbeat
 * refreshed while the scan runs, then completed (succeeded / partial) or failed. A process that stops leaves
 * a row whose heartbeat goes stale; the interruption sweep (scan-interruptions.ts) marks it interrupted.
 */
import { CONTROLS } from "../controls/catalog.js";
import type { Clock, Timers } from "../schedule/triggers.js";
import type {
  CompletedScan,
  RecordScanInput,
  ScanOrigin,
  ScanRecord,
  StartScanInput,
  Store,
  ScanScope as StoredScanScope,
} from "../store/types.js";
import type { ScanScope, ScanTrigger } from "./run-scan.js";

/** How often a running scan refreshes its heartbeat by default (`store.scanHeartbeatSeconds`). */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** A running scan whose heartbeat is older than this many heartbeat intervals is taken as interrupted. */
export const LEASE_HEARTBEATS = 3;

export function scanLeaseMs(heartbeatMs: number): number {
  return LEASE_HEARTBEATS * heartbeatMs;
}

export interface ScanRowLogger {
  warn(object: object, message: string): void;
}

export interface ScanRowOptions {
  /** Called with the row once it is written (the CLI marks it interrupted on Ctrl-C). */
  onRow?: (row: ScanRow) => void;
  heartbeatMs?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: ScanRowLogger;
}

/** A scan row being kept alive. `complete` and `fail` end it; `stop` only stops the heartbeat. */
export interface ScanRow {
  readonly scan: ScanRecord;
  /** Records the scope actually covered, then commits the results (the heartbeat runs until it is done). */
  complete(input: RecordScanInput): Promise<CompletedScan>;
  /** Records that the scan stopped without results; false when it was no longer running. */
  fail(error: unknown): Promise<boolean>;
  /** Records that its process was asked to stop (`interrupted` now, not after the lease); false when it had ended. */
  interrupt(reason: string): Promise<boolean>;
  stop(): void;
  /** Resolves when no heartbeat write is in flight (tests on a virtual clock). */
  settled(): Promise<void>;
}

const unrefTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Where a scan was asked for, from its trigger. */
export function scanOrigin(trigger: ScanTrigger): ScanOrigin {
  switch (trigger.kind) {
    case "cli":
      return { kind: "cli", user: trigger.user };
    case "slack":
      return {
        kind: "slack",
        channel: trigger.channelId,
        user: trigger.userId,
        ...(trigger.threadTs ? { threadTs: trigger.threadTs } : {}),
        ...(trigger.command ? { command: trigger.command } : {}),
      };
    case "schedule":
      return { kind: "schedule", slot: trigger.slot };
  }
}

/** The scope as known before the scan runs (accounts resolved at run time are recorded when it completes). */
export function startScope(scope: ScanScope, controlIds: readonly string[] = CONTROLS.map((c) => c.id)) {
  const stored: StoredScanScope = {
    accounts: scope.accounts.map((a) => a.id),
    regions: [...scope.regions],
    controls: [...controlIds],
  };
  return stored;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes the scan's row (`running`), or takes over the row of an earlier attempt of the same scan (a retried
 * scheduled-slot job has a slot-derived id; the attempt that died left its row running): its heartbeat is
 * refreshed at once, so the interruption sweep does not end it under the new attempt.
 */
async function startOrResume(
  store: Pick<Store, "startScan" | "getScan" | "heartbeatScan">,
  input: StartScanInput,
  now: string,
): Promise<ScanRecord> {
  if (input.id !== undefined) {
    const existing = await store.getScan(input.id);
    if (existing?.outcome === "running" && (await store.heartbeatScan(existing.id, now))) return existing;
  }
  return store.startScan({ ...input, startedAt: input.startedAt ?? now });
}

/** Writes the scan's row (`running`) and starts its heartbeat. */
export async function beginScanRow(
  store: Pick<
    Store,
    "startScan" | "getScan" | "heartbeatScan" | "setScanScope" | "completeScan" | "failScan" | "interruptScan"
  >,
  input: StartScanInput,
  options: ScanRowOptions = {},
): Promise<ScanRow> {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const clock = options.clock ?? { now: () => new Date() };
  const timers = options.timers ?? unrefTimers;
  const scan = await startOrResume(store, input, clock.now().toISOString());
  let stopped = false;
  /** Set while the results are committed: the commit itself ends the row, which is no news. */
  let ending = false;
  let timer: unknown;

  const beat = async () => {
    try {
      const alive = await store.heartbeatScan(scan.id, clock.now().toISOString());
      if (!alive) {
        // Finished meanwhile, or marked interrupted after this process stalled past the lease: its results
        // will be refused, and there is nothing left to keep alive.
        if (!stopped && !ending)
          options.logger?.warn({ scanId: scan.id }, "the scan is no longer running in the store");
        stopped = true;
      }
    } catch (error) {
      options.logger?.warn({ scanId: scan.id, err: error }, "could not refresh the scan's heartbeat");
    }
    schedule();
  };
  // One beat at a time: the next is armed only when the last one has finished.
  let inFlight: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (!stopped)
      timer = timers.setTimeout(() => {
        inFlight = beat();
      }, heartbeatMs);
  };
  const stop = () => {
    stopped = true;
    if (timer !== undefined) timers.clearTimeout(timer);
  };
  schedule();

  return {
    scan,
    async complete(result) {
      ending = true;
      try {
        await store.setScanScope(scan.id, result.scope);
        const complete: Parameters<Store["completeScan"]>[1] = { findings: result.findings };
        if (result.finishedAt !== undefined) complete.finishedAt = result.finishedAt;
        if (result.evidence !== undefined) complete.evidence = result.evidence;
        if (result.unscanned !== undefined) complete.unscanned = result.unscanned;
        return await store.completeScan(scan.id, complete);
      } finally {
        stop();
      }
    },
    async fail(error) {
      stop();
      return store.failScan(scan.id, message(error), clock.now().toISOString());
    },
    async interrupt(reason) {
      stop();
      return store.interruptScan(scan.id, reason);
    },
    stop,
    settled: () => inFlight,
  };
}

/**
 * Runs `scan` inside a scan row: the row exists from before it starts, and ends completed with what
 * `toRecord` makes of the result, or failed with the error (which is thrown on).
 */
export async function withScanRow<R>(
  store: Parameters<typeof beginScanRow>[0],
  input: StartScanInput,
  options: ScanRowOptions,
  scan: (row: ScanRecord) => Promise<R>,
  toRecord: (result: R) => RecordScanInput,
): Promise<{ result: R; completed: CompletedScan }> {
  const row = await beginScanRow(store, input, options);
  options.onRow?.(row);
  let result: R;
  try {
    result = await scan(row.scan);
  } catch (error) {
    await row.fail(error).catch((failure: unknown) => {
      options.logger?.warn({ scanId: row.scan.id, err: failure }, "could not record the scan's failure");
    });
    throw error;
  }
  try {
    return { result, completed: await row.complete(toRecord(result)) };
  } catch (error) {
    // The commit itself failed (not a scan that was marked interrupted meanwhile): the row says so.
    await row.fail(error).catch(() => false);
    throw error;
  }
}

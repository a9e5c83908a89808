/**
 * Runs scans in the background and lets a second request for a scope already being scanned join that
 * scan instead of starting another (Slack users click twice; the schedule fires while a manual scan runs).
 */
import { randomUUID } from "node:crypto";
import type { ScanProgress } from "./progress.js";
import type { ScanScope, ScanTrigger } from "./run-scan.js";
import type { ScanSummary } from "./scan-summary.js";

export interface RunningScan {
  id: string;
  scopeKey: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  startedAt: Date;
  /** The latest progress event, for late joiners. */
  lastProgress: ScanProgress | undefined;
}

export interface ScanTicket {
  id: string;
  scopeKey: string;
  /** True when this request joined a scan that was already running. */
  joined: boolean;
  onProgress(listener: (event: ScanProgress) => void): () => void;
  done: Promise<ScanSummary>;
}

/**
 * Runs one scan to its end (collect, evaluate, record) and returns its small summary. In `serve` this runs in a
 * worker thread (src/app/scan-worker-pool.ts); a job handler may call the same function for one part of a scan.
 */
export type ExecuteScan = (input: {
  scanId: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  onProgress: (event: ScanProgress) => void;
}) => Promise<ScanSummary>;

export function scopeKey(scope: ScanScope): string {
  const accounts = scope.accounts.map((a) => a.id).sort();
  const regions = [...scope.regions].sort();
  const key = `${accounts.join(",") || "current"}|${regions.join(",")}`;
  if (!scope.selection) return key;
  // A selection is resolved when the scan runs: the same words typed twice join the same scan.
  const words = (list: readonly string[]) => [...new Set(list.map((w) => w.toLowerCase()))].sort().join(",");
  return `${key}|accounts:${words(scope.selection.accounts)}|ous:${words(scope.selection.ous)}`;
}

export class ScanCoordinator {
  readonly #running = new Map<
    string,
    { info: RunningScan; listeners: Set<(e: ScanProgress) => void>; done: Promise<ScanSummary> }
  >();

  constructor(private readonly execute: ExecuteScan) {}

  /** `options.scanId` names a new scan (a scheduled slot's scan has an id derived from its slot). */
  start(scope: ScanScope, trigger: ScanTrigger, options: { scanId?: string } = {}): ScanTicket {
    const key = scopeKey(scope);
    const existing = this.#running.get(key);
    if (existing) return this.#ticket(existing, true);

    const info: RunningScan = {
      id: options.scanId ?? randomUUID(),
      scopeKey: key,
      scope,
      trigger,
      startedAt: new Date(),
      lastProgress: undefined,
    };
    const listeners = new Set<(e: ScanProgress) => void>();
    const onProgress = (event: ScanProgress) => {
      info.lastProgress = event;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A broken progress listener (e.g. a failed Slack edit) must not stop the scan.
        }
      }
    };
    const entry = { info, listeners, done: Promise.resolve() as unknown as Promise<ScanSummary> };
    this.#running.set(key, entry);
    entry.done = (async () => {
      try {
        return await this.execute({ scanId: info.id, scope, trigger, onProgress });
      } finally {
        this.#running.delete(key);
      }
    })();
    return this.#ticket(entry, false);
  }

  running(): RunningScan[] {
    return [...this.#running.values()].map((e) => e.info);
  }

  /** Resolves when every running scan has finished (for shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running.values()].map((e) => e.done));
  }

  #ticket(
    entry: { info: RunningScan; listeners: Set<(e: ScanProgress) => void>; done: Promise<ScanSummary> },
    joined: boolean,
  ): ScanTicket {
    return {
      id: entry.info.id,
      scopeKey: entry.info.scopeKey,
      joined,
      onProgress(listener) {
        entry.listeners.add(listener);
        return () => entry.listeners.delete(listener);
      },
      done: entry.done,
    };
  }
}

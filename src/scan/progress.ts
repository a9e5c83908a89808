/** Progress events of a scan, rendered by the CLI progress bar and the Slack progress message. */

export const SCAN_PHASES = [
  "organization",
  "credentials",
  "forecast",
  "cloudtrail",
  "cloudtrail-events",
  "macie",
  "iam",
  "s3",
  "kms",
  "trails",
  "done",
] as const;
export type ScanPhase = (typeof SCAN_PHASES)[number];

export interface ScanProgress {
  phase: ScanPhase;
  accountId: string;
  /** Absent for account-wide work (IAM, credentials, the account summary). */
  region?: string;
  /** Units finished and known so far in this phase, account and region; `total` can grow as work is found. */
  done: number;
  total: number;
  /** One short sentence for people, e.g. `Reading 12 buckets.` */
  message: string;
}

/**
 * Folds the per-phase counters of many events into one overall fraction, for a single progress bar.
 * Each (account, region, phase) keeps its latest counters, so events may arrive in any order.
 */
export class ProgressTracker {
  readonly #latest = new Map<string, { done: number; total: number }>();

  update(event: ScanProgress): { done: number; total: number } {
    if (event.phase !== "done") {
      const key = `${event.accountId}|${event.region ?? ""}|${event.phase}`;
      this.#latest.set(key, { done: Math.min(event.done, event.total), total: event.total });
    }
    return this.totals();
  }

  totals(): { done: number; total: number } {
    let done = 0;
    let total = 0;
    for (const entry of this.#latest.values()) {
      done += entry.done;
      total += entry.total;
    }
    return { done, total };
  }
}

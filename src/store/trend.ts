/**
 * The 7-day (or n-day) trend, rebuilt from the current state by undoing the history backwards, so it
 * needs only the history inside the window and stays right after old scans are pruned.
 */
import { SEVERITIES, type Severity } from "../domain/severity.js";
import { isFailing } from "./lifecycle.js";
import { DAY_MS } from "./time.js";
import type { Lifecycle, TrendPoint } from "./types.js";

export interface TrendFinding {
  key: string;
  lifecycle: Lifecycle;
  severity: Severity;
}

export interface TrendChange {
  key: string;
  from: Lifecycle | null;
  at: string;
}

/** The first instant after which history must be read for `trend(days, now)`. */
export function trendWindowStart(days: number, now: string): string {
  const today = Date.parse(`${now.slice(0, 10)}T00:00:00.000Z`);
  return new Date(today - (days - 1) * DAY_MS + DAY_MS - 1).toISOString();
}

/**
 * @param changes every history row with `at` after `trendWindowStart(days, now)`, newest first.
 * @param excluded keys left out of every day (the findings suppressed now).
 */
export function computeTrend(
  current: readonly TrendFinding[],
  changes: readonly TrendChange[],
  days: number,
  now: string,
  excluded: ReadonlySet<string> = new Set(),
): TrendPoint[] {
  const severity = new Map<string, Severity>();
  const state = new Map<string, Lifecycle>();
  for (const f of current) {
    severity.set(f.key, f.severity);
    state.set(f.key, f.lifecycle);
  }
  const today = Date.parse(`${now.slice(0, 10)}T00:00:00.000Z`);
  const points: TrendPoint[] = [];
  let next = 0;
  for (let back = 0; back < days; back++) {
    const dayStart = today - back * DAY_MS;
    const cutoff = back === 0 ? now : new Date(dayStart + DAY_MS - 1).toISOString();
    // Undo every change made after the end of this day.
    while (next < changes.length && changes[next]!.at > cutoff) {
      const change = changes[next++]!;
      if (change.from === null) state.delete(change.key);
      else state.set(change.key, change.from);
    }
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let total = 0;
    for (const [key, lifecycle] of state) {
      if (!isFailing(lifecycle) || excluded.has(key)) continue;
      const sev = severity.get(key);
      if (!sev) continue;
      bySeverity[sev]++;
      total++;
    }
    points.push({ day: new Date(dayStart).toISOString().slice(0, 10), total, bySeverity });
  }
  return points.reverse();
}

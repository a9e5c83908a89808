/**
 * Full garbage collections at chosen points of a one-shot CLI scan, for its peak RSS (issue #12). V8 lets the
 * old generation grow to a multiple of what was live after its last full collection before it collects again,
 * and a big scan promotes a lot of short-lived objects (SDK responses, a commit's rows) into it: at 50,000
 * resources the heap of the CLI process held more than twice its live data at the end of the store commit.
 * A collection right after collection, right before the commit and right before the report, and one whenever
 * the used heap has grown by 32 MB since the last (looked at on each progress event, between two controls and
 * after each batch of the commit), keep the heap near what is live (docs/benchmarks.md).
 *
 * Off unless a command turns it on (`enableMemoryReclaim`, the `scan` command only) and node exposes `gc`
 * (the bin's shebang passes `--expose-gc`): a server never pauses for a full collection it did not need, and
 * `node dist/cli/main.js` without the flag, tests included, runs as before.
 */

import { getHeapStatistics } from "node:v8";

type Collect = () => void;

/** Growth of the used heap over what was live after the last collection that `reclaimIfGrown` allows. */
export const RECLAIM_GROWTH_BYTES = 32 * 1024 * 1024;

let collect: Collect | undefined;
/** The used heap right after the last collection run here. */
let liveAfterLast = 0;

/** Turns reclaiming on when node exposes `gc`; true when it did. */
export function enableMemoryReclaim(gc: unknown = (globalThis as { gc?: unknown }).gc): boolean {
  collect = typeof gc === "function" ? (gc as Collect) : undefined;
  return collect !== undefined;
}

export function disableMemoryReclaim(): void {
  collect = undefined;
  liveAfterLast = 0;
}

/** A full collection now, when turned on; else nothing. */
export function reclaimMemory(): void {
  if (!collect) return;
  collect();
  liveAfterLast = getHeapStatistics().used_heap_size;
}

/**
 * A full collection when the used heap has grown by `RECLAIM_GROWTH_BYTES` since the last one (cheap to call
 * often: one look at V8's counters), when turned on; else nothing.
 */
export function reclaimIfGrown(): void {
  if (!collect) return;
  if (getHeapStatistics().used_heap_size > liveAfterLast + RECLAIM_GROWTH_BYTES) reclaimMemory();
}

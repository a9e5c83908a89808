/**
 * Full garbage collections at chosen points of a one-shot CLI scan, for its peak RSS (issue #12). V8 lets the
 * old generation grow to a multiple of what was live after its last full collection before it collects again,
 * and a big scan promotes a lot of short-lived objects (SDK responses, a commit's rows) into it: at 50,000
 * resources the heap of the CLI process held more than twice its live data at the end of the store commit.
 * A collection right after collection, right before the commit and every so many findings of the commit keeps
 * the heap near what is live (docs/benchmarks.md).
 *
 * Off unless a command turns it on (`enableMemoryReclaim`, the `scan` command only) and node exposes `gc`
 * (the bin's shebang passes `--expose-gc`): a server never pauses for a full collection it did not need, and
 * `node dist/cli/main.js` without the flag, tests included, runs as before.
 */

type Collect = () => void;

let collect: Collect | undefined;

/** Turns reclaiming on when node exposes `gc`; true when it did. */
export function enableMemoryReclaim(gc: unknown = (globalThis as { gc?: unknown }).gc): boolean {
  collect = typeof gc === "function" ? (gc as Collect) : undefined;
  return collect !== undefined;
}

export function disableMemoryReclaim(): void {
  collect = undefined;
}

/** A full collection now, when turned on; else nothing. */
export function reclaimMemory(): void {
  collect?.();
}

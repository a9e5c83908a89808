/**
 * Detection once per distinct string per scan. The detectors are pure functions of their string, and a scan
 * reads the same strings again and again (a resource's name in every control's sentence, the same tags on
 * thousands of resources), so an evaluation runs inside `withSensitiveMemo` and each detector looks its string
 * up before it runs. The memo belongs to that one run: it is created when the run starts, dropped when it
 * ends, and bounded (when a table holds `limit` strings it starts over), so nothing outlives the scan and a
 * scan of any size holds at most `limit` entries per detector. Outside a run nothing is memoized.
 *
 * The run must be synchronous (evaluation is): the memo is module state, set for the duration of the call.
 */
import type { SensitiveMatch } from "./kinds.js";

/** Longer strings (sentences, messages) are rarely repeated; they are detected each time, not kept. */
const MAX_KEY_LENGTH = 256;
/** Enough for every name and tag of a 150,000-resource account; ~10 MB at that size. */
export const DEFAULT_MEMO_LIMIT = 250_000;

export type Matches = readonly Readonly<SensitiveMatch>[];

const NONE: Matches = Object.freeze([]);

/** One detector's table: string → its matches, frozen (they are shared by every caller). */
class DetectorMemo {
  private readonly entries = new Map<string, Matches>();
  /** How many times the detector actually ran through this memo. */
  computed = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(text: string, detect: (text: string) => Matches): Matches {
    if (text.length > MAX_KEY_LENGTH) return detect(text);
    const hit = this.entries.get(text);
    if (hit !== undefined) return hit;
    this.computed += 1;
    const found = detect(text);
    const value = found.length === 0 ? NONE : Object.freeze(found.map((m) => Object.freeze({ ...m })));
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(text, value);
    return value;
  }
}

export interface SensitiveMemo {
  /** `detectSensitive` (free text, tag keys and values, path parts). */
  readonly text: DetectorMemo;
  /** `detectSensitiveInName` (Forecast resource names). */
  readonly name: DetectorMemo;
}

export function createSensitiveMemo(limit = DEFAULT_MEMO_LIMIT): SensitiveMemo {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`memo limit must be ≥ 1, got ${limit}`);
  return { text: new DetectorMemo(limit), name: new DetectorMemo(limit) };
}

let active: SensitiveMemo | undefined;

/**
 * Runs `run` with detection memoized in `memo` (a fresh one by default). Nested calls use the outer memo, so
 * one scan over many accounts shares one. `run` must not return a promise: the memo ends when it returns.
 */
export function withSensitiveMemo<T>(run: () => T, memo: SensitiveMemo = createSensitiveMemo()): T {
  if (active !== undefined) return run();
  active = memo;
  try {
    const result = run();
    if (result instanceof Promise) throw new TypeError("withSensitiveMemo needs a synchronous function");
    return result;
  } finally {
    active = undefined;
  }
}

/** The memo of the run in progress, if any. */
export function activeSensitiveMemo(): SensitiveMemo | undefined {
  return active;
}

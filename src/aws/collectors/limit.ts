/** The concurrency and pacing primitives that collectors receive from the orchestrator. */

/** Runs a call under a concurrency limiter (a `p-limit` instance fits). */
export type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/** The limiter for one region of the account being collected (one limiter per account and region). */
export type LimitFor = (region: string) => Limit;

export type Sleep = (ms: number) => Promise<void>;

export const unlimited: Limit = (fn) => fn();

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

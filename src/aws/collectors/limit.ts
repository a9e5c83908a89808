/** The concurrency, pacing and deadline primitives that collectors receive from the orchestrator. */
import PQueue from "p-queue";

export interface LimitOptions {
  /**
   * A call on a chain that other calls wait for (the next page of a listing, the next page of the tag
   * index): it goes before every queued call that is not, so the chain never waits behind the work it feeds.
   */
  urgent?: boolean;
}

/**
 * Runs a call under a concurrency limiter. `fn` receives the signal that aborts it (the scan's deadline for
 * that account and region); collectors pass it on as the SDK's `abortSignal`.
 */
export type Limit = <T>(fn: (signal?: AbortSignal) => Promise<T>, options?: LimitOptions) => Promise<T>;

/**
 * At most `concurrency` calls at once; queued calls start in order, urgent ones first (`p-queue` priorities).
 * Every call checks `signal` (the scan's cancellation) as it starts.
 */
export function concurrencyLimit(concurrency: number, signal?: AbortSignal): Limit {
  const queue = new PQueue({ concurrency: Math.max(1, concurrency) });
  return (fn, options) =>
    queue.add(
      () => {
        signal?.throwIfAborted();
        return fn();
      },
      { priority: options?.urgent ? 1 : 0 },
    );
}

/** The limiter for one region of the account being collected (one limiter per account and region). */
export type LimitFor = (region: string) => Limit;

export type Sleep = (ms: number) => Promise<void>;

export const unlimited: Limit = (fn) => fn();

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SDK's per-call options for a signal (none when there is no signal). */
export function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

/** Why a call failed after the deadline: it becomes a `Timeout` collect error naming the deadline. */
export class DeadlineError extends Error {
  override readonly name = "TimeoutError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Wraps `inner` (the concurrency limiter) so that every call it runs ends when `deadline` fires: a call still
 * queued fails at once, one in flight is aborted through its signal and given up on even if it ignores it,
 * and either way the error is a `DeadlineError` with `describe()` as its message.
 */
export function withDeadline(inner: Limit, deadline: AbortSignal, describe: () => string): Limit {
  return (fn, options) =>
    inner(async () => {
      if (deadline.aborted) throw new DeadlineError(describe());
      let onAbort = () => {};
      const expired = new Promise<never>((_, reject) => {
        onAbort = () => reject(new DeadlineError(describe()));
        deadline.addEventListener("abort", onAbort, { once: true });
      });
      try {
        return await Promise.race([fn(deadline), expired]);
      } catch (error) {
        if (deadline.aborted) throw new DeadlineError(describe(), { cause: error });
        throw error;
      } finally {
        deadline.removeEventListener("abort", onAbort);
      }
    }, options);
}

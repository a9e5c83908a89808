/**
 * Sends the latest of a stream of values at most once per interval, one at a time, dropping the values in
 * between: a scan's progress message is edited at most once a second whatever the rate of events. The
 * final value waits its turn too, so it can never be overtaken by an older progress edit.
 */

export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ProgressThrottle<T> {
  /** Queues `value`, replacing any value not yet sent; ignored after `finish`. */
  push(value: T): void;
  /** Sends `value` as the last one; resolves when it has been sent (or failed). */
  finish(value: T): Promise<void>;
}

export function createProgressThrottle<T>(
  send: (value: T) => Promise<void>,
  options: {
    intervalMs?: number;
    clock?: ThrottleClock;
    onError?: (error: unknown) => void;
    /** When the message was last written (posted) before this throttle took over, on `clock`. */
    lastSentAt?: number;
  } = {},
): ProgressThrottle<T> {
  const interval = options.intervalMs ?? 1000;
  const clock = options.clock ?? systemClock;
  let lastSentAt = options.lastSentAt ?? Number.NEGATIVE_INFINITY;
  let pending: { value: T; final: boolean } | undefined;
  let timer: unknown;
  let inFlight = false;
  let finished = false;
  let resolveFinal: () => void = () => {};
  const finalSent = new Promise<void>((resolve) => {
    resolveFinal = resolve;
  });

  function pump(): void {
    if (inFlight || timer !== undefined || pending === undefined) return;
    const wait = lastSentAt + interval - clock.now();
    if (wait > 0) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      return;
    }
    const item = pending;
    pending = undefined;
    lastSentAt = clock.now();
    inFlight = true;
    send(item.value)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = false;
        if (item.final) resolveFinal();
        else pump();
      });
  }

  return {
    push(value) {
      if (finished) return;
      pending = { value, final: false };
      pump();
    },
    finish(value) {
      if (!finished) {
        finished = true;
        pending = { value, final: true };
        pump();
      }
      return finalSent;
    },
  };
}

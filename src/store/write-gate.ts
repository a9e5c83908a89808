/**
 * SQLite: lets a short, latency-critical write (a Slack delivery claim on the Slack thread) go before the next
 * write transaction of a scan commit running in a worker thread. SQLite's busy handler is not fair: a waiting
 * writer sleeps and retries, and a commit that starts its next transaction right after the last one would
 * keep winning the write lock for its whole length. The waiting writer counts itself in shared memory; the
 * commit checks the count before each of its transactions and lets it pass (for at most `MAX_YIELD_MS`, so
 * that a flood of claims cannot stall a commit). Threads of one process share it; other processes do not.
 */
export const MAX_YIELD_MS = 250;

export class WriteGate {
  readonly #waiting: Int32Array;

  /** A new gate, or the view of one made in another thread (its `buffer`). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.#waiting = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.#waiting.buffer as SharedArrayBuffer;
  }

  /** Runs a priority write: counted as waiting from before it asks for the lock until it is done. */
  async priority<T>(write: () => Promise<T>): Promise<T> {
    Atomics.add(this.#waiting, 0, 1);
    try {
      return await write();
    } finally {
      Atomics.sub(this.#waiting, 0, 1);
    }
  }

  /** Before a commit's next write transaction: waits while a priority write is pending (bounded). */
  async clear(maxMs = MAX_YIELD_MS): Promise<void> {
    const until = performance.now() + maxMs;
    while (Atomics.load(this.#waiting, 0) > 0 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

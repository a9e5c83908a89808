/**
 * A clock and timers that move only when a test says so: schedules fire at their slots without any real wait.
 * One instance can drive several schedulers (replicas) so that they see the same instant.
 */
import type { Clock, Timers } from "../../src/schedule/triggers.js";

export class VirtualClock implements Clock, Timers {
  #t: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date | string) {
    this.#t = new Date(start).getTime();
  }

  now = (): Date => new Date(this.#t);

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#t + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward to `to`, firing due timers in time order. Timers due at the same instant fire together
   * (two replicas woken by the same slot race as they would for real); then `settle` runs, so that the work
   * they started finishes before time moves on.
   */
  async advanceTo(to: Date | string, settle: () => Promise<void> = async () => {}): Promise<void> {
    const end = new Date(to).getTime();
    for (;;) {
      let at = Number.POSITIVE_INFINITY;
      for (const timer of this.#timers.values()) if (timer.at <= end && timer.at < at) at = timer.at;
      if (at === Number.POSITIVE_INFINITY) break;
      const due = [...this.#timers].filter(([, timer]) => timer.at === at);
      for (const [id] of due) this.#timers.delete(id);
      this.#t = Math.max(this.#t, at);
      for (const [, timer] of due) timer.fn();
      await settle();
    }
    this.#t = Math.max(this.#t, end);
    await settle();
  }
}

/**
 * The Slack app's background jobs (the schedule-driven listeners). Each runs under an entry of the policy's
 * JOB_POLICY (a job with no entry does not start), never overlaps itself, and stops with the app.
 */
import { JOB_POLICY, type JobKey } from "./policy.js";
import type { TaskTracker } from "./tasks.js";

export interface JobRunner {
  /** Runs once, now (in the background). */
  once(key: JobKey, work: () => Promise<unknown>): void;
  /** Runs every `intervalMs`, and at once when `atStart`; a run still going skips the next tick. */
  every(key: JobKey, intervalMs: number, work: () => Promise<unknown>, options?: { atStart?: boolean }): void;
  /** The jobs registered so far (for the policy registry test). */
  keys(): JobKey[];
  stop(): void;
}

export function createJobRunner(tasks: TaskTracker): JobRunner {
  const keys: JobKey[] = [];
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<JobKey>();

  function admit(key: JobKey): void {
    if (!Object.hasOwn(JOB_POLICY, key)) throw new Error(`The job ${key} has no entry in the policy.`);
    if (!keys.includes(key)) keys.push(key);
  }

  function run(key: JobKey, work: () => Promise<unknown>): void {
    if (running.has(key)) return;
    running.add(key);
    tasks.run(key, () => work().finally(() => running.delete(key)));
  }

  return {
    once(key, work) {
      admit(key);
      run(key, work);
    },
    every(key, intervalMs, work, options = {}) {
      admit(key);
      if (options.atStart) run(key, work);
      const timer = setInterval(() => run(key, work), intervalMs);
      // A job must never keep a stopping process alive.
      timer.unref();
      timers.push(timer);
    },
    keys: () => [...keys],
    stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
    },
  };
}

/**
 * Scan worker threads give way to the Slack thread for the CPU. On Linux the nice value is a property of each
 * thread (setpriority(2) on a thread id), so a worker thread can lower its own priority without touching the
 * thread that acknowledges Slack. Where the thread id cannot be known (no `/proc/thread-self`), nothing is
 * changed: lowering "the process" from a worker would slow the Slack thread too.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { isMainThread } from "node:worker_threads";

export type PriorityOutcome =
  | { applied: true; threadId: number; nice: number }
  | { applied: false; reason: string };

/** The kernel id of the calling thread, from `/proc/thread-self` (`<pid>/task/<tid>`); undefined elsewhere. */
export function kernelThreadId(): number | undefined {
  try {
    const match = /\/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * Raises the calling worker thread's nice value to `nice` (0–19; higher gives way more). Never lowers it (that
 * needs privileges) and never acts on the main thread, whose id is the process's.
 */
export function lowerWorkerThreadPriority(nice: number): PriorityOutcome {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) {
    return { applied: false, reason: `nice must be a whole number from 0 to 19, not ${nice}` };
  }
  if (isMainThread) return { applied: false, reason: "not a worker thread" };
  const threadId = kernelThreadId();
  if (threadId === undefined)
    return { applied: false, reason: "no per-thread priority here (/proc/thread-self)" };
  if (threadId === process.pid) return { applied: false, reason: "the thread id is the process's" };
  try {
    const current = getPriority(threadId);
    if (current >= nice) return { applied: true, threadId, nice: current };
    setPriority(threadId, nice);
    return { applied: true, threadId, nice: getPriority(threadId) };
  } catch (error) {
    return { applied: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Fixes cut off mid-way. A process running a fix holds it by a lease: from the click that wins it
 * (approved, applying, reverting) to the state that ends it, a heartbeat refreshes the request's `updatedAt`.
 * A request whose lease ran out belongs to a process that stopped: the recovery sweep (every replica, every
 * minute, and `fix --apply` before it asks) marks it `interrupted` (or `failed` when it had not started), each
 * with one guarded UPDATE, so a live holder is never marked and any number of replicas mark a dead one once.
 */
import type { Logger } from "../logging/logger.js";
import type { Timers } from "../schedule/triggers.js";
import type { RemediationRequest, Store } from "../store/types.js";

/** How long a fix's holder may go without renewing its lease before the sweep calls it cut off. */
export const FIX_LEASE_MS = 2 * 60_000;
/** How often a running fix renews its lease: four times per lease. */
export const FIX_HEARTBEAT_MS = FIX_LEASE_MS / 4;
/** How long a click waits for its "started" redraw before running the fix anyway. */
export const STARTED_NOTICE_MS = 5_000;

export interface LeaseOptions {
  leaseMs: number;
  heartbeatMs: number;
  /** The heartbeat's timers (tests: a virtual clock); real ones, unref'd, by default. */
  timers: Timers;
}

const realTimers: Timers = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** In-flight states whose holder keeps a lease. */
export const HELD_STATES = ["approved", "applying", "reverting"] as const;

export function leaseExpired(
  request: Pick<RemediationRequest, "state" | "updatedAt">,
  now: Date,
  leaseMs: number,
): boolean {
  return (
    (HELD_STATES as readonly string[]).includes(request.state) &&
    Date.parse(request.updatedAt) < now.getTime() - leaseMs
  );
}

/**
 * Renews the lease of `requestId` every `heartbeatMs` until the returned stop is called. A renewal that finds
 * the request no longer held (a sweep marked it cut off after this process stalled longer than the lease) is
 * logged: the fix's own last transition then loses its compare-and-set.
 */
export function holdLease(
  store: Pick<Store, "touchRequest">,
  requestId: string,
  options: Pick<LeaseOptions, "heartbeatMs"> & Partial<Pick<LeaseOptions, "timers">>,
  logger?: Pick<Logger, "warn">,
): () => void {
  const timers = options.timers ?? realTimers;
  let stopped = false;
  let timer: unknown;
  const beat = () => {
    store.touchRequest(requestId).then(
      (held) => {
        if (!held) {
          logger?.warn({ requestId }, "this fix's lease was lost: it is no longer held by this process");
          return;
        }
        schedule();
      },
      (error: unknown) => {
        logger?.warn({ err: error, requestId }, "could not renew a fix's lease");
        schedule();
      },
    );
  };
  const schedule = () => {
    if (!stopped) timer = timers.setTimeout(beat, options.heartbeatMs);
  };
  schedule();
  return () => {
    stopped = true;
    if (timer !== undefined) timers.clearTimeout(timer);
  };
}

/**
 * The click's "started" notice (the Slack redraw to "Applying…") is best effort: an error is logged and a
 * notice still going after `timeoutMs` is left to finish on its own, so the fix runs either way.
 */
export async function notifyStarted(
  onStarted: ((request: RemediationRequest) => Promise<void>) | undefined,
  request: RemediationRequest,
  timeoutMs: number,
  logger?: Pick<Logger, "warn">,
): Promise<void> {
  if (!onStarted) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => onStarted(request)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the started notice took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
        timer.unref();
      }),
    ]);
  } catch (error) {
    logger?.warn(
      { err: error, requestId: request.id },
      "could not show that the fix started; running it anyway",
    );
  } finally {
    clearTimeout(timer);
  }
}

export const NOT_STARTED_ERROR =
  "The app stopped before this fix started; nothing was changed. Ask for the fix again.";

/**
 * The recovery sweep: fixes whose lease ran out before `now` are marked cut off — applying/reverting →
 * interrupted, approved → failed (nothing ran) — and put in the announcement outbox. Returns them.
 */
export async function recoverCutOffFixes(
  store: Pick<Store, "markInterrupted" | "failUnstartedRequests">,
  now: Date,
  leaseMs: number,
): Promise<RemediationRequest[]> {
  const updatedBefore = new Date(now.getTime() - leaseMs).toISOString();
  const interrupted = await store.markInterrupted({ updatedBefore });
  const unstarted = await store.failUnstartedRequests({
    updatedBefore,
    result: { phase: "apply", outcome: "refused", stepsDone: [], error: NOT_STARTED_ERROR },
  });
  return [...interrupted, ...unstarted];
}

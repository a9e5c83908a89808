/**
 * Drops a delivery that was already received. Slack retries an event (with `x-slack-retry-num`) when it did
 * not see our 200 in time; a slash command or click can be replayed by anyone holding a copy within the
 * signature's five minutes. Processing either twice would start a second scan or post twice.
 *
 * Deliveries are recognised by their own identity (`event_id`, `trigger_id`), not by the retry header: a
 * retry whose first delivery never reached us (during a restart) must still be processed, and a replay
 * without the header must not be. Memory with a TTL answers repeats to the same instance at once; several
 * instances behind a balancer also claim each key in the shared database (`claim`), so a retry that lands
 * on another replica is still dropped.
 */
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";

const DEDUPE_TTL_MS = 15 * 60 * 1000;

/** The identity of a delivery: `event:Ev…` or `trigger:…`; undefined when it has none. */
export function deliveryKey(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as {
    event_id?: unknown;
    trigger_id?: unknown;
    type?: unknown;
    view?: { id?: unknown; hash?: unknown };
  };
  if (typeof b.event_id === "string") return `event:${b.event_id}`;
  if (typeof b.trigger_id === "string") return `trigger:${b.trigger_id}`;
  return undefined;
}

export interface DeliveryDedupe {
  /** Records the key; true when it had been seen (here within the TTL, or by any replica). */
  seen(key: string): Promise<boolean>;
}

/** Claims a delivery key across replicas: true for the one instance that claims it first. */
export type DeliveryClaim = (key: string) => Promise<boolean>;

export function createDeliveryDedupe(
  options: {
    ttlMs?: number;
    now?: () => number;
    claim?: DeliveryClaim;
    onClaimError?: (error: unknown) => void;
  } = {},
): DeliveryDedupe {
  const ttl = options.ttlMs ?? DEDUPE_TTL_MS;
  const now = options.now ?? Date.now;
  const seenAt = new Map<string, number>();
  return {
    async seen(key) {
      const t = now();
      // Map keeps insertion order, so expired keys are at the front.
      for (const [k, at] of seenAt) {
        if (t - at < ttl) break;
        seenAt.delete(k);
      }
      if (seenAt.has(key)) return true;
      seenAt.set(key, t);
      if (!options.claim) return false;
      try {
        return !(await options.claim(key));
      } catch (error) {
        // The database is unreachable: handling a delivery twice (scans join, approvals are compare-and-set)
        // is safer than dropping a person's command.
        options.onClaimError?.(error);
        return false;
      }
    },
  };
}

/** Global middleware: acknowledges a duplicate (so Slack stops retrying) and stops it there. */
export function dedupeMiddleware(
  dedupe: DeliveryDedupe,
  onDuplicate: (key: string, retryNum: number | undefined) => void,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = deliveryKey(args.body);
    if (key !== undefined && (await dedupe.seen(key))) {
      if ("ack" in args && typeof args.ack === "function") await (args.ack as () => Promise<void>)();
      onDuplicate(key, args.context.retryNum);
      return;
    }
    await args.next();
  };
}

/**
 * Who is in a Slack user group, read with `usergroups.users.list` at a bounded cost (used by authorize.ts).
 *
 * - One read per group at a time: concurrent requests share the read under way (single-flight).
 * - The member list of the last successful read is kept for `ttlMs` (60 s). What only shows something
 *   (`cached`) is answered from it.
 * - A decision (`fresh`) that would let someone through is always confirmed by a read (one already under
 *   way, at most `timeoutMs` old, is shared), so a person removed from a group decides nothing from then
 *   on. A decision that refuses is answered from the list, without a read, when a decision's read of the
 *   last `ttlMs` found the person outside the group and the list before that read did not have them
 *   either (or there was none): the same person clicking again and again costs one read per `ttlMs`.
 *   Otherwise it re-reads (someone just added), at most `recheckBudget` such re-reads per group per
 *   `ttlMs`; past that the list (under `ttlMs` old) refuses. So someone just added to a group may be
 *   refused for up to `ttlMs`; nobody is let through by the list.
 * - When Slack answers 429 (an error with `retryAfter` seconds), no read is made until that time has passed
 *   (at most `maxCooldownMs`): a decision that needs a read is refused as a failed lookup meanwhile.
 * - A read that fails or takes over `timeoutMs` rejects; it is never remembered, and the next request reads
 *   again. Only successful reads change the list.
 */

/** How long a group's member list is used, and how long a person found outside it is refused from it. */
export const MEMBERSHIP_TTL_MS = 60_000;
/** Reads made because a person the list shows outside a group asks again, per group per TTL. */
export const RECHECK_BUDGET = 10;
/** The longest wait after a 429 that is honoured (Slack's `Retry-After` is usually much shorter). */
export const MAX_COOLDOWN_MS = 60_000;

export type MembershipMode = "fresh" | "cached";

export interface GroupMembershipOptions {
  /** `usergroups.users.list` for one group: its member ids. */
  list(groupId: string): Promise<string[]>;
  now: () => number;
  timeoutMs: number;
  ttlMs?: number;
  recheckBudget?: number;
  maxCooldownMs?: number;
}

export interface GroupMembership {
  /** Whether `userId` is in `groupId`. Rejects when Slack cannot be read and the answer needs a read. */
  isMember(groupId: string, userId: string, mode: MembershipMode): Promise<boolean>;
}

interface GroupState {
  /** The members found by the last successful read, and when that read started. */
  members?: ReadonlySet<string>;
  readAt: number;
  inflight?: Promise<ReadonlySet<string>> | undefined;
  /** People the last reads found outside the group, and when. */
  settledOutside: Map<string, number>;
  /** When the re-reads for people the list showed outside started (within the last TTL). */
  rechecks: number[];
}

/** Slack's rate-limit error (`WebAPIRateLimitedError`, with `rejectRateLimitedCalls`) says how long to wait. */
export function retryAfterMs(error: unknown): number | undefined {
  const seconds = (error as { retryAfter?: unknown } | null)?.retryAfter;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createGroupMembership(options: GroupMembershipOptions): GroupMembership {
  const { now, timeoutMs } = options;
  const ttl = options.ttlMs ?? MEMBERSHIP_TTL_MS;
  const budget = options.recheckBudget ?? RECHECK_BUDGET;
  const maxCooldown = options.maxCooldownMs ?? MAX_COOLDOWN_MS;
  const groups = new Map<string, GroupState>();
  /** Slack rate-limits per method, so one 429 holds back the reads of every group. */
  let blockedUntil = Number.NEGATIVE_INFINITY;

  function stateOf(groupId: string): GroupState {
    let state = groups.get(groupId);
    if (!state) {
      state = { readAt: Number.NEGATIVE_INFINITY, settledOutside: new Map(), rechecks: [] };
      groups.set(groupId, state);
    }
    return state;
  }

  function read(groupId: string, state: GroupState): Promise<ReadonlySet<string>> {
    if (state.inflight) return state.inflight;
    const startedAt = now();
    if (startedAt < blockedUntil) {
      const seconds = Math.ceil((blockedUntil - startedAt) / 1000);
      return Promise.reject(
        new Error(`Slack rate-limited usergroups.users.list; not asking again for ${seconds} s`),
      );
    }
    const promise = withTimeout(options.list(groupId), timeoutMs, `user group ${groupId}`)
      .then(
        (ids) => {
          const members: ReadonlySet<string> = new Set(ids);
          if (startedAt >= state.readAt) {
            state.members = members;
            state.readAt = startedAt;
          }
          return members;
        },
        (error: unknown) => {
          const wait = retryAfterMs(error);
          if (wait !== undefined) blockedUntil = Math.max(blockedUntil, now() + Math.min(wait, maxCooldown));
          throw error;
        },
      )
      .finally(() => {
        if (state.inflight === promise) state.inflight = undefined;
      });
    state.inflight = promise;
    return promise;
  }

  function settle(state: GroupState, userId: string, at: number): void {
    for (const [user, when] of state.settledOutside) {
      if (at - when >= ttl) state.settledOutside.delete(user);
    }
    state.settledOutside.set(userId, at);
  }

  return {
    async isMember(groupId, userId, mode) {
      const state = stateOf(groupId);
      const t = now();
      const current = state.members && t - state.readAt < ttl ? state.members : undefined;
      if (current && (mode === "cached" || !current.has(userId))) {
        if (mode === "cached") return current.has(userId);
        const settledAt = state.settledOutside.get(userId);
        if (settledAt !== undefined && t - settledAt < ttl) return false;
        if (!state.inflight) {
          state.rechecks = state.rechecks.filter((at) => t - at < ttl);
          if (state.rechecks.length >= budget) return false;
          if (t >= blockedUntil) state.rechecks.push(t);
        }
      }
      // Inside per the last list (of any age), the person may just have been removed: no settling yet.
      const wasInside = state.members?.has(userId) ?? false;
      const members = await read(groupId, state);
      const inside = members.has(userId);
      if (!inside && !wasInside && mode === "fresh") settle(state, userId, now());
      return inside;
    },
  };
}

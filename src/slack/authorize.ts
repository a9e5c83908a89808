/**
 * Who may start scans (and suppress findings), and where: `slack.scanChannels`, `slack.scanners.users` and
 * `slack.scanners.usergroups` from the config; an empty list means anyone or anywhere. User group members are
 * read with `usergroups.users.list` and cached for a few minutes.
 */
import type { Config } from "../config/schema.js";
import { mentionChannel } from "./mrkdwn.js";
import type { AuthorizationResult, Authorizer } from "./ports.js";

const USERGROUP_CACHE_TTL_MS = 5 * 60 * 1000;

export interface AuthorizerOptions {
  slack: Pick<Config["slack"], "scanChannels" | "scanners">;
  /** `usergroups.users.list` for one group: its member ids. */
  listUsergroupMembers(usergroupId: string): Promise<string[]>;
  now?: () => number;
  ttlMs?: number;
  onLookupError?: (usergroupId: string, error: unknown) => void;
}

export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { scanChannels, scanners } = options.slack;
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? USERGROUP_CACHE_TTL_MS;
  const cache = new Map<string, { members: Promise<Set<string>>; expiresAt: number }>();

  function members(groupId: string): Promise<Set<string>> {
    const hit = cache.get(groupId);
    if (hit && hit.expiresAt > now()) return hit.members;
    const fetched = options.listUsergroupMembers(groupId).then((ids) => new Set(ids));
    cache.set(groupId, { members: fetched, expiresAt: now() + ttl });
    // A failed lookup is not cached: the next click tries again.
    fetched.catch(() => cache.delete(groupId));
    return fetched;
  }

  async function isScanner(userId: string): Promise<AuthorizationResult> {
    if (scanners.users.length === 0 && scanners.usergroups.length === 0) return { ok: true };
    if (scanners.users.includes(userId)) return { ok: true };
    let lookupFailed = false;
    for (const group of scanners.usergroups) {
      try {
        if ((await members(group)).has(userId)) return { ok: true };
      } catch (error) {
        lookupFailed = true;
        options.onLookupError?.(group, error);
      }
    }
    return {
      ok: false,
      reason: lookupFailed
        ? "You are not allowed to do this: the allowed user groups could not be read just now. Try again in a minute."
        : "You are not allowed to do this. Ask an administrator to add you to `slack.scanners` in the configuration.",
    };
  }

  return {
    async canScan(userId: string, channelId: string): Promise<AuthorizationResult> {
      if (scanChannels.length > 0 && !scanChannels.includes(channelId)) {
        return {
          ok: false,
          reason: `Scans can be started only in ${scanChannels.map(mentionChannel).join(", ")}.`,
        };
      }
      return isScanner(userId);
    },
    canSuppress: isScanner,
  };
}

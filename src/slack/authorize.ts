/**
 * Who may start scans (and suppress findings), and where: `slack.scanChannels`, `slack.scanners.users` and
 * `slack.scanners.usergroups` from the config; an empty list means anyone or anywhere. Who may approve fixes:
 * `slack.approvers`, where an empty list means nobody, and only from the app's own workspace. User group
 * members are read with `usergroups.users.list` and cached for a few minutes.
 */
import type { Config } from "../config/schema.js";
import { mentionChannel } from "./mrkdwn.js";
import type { AuthorizationResult, Authorizer } from "./ports.js";

const USERGROUP_CACHE_TTL_MS = 5 * 60 * 1000;

export interface AuthorizerOptions {
  slack: Pick<Config["slack"], "scanChannels" | "scanners"> &
    Partial<Pick<Config["slack"], "approvers" | "teamId">>;
  /** `usergroups.users.list` for one group: its member ids. */
  listUsergroupMembers(usergroupId: string): Promise<string[]>;
  /** The workspace the app is installed in (`auth.test`), when `slack.teamId` is not configured. */
  installedTeamId?(): Promise<string | undefined>;
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

  async function isMember(
    userId: string,
    list: { users: readonly string[]; usergroups: readonly string[] },
  ): Promise<{ member: boolean; lookupFailed: boolean }> {
    if (list.users.includes(userId)) return { member: true, lookupFailed: false };
    let lookupFailed = false;
    for (const group of list.usergroups) {
      try {
        if ((await members(group)).has(userId)) return { member: true, lookupFailed: false };
      } catch (error) {
        lookupFailed = true;
        options.onLookupError?.(group, error);
      }
    }
    return { member: false, lookupFailed };
  }

  let installedTeam: Promise<string | undefined> | undefined;
  function homeTeam(): Promise<string | undefined> {
    if (options.slack.teamId) return Promise.resolve(options.slack.teamId);
    if (!options.installedTeamId) return Promise.resolve(undefined);
    if (installedTeam) return installedTeam;
    const pending = options.installedTeamId();
    installedTeam = pending;
    // A failed auth.test is not remembered: the next click asks again.
    pending.catch(() => {
      if (installedTeam === pending) installedTeam = undefined;
    });
    return pending;
  }

  async function canApprove(userId: string, teamId: string | undefined): Promise<AuthorizationResult> {
    let home: string | undefined;
    try {
      home = await homeTeam();
    } catch {
      home = undefined;
    }
    if (home === undefined) {
      return {
        ok: false,
        reason:
          "The app's workspace could not be confirmed just now, so no fix can be approved. Try again in a minute, or set `slack.teamId`.",
      };
    }
    if (teamId !== home) {
      return { ok: false, reason: "Fixes can be approved only from the workspace the app is installed in." };
    }
    const approvers = options.slack.approvers ?? { users: [], usergroups: [] };
    if (approvers.users.length === 0 && approvers.usergroups.length === 0) {
      return {
        ok: false,
        reason:
          "Nobody can approve fixes yet: `slack.approvers` is empty in the configuration. Ask an administrator to list the approvers' user ids or user groups.",
      };
    }
    const { member, lookupFailed } = await isMember(userId, approvers);
    if (member) return { ok: true };
    return {
      ok: false,
      reason: lookupFailed
        ? "You are not allowed to approve fixes: the approvers' user groups could not be read just now. Try again in a minute."
        : "You are not an approver. Ask an administrator to add you to `slack.approvers` in the configuration.",
    };
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
    canApprove,
  };
}

/**
 * Applies the policy (policy.ts) to one request: the workspace (`slack.teamId`, else the installing team;
 * the Enterprise Grid organization too when there is one), the channel (`slack.scanChannels`) and the role.
 * User group members are read with `usergroups.users.list` through group-membership.ts: a decision that lets
 * someone through is confirmed by a read of the group, what only shows something uses a one-minute cache,
 * and a person a read has just found outside a group is refused from that cache (a flood of clicks costs no
 * reads). A lookup that fails or hangs refuses.
 */
import type { Config } from "../config/schema.js";
import { createGroupMembership, withTimeout } from "./group-membership.js";
import { mentionChannel } from "./mrkdwn.js";
import {
  effectiveRoles,
  type Grant,
  grantIsEmpty,
  type ListenerPolicy,
  listenerPolicy,
  type Role,
} from "./policy.js";
import type { Principal } from "./principal.js";

/** How long a group's member list is used for views, and to refuse someone a read has found outside it. */
export { MEMBERSHIP_TTL_MS } from "./group-membership.js";
/** A membership or workspace lookup that takes longer refuses: the request must still be acknowledged. */
export const LOOKUP_TIMEOUT_MS = 2_000;

export type RefusalCode = "no-policy" | "no-user" | "workspace" | "channel" | "role" | "lookup-failed";

export type Verdict =
  | { ok: true; key: string; principal: Principal; policy: ListenerPolicy }
  | {
      ok: false;
      key: string;
      code: RefusalCode;
      /** The role that was needed, for the message and the audit entry. */
      role?: Role;
      /** One or two sentences for the person, in our own words (mrkdwn). */
      reason: string;
    };

export interface Home {
  teamId: string;
  enterpriseId?: string;
}

export interface Authorizer {
  /** Checks one request against the policy entry `key`. Never throws. */
  check(key: string, principal: Principal | undefined): Promise<Verdict>;
  /** Whether the user holds a role (for what a view shows, e.g. App Home's approvals). */
  hasRole(userId: string, role: Role, membership: "fresh" | "cached"): Promise<boolean>;
}

export interface AuthorizerOptions {
  slack: Pick<
    Config["slack"],
    "scanChannels" | "viewers" | "scanners" | "requesters" | "approvers" | "teamId" | "enterpriseId"
  >;
  /** `usergroups.users.list` for one group: its member ids. */
  listUsergroupMembers(usergroupId: string): Promise<string[]>;
  /** The workspace (and Grid organization) the app is installed in (`auth.test`). */
  installation?(): Promise<{ teamId?: string; enterpriseId?: string }>;
  now?: () => number;
  membershipTtlMs?: number;
  lookupTimeoutMs?: number;
  onLookupError?: (what: string, error: unknown) => void;
}

const ROLE_HINT: Record<Role, string> = {
  viewers: "`slack.viewers`",
  scanners: "`slack.scanners`",
  requesters: "`slack.requesters`",
  approvers: "`slack.approvers`",
};

export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { slack } = options;
  const roles = effectiveRoles(slack);
  const now = options.now ?? Date.now;
  const timeoutMs = options.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS;
  const membership = createGroupMembership({
    list: (groupId) => options.listUsergroupMembers(groupId),
    now,
    timeoutMs,
    ...(options.membershipTtlMs !== undefined ? { ttlMs: options.membershipTtlMs } : {}),
  });

  async function holds(
    userId: string,
    grant: Grant,
    mode: "fresh" | "cached",
  ): Promise<{ member: boolean; lookupFailed: boolean }> {
    if (grant.everyone || grant.users.has(userId)) return { member: true, lookupFailed: false };
    let lookupFailed = false;
    for (const group of grant.usergroups) {
      try {
        if (await membership.isMember(group, userId, mode)) return { member: true, lookupFailed: false };
      } catch (error) {
        lookupFailed = true;
        options.onLookupError?.(`usergroup ${group}`, error);
      }
    }
    return { member: false, lookupFailed };
  }

  let installed: Promise<Home | undefined> | undefined;
  function home(): Promise<Home | undefined> {
    if (slack.teamId) {
      return Promise.resolve({
        teamId: slack.teamId,
        ...(slack.enterpriseId ? { enterpriseId: slack.enterpriseId } : {}),
      });
    }
    if (!options.installation) return Promise.resolve(undefined);
    if (installed) return installed;
    const pending = withTimeout(options.installation(), timeoutMs, "auth.test").then((found) =>
      found.teamId
        ? {
            teamId: found.teamId,
            ...((slack.enterpriseId ?? found.enterpriseId)
              ? { enterpriseId: slack.enterpriseId ?? found.enterpriseId }
              : {}),
          }
        : undefined,
    );
    installed = pending;
    // Only a confirmed workspace is remembered: a failed auth.test is asked again on the next request.
    pending.then(
      (value) => {
        if (value === undefined && installed === pending) installed = undefined;
      },
      (error: unknown) => {
        options.onLookupError?.("auth.test", error);
        if (installed === pending) installed = undefined;
      },
    );
    return pending;
  }

  async function workspaceProblem(principal: Principal): Promise<string | undefined> {
    let mine: Home | undefined;
    try {
      mine = await home();
    } catch {
      mine = undefined;
    }
    if (!mine) {
      return "The app's own workspace could not be confirmed just now, so nothing is done. Try again in a minute, or set `slack.teamId`.";
    }
    const foreign = "This app answers only the workspace it is installed in.";
    if (principal.teamId !== mine.teamId) return foreign;
    // A user of another workspace in a shared channel clicks with our team id and their own.
    if (principal.userTeamId !== undefined && principal.userTeamId !== principal.teamId) return foreign;
    if ((principal.enterpriseId ?? undefined) !== (mine.enterpriseId ?? undefined)) return foreign;
    return undefined;
  }

  function refuseRole(key: string, role: Role, policy: ListenerPolicy, lookupFailed: boolean): Verdict {
    if (lookupFailed) {
      return {
        ok: false,
        key,
        code: "lookup-failed",
        role,
        reason: `You need the *${role}* role to ${policy.does}, and the user groups that grant it could not be read just now. Try again in a minute.`,
      };
    }
    const nobody = grantIsEmpty(roles[role]);
    return {
      ok: false,
      key,
      code: "role",
      role,
      reason: nobody
        ? `You need the *${role}* role to ${policy.does}, and nobody has it yet: ${ROLE_HINT[role]} is empty in the configuration.`
        : `You need the *${role}* role to ${policy.does}. Ask an administrator to add you to ${ROLE_HINT[role]}.`,
    };
  }

  return {
    async check(key, principal) {
      const policy = listenerPolicy(key);
      if (!policy) {
        return { ok: false, key, code: "no-policy", reason: "This action is not known to the app." };
      }
      if (!principal) {
        return { ok: false, key, code: "no-user", reason: "The request does not say who sent it." };
      }
      const foreign = await workspaceProblem(principal);
      if (foreign) return { ok: false, key, code: "workspace", reason: foreign };
      if (policy.channels === "scan" && slack.scanChannels.length > 0) {
        if (!principal.channelId || !slack.scanChannels.includes(principal.channelId)) {
          return {
            ok: false,
            key,
            code: "channel",
            reason: `This can be done only in ${slack.scanChannels.map(mentionChannel).join(", ")} (\`slack.scanChannels\`).`,
          };
        }
      }
      if (policy.role === "none") return { ok: true, key, principal, policy };
      const { member, lookupFailed } = await holds(principal.userId, roles[policy.role], policy.membership);
      if (member) return { ok: true, key, principal, policy };
      return refuseRole(key, policy.role, policy, lookupFailed);
    },
    async hasRole(userId, role, membership) {
      return (await holds(userId, roles[role], membership)).member;
    },
  };
}

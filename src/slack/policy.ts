/**
 * The Slack app's authorization policy, as data: the roles, who holds them by default, and for every entry
 * point (each subcommand, button, modal submission, event and background job) the role it needs, whether
 * it is bound to `slack.scanChannels`, and whether group membership must be read fresh. The guard
 * (guard.ts) applies it to every request before a listener runs; the README's table is this one.
 */
import type { Config } from "../config/schema.js";
import type { SlashCommand } from "./command-parser.js";
import { ACTION_IDS, type FindingActionKind } from "./ids.js";

export const ROLES = ["viewers", "scanners", "requesters", "approvers"] as const;
export type Role = (typeof ROLES)[number];

export interface ListenerPolicy {
  /** The role the user needs; `none`: anyone in the app's own workspace (help, usage). */
  role: Role | "none";
  /** What the person is trying to do, completing "You need the … role to …". */
  does: string;
  /** Output that lands in a channel: only in `slack.scanChannels` when that list is set. */
  channels?: "scan";
  /**
   * `fresh`: a grant is confirmed by a read of the user group for this request (one read under way is
   * shared), while a refusal may come from a member list under a minute old (decisions that change
   * something); `cached`: a membership read in the last minute will do (what only shows something).
   */
  membership: "fresh" | "cached";
}

/**
 * A background job: no user asks; it posts only in the approvals channel, or where a request was made (the
 * channel a scan was asked for in, the digest channels for scheduled scans).
 */
export interface JobPolicy {
  role: "system";
  does: string;
  postsTo: "approvalsChannel" | "requestingChannel";
}

const FIX_OPEN: ListenerPolicy = { role: "requesters", does: "request fixes", membership: "cached" };
const SUPPRESS_OPEN: ListenerPolicy = {
  role: "requesters",
  does: "suppress findings",
  membership: "cached",
};
const DETAILS: ListenerPolicy = { role: "viewers", does: "see findings", membership: "cached" };
const DECIDE_FIX: ListenerPolicy = {
  role: "approvers",
  does: "approve, reject, retry or revert fixes",
  membership: "fresh",
};
const DECIDE_SUPPRESSION: ListenerPolicy = {
  role: "approvers",
  does: "approve or reject suppressions",
  membership: "fresh",
};

/** The menu on compact finding rows does what the buttons do: `action:finding:menu/<kind>`. */
export function menuListenerKey(kind: FindingActionKind): string {
  return `action:${ACTION_IDS.findingMenu}/${kind}`;
}

export const LISTENER_POLICY = {
  "command:help": { role: "none", does: "read the help", membership: "cached" },
  "command:usage": { role: "none", does: "use the command", membership: "cached" },
  "command:status": {
    role: "viewers",
    does: "see scans and findings",
    channels: "scan",
    membership: "cached",
  },
  "command:findings": { role: "viewers", does: "see findings", channels: "scan", membership: "cached" },
  "command:scan": { role: "scanners", does: "start scans", channels: "scan", membership: "cached" },
  "command:digest": { role: "scanners", does: "post the digest", channels: "scan", membership: "cached" },
  "action:finding:fix": FIX_OPEN,
  "action:finding:suppress": SUPPRESS_OPEN,
  "action:finding:details": DETAILS,
  "action:finding:menu/fix": FIX_OPEN,
  "action:finding:menu/suppress": SUPPRESS_OPEN,
  "action:finding:menu/details": DETAILS,
  "action:home:refresh": { role: "viewers", does: "see findings", membership: "cached" },
  "action:fix:choice": FIX_OPEN,
  "action:request:approve": DECIDE_FIX,
  "action:request:reject": DECIDE_FIX,
  "action:request:retry": DECIDE_FIX,
  "action:request:revert": DECIDE_FIX,
  "action:suppression:approve": DECIDE_SUPPRESSION,
  "action:suppression:reject": DECIDE_SUPPRESSION,
  "view:finding:fix:modal": { role: "requesters", does: "request fixes", membership: "fresh" },
  "view:request:reject:modal": DECIDE_FIX,
  "view:finding:suppress:modal": { role: "requesters", does: "suppress findings", membership: "fresh" },
  "event:app_home_opened": { role: "viewers", does: "see findings", membership: "cached" },
} as const satisfies Record<string, ListenerPolicy>;

export type ListenerKey = keyof typeof LISTENER_POLICY;

/** Every subcommand (and a command that does not parse) has its entry: a new kind fails the typecheck. */
export const COMMAND_KEYS: Record<SlashCommand["kind"] | "usage", ListenerKey> = {
  help: "command:help",
  usage: "command:usage",
  status: "command:status",
  findings: "command:findings",
  scan: "command:scan",
  digest: "command:digest",
};

export const JOB_POLICY = {
  "job:requests:sweep": {
    role: "system",
    does: "expire fix and suppression requests past their time and redraw their messages",
    postsTo: "approvalsChannel",
  },
  "job:requests:interrupted": {
    role: "system",
    does: "mark fixes whose process stopped and announce them",
    postsTo: "approvalsChannel",
  },
  "job:suppressions:announce": {
    role: "system",
    does: "announce every suppression made or lifted (Slack, CLI, expiry)",
    postsTo: "approvalsChannel",
  },
  "job:scans:interrupted": {
    role: "system",
    does: "mark scans whose process stopped as interrupted and announce them where they were asked for",
    postsTo: "requestingChannel",
  },
} as const satisfies Record<string, JobPolicy>;

export type JobKey = keyof typeof JOB_POLICY;

export function listenerPolicy(key: string): ListenerPolicy | undefined {
  return Object.hasOwn(LISTENER_POLICY, key) ? LISTENER_POLICY[key as ListenerKey] : undefined;
}

/** Who holds a role once defaults are applied: named users, user groups, or the whole workspace. */
export interface Grant {
  everyone: boolean;
  users: ReadonlySet<string>;
  usergroups: ReadonlySet<string>;
}

type RoleConfig = { users: readonly string[]; usergroups: readonly string[]; everyone?: boolean };

function isEmpty(role: RoleConfig): boolean {
  return !role.everyone && role.users.length === 0 && role.usergroups.length === 0;
}

function grantOf(...roles: RoleConfig[]): Grant {
  return {
    everyone: roles.some((r) => r.everyone === true),
    users: new Set(roles.flatMap((r) => r.users)),
    usergroups: new Set(roles.flatMap((r) => r.usergroups)),
  };
}

function asConfig(grant: Grant): RoleConfig {
  return { everyone: grant.everyone, users: [...grant.users], usergroups: [...grant.usergroups] };
}

/**
 * The roles with their defaults applied. Secure by default: a role left empty never means "anyone".
 * - `approvers`: the listed people; empty means nobody can approve.
 * - `requesters`: empty means the approvers (with four-eyes on, another approver must approve).
 * - `scanners`: empty means the requesters (after their default).
 * - `viewers`: empty means everyone who holds another role (scanners ∪ requesters ∪ approvers).
 * `everyone: true` opens a role (not `approvers`) to the whole workspace, explicitly.
 */
export function effectiveRoles(
  slack: Pick<Config["slack"], "viewers" | "scanners" | "requesters" | "approvers">,
): Record<Role, Grant> {
  const approvers = grantOf(slack.approvers);
  const requesters = isEmpty(slack.requesters) ? approvers : grantOf(slack.requesters);
  const scanners = isEmpty(slack.scanners) ? requesters : grantOf(slack.scanners);
  const viewers = isEmpty(slack.viewers)
    ? grantOf(asConfig(scanners), asConfig(requesters), asConfig(approvers))
    : grantOf(slack.viewers);
  return { viewers, scanners, requesters, approvers };
}

export function grantIsEmpty(grant: Grant): boolean {
  return !grant.everyone && grant.users.size === 0 && grant.usergroups.size === 0;
}

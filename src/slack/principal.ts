/**
 * Who sent a request, from where, and which entry point of the policy it targets, read from the signed
 * body alone (never from button values or modal metadata, which only carry opaque ids). Pure.
 */
import { z } from "zod";
import type { Config } from "../config/schema.js";
import { parseCommand } from "./command-parser.js";
import { ACTION_IDS, FINDING_ACTION_KINDS } from "./ids.js";
import { COMMAND_KEYS, menuListenerKey } from "./policy.js";

export interface Principal {
  userId: string;
  /** The workspace the request came from (`team.id`, `team_id`). */
  teamId?: string;
  /** The user's own workspace, when the payload says (shared channels, Enterprise Grid). */
  userTeamId?: string;
  /** The Enterprise Grid organization, when there is one. */
  enterpriseId?: string;
  /** The channel the request came from (slash commands, message buttons). */
  channelId?: string;
}

export type RequestSurface = "command" | "action" | "view" | "event" | "other";

export interface IncomingRequest {
  /** The policy entry point, e.g. `command:scan`, `action:request:approve`; `other:…` when unknown. */
  key: string;
  surface: RequestSurface;
  principal: Principal | undefined;
  /** The object acted on, when the payload names one (a request id, a finding ref): the audit target. */
  target?: string;
}

const id = z.string().min(1).max(64);
const maybeId = z.string().max(64).nullish();
const commandSchema = z.object({
  command: z.string(),
  text: z.string().default(""),
  user_id: id,
  team_id: maybeId,
  enterprise_id: maybeId,
  channel_id: maybeId,
});
const interactionSchema = z.object({
  type: z.enum(["block_actions", "view_submission"]),
  user: z.object({ id, team_id: maybeId }),
  team: z.object({ id: maybeId }).nullish(),
  enterprise: z.object({ id: maybeId }).nullish(),
  channel: z.object({ id: maybeId }).nullish(),
  container: z.object({ channel_id: maybeId }).passthrough().nullish(),
  actions: z
    .array(
      z
        .object({
          action_id: z.string(),
          value: z.string().optional(),
          selected_option: z.object({ value: z.string() }).passthrough().nullish(),
        })
        .passthrough(),
    )
    .optional(),
  view: z.object({ callback_id: z.string().optional() }).passthrough().nullish(),
});
const eventSchema = z.object({
  type: z.literal("event_callback"),
  team_id: maybeId,
  enterprise_id: maybeId,
  event: z.object({ type: z.string(), user: id.optional() }).passthrough(),
});

function principal(fields: {
  userId: string;
  teamId?: string | null | undefined;
  userTeamId?: string | null | undefined;
  enterpriseId?: string | null | undefined;
  channelId?: string | null | undefined;
}): Principal {
  const p: Principal = { userId: fields.userId };
  if (fields.teamId) p.teamId = fields.teamId;
  if (fields.userTeamId) p.userTeamId = fields.userTeamId;
  if (fields.enterpriseId) p.enterpriseId = fields.enterpriseId;
  if (fields.channelId) p.channelId = fields.channelId;
  return p;
}

/** `action:finding:fix`, or for the compact rows' menu `action:finding:menu/fix`, from the one action. */
function actionKey(action: { action_id: string; selected_option?: { value: string } | null | undefined }): {
  key: string;
  target?: string;
} {
  if (action.action_id === ACTION_IDS.findingMenu) {
    const [kind, ref] = (action.selected_option?.value ?? "").split(":");
    const known = FINDING_ACTION_KINDS.find((k) => k === kind);
    return known
      ? { key: menuListenerKey(known), ...(ref ? { target: ref } : {}) }
      : { key: `action:${ACTION_IDS.findingMenu}/?` };
  }
  return { key: `action:${action.action_id}` };
}

/** Reads the policy key, the principal and the target of any request Bolt hands to middleware. */
export function readIncoming(body: unknown, config: Pick<Config, "accounts">): IncomingRequest {
  const command = commandSchema.safeParse(body);
  if (command.success) {
    const c = command.data;
    const parsed = parseCommand(c.text, config);
    const key: string = COMMAND_KEYS[parsed.ok ? parsed.command.kind : "usage"];
    return {
      key,
      surface: "command",
      principal: principal({
        userId: c.user_id,
        teamId: c.team_id,
        enterpriseId: c.enterprise_id,
        channelId: c.channel_id,
      }),
    };
  }
  const interaction = interactionSchema.safeParse(body);
  if (interaction.success) {
    const i = interaction.data;
    const who = principal({
      userId: i.user.id,
      teamId: i.team?.id,
      userTeamId: i.user.team_id,
      enterpriseId: i.enterprise?.id,
      channelId: i.channel?.id ?? i.container?.channel_id,
    });
    if (i.type === "view_submission") {
      return { key: `view:${i.view?.callback_id ?? "?"}`, surface: "view", principal: who };
    }
    const actions = i.actions ?? [];
    const [first] = actions;
    if (!first || actions.length !== 1) return { key: "action:?", surface: "action", principal: who };
    const { key, target } = actionKey(first);
    const value = target ?? first.value;
    return {
      key,
      surface: "action",
      principal: who,
      ...(value && /^[A-Za-z0-9_:-]{1,64}$/.test(value) ? { target: value } : {}),
    };
  }
  const event = eventSchema.safeParse(body);
  if (event.success) {
    const e = event.data;
    return {
      key: `event:${e.event.type}`,
      surface: "event",
      principal: e.event.user
        ? principal({ userId: e.event.user, teamId: e.team_id, enterpriseId: e.enterprise_id })
        : undefined,
    };
  }
  const type = (body as { type?: unknown } | null)?.type;
  return {
    key: `other:${typeof type === "string" ? type.slice(0, 40) : "?"}`,
    surface: "other",
    principal: undefined,
  };
}

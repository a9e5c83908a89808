/**
 * Who sent a request, from where, and which entry point of the policy it targets, read from the signed
 * body alone (never from button values or modal metadata, which only carry opaque ids). Pure.
 */
import { z } from "zod";
import type { Config } from "../config/schema.js";
import { parseCommand } from "./command-parser.js";
import { ACTION_IDS, FINDING_ACTION_KINDS, FINDING_BUTTON_PATTERN, type FindingActionKind } from "./ids.js";
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

/** One action of a click, as far as the policy reads it. */
interface ActionFields {
  action_id: string;
  type?: unknown;
  value?: unknown;
  selected_option?: { value: string } | null | undefined;
}

/** What a finding button or a compact row's menu option asks for; see findingActionOf. */
export interface FindingActionRead {
  kind: FindingActionKind;
  /** The policy entry: `action:finding:fix`, or for the menu `action:finding:menu/fix`. */
  key: string;
  /** The finding ref the action carries (not yet checked against the ref pattern). */
  ref: string | undefined;
}

/**
 * Which finding action a click asks for, read the one way both the guard (its policy key) and the finding
 * listener (what it opens) read it: a finding button (`finding:fix|suppress|details`) must be a `button` and
 * is read by its action id only; the menu (`finding:menu`) is an `overflow` and is read by the option
 * selected only. Undefined for anything else (a button id sent as an overflow, a menu option of no kind),
 * so the guard refuses it as an unknown entry point and the listener opens nothing.
 */
export function findingActionOf(action: ActionFields): FindingActionRead | undefined {
  if (action.action_id === ACTION_IDS.findingMenu) {
    // A real overflow always says its type; only a click that names another type is refused here.
    if (action.type !== undefined && action.type !== "overflow") return undefined;
    const value = action.selected_option?.value;
    if (typeof value !== "string") return undefined;
    const [kindText, ref] = value.split(":");
    const kind = FINDING_ACTION_KINDS.find((k) => k === kindText);
    return kind ? { kind, key: menuListenerKey(kind), ref } : undefined;
  }
  const kind = FINDING_ACTION_KINDS.find((k) => k === FINDING_BUTTON_PATTERN.exec(action.action_id)?.[1]);
  if (!kind || action.type !== "button") return undefined;
  return {
    kind,
    key: `action:${action.action_id}`,
    ref: typeof action.value === "string" ? action.value : undefined,
  };
}

/** `action:finding:fix`, or for the compact rows' menu `action:finding:menu/fix`, from the one action. */
function actionKey(action: ActionFields): { key: string; target?: string } {
  const isFinding =
    action.action_id === ACTION_IDS.findingMenu || FINDING_BUTTON_PATTERN.test(action.action_id);
  if (!isFinding) return { key: `action:${action.action_id}` };
  const read = findingActionOf(action);
  // No policy entry ends in `/?`: the guard refuses it, whatever the person's roles.
  if (!read) return { key: `action:${action.action_id}/?` };
  return { key: read.key, ...(read.ref ? { target: read.ref } : {}) };
}

/**
 * The shapes of request Bolt routes, tested the way Bolt tests them (helpers.js `getTypeAndConversation`):
 * an `event` is an event whatever else the body holds, then a `command`, options, `actions`, shortcuts,
 * then a view submission. A body with more than one of them is read one way here and routed another way by
 * Bolt, so it is refused as a whole (`other:ambiguous`) and no listener runs for it.
 */
export function shapesOf(body: unknown): RequestSurface[] {
  if (typeof body !== "object" || body === null) return [];
  const b = body as Record<string, unknown>;
  const shapes: RequestSurface[] = [];
  if (b.event !== undefined) shapes.push("event");
  if (b.command !== undefined) shapes.push("command");
  if (b.name !== undefined || b.type === "block_suggestion") shapes.push("other");
  if (b.actions !== undefined || b.type === "block_actions" || b.type === "dialog_submission")
    shapes.push("action");
  if (b.type === "shortcut" || b.type === "message_action") shapes.push("other");
  if (b.type === "view_submission" || b.type === "view_closed") shapes.push("view");
  return shapes;
}

/** Reads the policy key, the principal and the target of any request Bolt hands to middleware. */
export function readIncoming(body: unknown, config: Pick<Config, "accounts">): IncomingRequest {
  const shapes = shapesOf(body);
  if (shapes.length > 1) {
    // Who Bolt would have acted for (its first shape), for the audit entry only: the key has no policy.
    const [first] = shapes;
    const read = first ? readShape(first, body, config) : undefined;
    return { key: AMBIGUOUS_KEY, surface: "other", principal: read?.principal };
  }
  const [shape] = shapes;
  const read = shape ? readShape(shape, body, config) : undefined;
  if (read) return read;
  if (shape && shape !== "other") return { key: `${shape}:?`, surface: shape, principal: undefined };
  const type = (body as { type?: unknown } | null)?.type;
  return {
    key: `other:${typeof type === "string" ? type.slice(0, 40) : "?"}`,
    surface: "other",
    principal: undefined,
  };
}

/** The key of a body of more than one shape; it has no policy entry, so it is always refused. */
export const AMBIGUOUS_KEY = "other:ambiguous";

function readShape(
  shape: RequestSurface,
  body: unknown,
  config: Pick<Config, "accounts">,
): IncomingRequest | undefined {
  if (shape === "command") {
    const command = commandSchema.safeParse(body);
    if (!command.success) return undefined;
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
  if (shape === "action" || shape === "view") {
    const interaction = interactionSchema.safeParse(body);
    if (!interaction.success) return undefined;
    const i = interaction.data;
    const who = principal({
      userId: i.user.id,
      teamId: i.team?.id,
      userTeamId: i.user.team_id,
      enterpriseId: i.enterprise?.id,
      channelId: i.channel?.id ?? i.container?.channel_id,
    });
    if (shape === "view") {
      if (i.type !== "view_submission") return undefined;
      return { key: `view:${i.view?.callback_id ?? "?"}`, surface: "view", principal: who };
    }
    if (i.type !== "block_actions") return undefined;
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
  if (shape === "event") {
    const event = eventSchema.safeParse(body);
    if (!event.success) return undefined;
    const e = event.data;
    return {
      key: `event:${e.event.type}`,
      surface: "event",
      principal: e.event.user
        ? principal({ userId: e.event.user, teamId: e.team_id, enterpriseId: e.enterprise_id })
        : undefined,
    };
  }
  return undefined;
}

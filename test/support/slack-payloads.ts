/**
 * The bodies Slack posts to the app, built for any principal: a slash command, a button or menu click (in a
 * message, a modal or the Home tab), a modal submission and an App Home event. Sign and send them with
 * slack-signing.ts.
 */
import { interactionBody, uniqueTriggerId } from "./slack-signing.js";

export interface Who {
  userId: string;
  /** The workspace of the request (`team.id`); T0FAKE by default. */
  teamId?: string;
  /** The user's own workspace, when it differs (a shared channel). */
  userTeamId?: string;
  /** An Enterprise Grid organization. */
  enterpriseId?: string;
  /** The channel of a command or a message button; C0SCANS by default. */
  channelId?: string;
}

export const DEFAULT_TEAM = "T0FAKE";
export const DEFAULT_CHANNEL = "C0SCANS";

function team(who: Who) {
  return who.teamId ?? DEFAULT_TEAM;
}

export function slashPayload(who: Who, text: string, responseUrl: string): string {
  const fields: Record<string, string> = {
    token: "legacy-verification-token",
    team_id: team(who),
    team_domain: "fake",
    channel_id: who.channelId ?? DEFAULT_CHANNEL,
    channel_name: "security",
    user_id: who.userId,
    user_name: who.userId.toLowerCase(),
    command: "/forecast-audit",
    text,
    api_app_id: "A0FAKE",
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: uniqueTriggerId(),
  };
  if (who.enterpriseId) fields.enterprise_id = who.enterpriseId;
  return new URLSearchParams(fields).toString();
}

function common(who: Who) {
  return {
    team: { id: team(who), domain: "fake" },
    user: { id: who.userId, username: who.userId.toLowerCase(), team_id: who.userTeamId ?? team(who) },
    enterprise: who.enterpriseId ? { id: who.enterpriseId, name: "Org" } : null,
    is_enterprise_install: false,
    api_app_id: "A0FAKE",
    token: "legacy",
    trigger_id: uniqueTriggerId(),
  };
}

/** A click on a message in a channel. */
export function messageAction(
  who: Who,
  action: Record<string, unknown>,
  options: { ts?: string; responseUrl?: string } = {},
): string {
  const channel = who.channelId ?? DEFAULT_CHANNEL;
  return interactionBody({
    type: "block_actions",
    ...common(who),
    container: { type: "message", message_ts: options.ts ?? "1700000000.000001", channel_id: channel },
    channel: { id: channel, name: "channel" },
    ...(options.responseUrl ? { response_url: options.responseUrl } : {}),
    actions: [{ block_id: "b1", action_ts: `${Date.now() / 1000}`, ...action }],
  });
}

/** A click inside a view: a modal (with its metadata) or the Home tab. */
export function viewAction(
  who: Who,
  action: Record<string, unknown>,
  view: { type: "modal" | "home"; id?: string; privateMetadata?: string },
): string {
  const id = view.id ?? `V0${uniqueTriggerId().replace(/\W/g, "").slice(0, 10)}`;
  return interactionBody({
    type: "block_actions",
    ...common(who),
    container: { type: "view", view_id: id },
    view: {
      id,
      type: view.type,
      hash: "h1",
      private_metadata: view.privateMetadata ?? "",
      callback_id: view.type === "modal" ? "finding:fix:modal" : "",
      state: { values: {} },
    },
    actions: [{ block_id: "b1", action_ts: `${Date.now() / 1000}`, ...action }],
  });
}

export function viewSubmission(
  who: Who,
  callbackId: string,
  privateMetadata: string,
  values: Record<string, unknown>,
): string {
  return interactionBody({
    type: "view_submission",
    ...common(who),
    view: {
      id: `V${uniqueTriggerId().replace(/\W/g, "").slice(0, 12)}`,
      type: "modal",
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: "h1",
    },
  });
}

export function homeOpened(who: Who, eventId: string): string {
  return JSON.stringify({
    token: "legacy",
    team_id: team(who),
    ...(who.enterpriseId ? { enterprise_id: who.enterpriseId } : {}),
    api_app_id: "A0FAKE",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_home_opened",
      user: who.userId,
      channel: "D0HOME",
      tab: "home",
      event_ts: "1700000000.2",
    },
    authorizations: [{ team_id: team(who), user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
  });
}

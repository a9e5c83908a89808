/** What the fix listeners share: updating a request's message and telling one user something. */
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../deps.js";
import type { SlackMessage } from "../limits.js";
import type { FixRequestView } from "../ports.js";
import { renderFixRequestMessage } from "../views/fix-request-message.js";

export function approversConfigured(deps: ListenerDeps): boolean {
  const { approvers } = deps.config.slack;
  return approvers.users.length > 0 || approvers.usergroups.length > 0;
}

/** Re-renders the request's message where it was posted (or where it was clicked, for older rows). */
export async function updateRequestMessage(
  client: WebClient,
  deps: ListenerDeps,
  request: FixRequestView,
  fallback?: { channel?: string | undefined; ts?: string | undefined },
): Promise<void> {
  const channel = request.channel ?? fallback?.channel;
  const ts = request.ts ?? fallback?.ts;
  if (!channel || !ts) return;
  const message = renderFixRequestMessage(request, {
    now: deps.now(),
    approversConfigured: approversConfigured(deps),
  });
  await client.chat.update({ channel, ts, ...message });
}

/** An ephemeral message in the channel when there is one, else a direct message from the app. */
export async function tellUser(
  client: WebClient,
  where: { channel?: string | undefined; user: string },
  message: SlackMessage,
): Promise<void> {
  if (where.channel) {
    await client.chat.postEphemeral({ channel: where.channel, user: where.user, ...message });
  } else {
    await client.chat.postMessage({ channel: where.user, ...message });
  }
}

/** Drift: the requester is asked, in the request's thread, to ask again. */
export async function askToRequestAgain(client: WebClient, request: FixRequestView): Promise<void> {
  if (!request.channel || !request.ts) return;
  const mention = /^[UW][A-Z0-9]{2,}$/.test(request.requestedBy) ? `<@${request.requestedBy}> ` : "";
  await client.chat.postMessage({
    channel: request.channel,
    thread_ts: request.ts,
    text: `${mention}The resource changed after this fix was requested, so nothing was applied. Open Fix on the finding again to request it with a fresh plan.`,
  });
}

/**
 * Approve, Reject, Retry and Revert on a fix request. Every click has been authorized by the policy from
 * the signed payload's user and workspace (approvers, membership read fresh); the flow adds four-eyes. A
 * refused click gets an ephemeral explanation and an audit entry, and nothing runs.
 */
import type { App, BlockAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { REQUEST_ACTION_KINDS, REQUEST_BUTTON_PATTERN, type RequestActionKind } from "../../ids.js";
import type { AuthorizationResult, FixAnswer, FixRequestView } from "../../ports.js";
import { renderFixRefusal } from "../../views/fix-request-message.js";
import { REQUEST_ID_PATTERN, renderRejectModal } from "../../views/reject-modal.js";
import { askToRequestAgain, tellUser, updateRequestMessage } from "../fix-messages.js";

const kindSchema = z.enum(REQUEST_ACTION_KINDS);
const actionSchema = z.object({
  type: z.literal("button"),
  action_id: z.string(),
  value: z.string().regex(REQUEST_ID_PATTERN),
});
const bodySchema = z.object({
  trigger_id: z.string().min(1),
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
});

export interface RequestClick {
  kind: RequestActionKind;
  requestId: string;
  userId: string;
  /** The workspace of the click; undefined when the payload's user and team disagree. */
  teamId: string | undefined;
  triggerId: string;
  channel: string | undefined;
  ts: string | undefined;
}

/** Pure: what was clicked, by whom, from where; undefined for anything that is not one of ours. */
export function parseRequestClick(action: unknown, body: unknown): RequestClick | undefined {
  const a = actionSchema.safeParse(action);
  const b = bodySchema.safeParse(body);
  if (!a.success || !b.success) return undefined;
  const kind = kindSchema.safeParse(REQUEST_BUTTON_PATTERN.exec(a.data.action_id)?.[1]);
  if (!kind.success) return undefined;
  const { user, team } = b.data;
  const teamId =
    team?.id && user.team_id && team.id !== user.team_id ? undefined : (team?.id ?? user.team_id);
  return {
    kind: kind.data,
    requestId: a.data.value,
    userId: user.id,
    teamId,
    triggerId: b.data.trigger_id,
    channel: b.data.channel?.id ?? b.data.container?.channel_id,
    ts: b.data.container?.message_ts,
  };
}

async function answerClick(
  client: WebClient,
  deps: ListenerDeps,
  click: RequestClick,
  answer: FixAnswer<{ request: FixRequestView }>,
): Promise<void> {
  const where = { channel: click.channel, user: click.userId };
  if (!answer.ok) {
    await tellUser(client, where, renderFixRefusal(answer.reason));
    // An expired request's message still shows Approve until it is redrawn. Other refusals leave the message
    // to the click that holds the request: a redraw from here could land after its final one.
    if (answer.code === "expired" && answer.request) {
      await updateRequestMessage(client, deps, answer.request, click);
    }
    return;
  }
  await updateRequestMessage(client, deps, answer.request, click);
  if (answer.request.result?.outcome === "drift") await askToRequestAgain(client, answer.request);
}

export async function handleRequestClick(
  client: WebClient,
  deps: ListenerDeps,
  click: RequestClick,
  authorization: AuthorizationResult,
): Promise<void> {
  const port = deps.ports.remediations;
  const where = { channel: click.channel, user: click.userId };
  if (!port) {
    await tellUser(client, where, renderFixRefusal("Automated fixes are not enabled in this deployment."));
    return;
  }
  if (click.kind === "reject") {
    const request = await port.get(click.requestId);
    if (!authorization.ok || !request) {
      const reason = !request ? "This request is not known." : (authorization as { reason: string }).reason;
      await port.recordRefusal({
        requestId: click.requestId,
        userId: click.userId,
        action: "reject",
        reason,
      });
      await tellUser(client, where, renderFixRefusal(reason));
      return;
    }
    if (request.state !== "pending") {
      await tellUser(client, where, renderFixRefusal(`This request is already ${request.state}.`));
      return;
    }
    await client.views.open({ trigger_id: click.triggerId, view: renderRejectModal(request) });
    return;
  }
  // The "Applying…" redraw is best effort: the flow runs the fix without waiting for it for long (a failed
  // or slow chat.update must not hold the fix). The final redraw waits for it, so it can never land last.
  let started: Promise<void> | undefined;
  const input = {
    requestId: click.requestId,
    userId: click.userId,
    ...(click.teamId ? { teamId: click.teamId } : {}),
    authorization,
    onStarted: (request: FixRequestView) => {
      started = updateRequestMessage(client, deps, request, click);
      return started;
    },
  };
  const answer =
    click.kind === "approve"
      ? await port.approve(input)
      : click.kind === "retry"
        ? await port.retry(input)
        : await port.revert(input);
  await started?.catch(() => {});
  await answerClick(client, deps, click, answer);
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(REQUEST_BUTTON_PATTERN, async ({ ack, action, body, client, context }) => {
    await ack();
    const click = parseRequestClick(action, body);
    if (!click) {
      deps.logger.warn(
        { actionId: (action as { action_id?: unknown }).action_id },
        "ignored a malformed request action",
      );
      return;
    }
    if (!allowedBy(context, `action:request:${click.kind}`)) return;
    // The guard let this click through: the user is an approver of this workspace, read fresh just now.
    deps.tasks.run(`request:${click.kind}`, () => handleRequestClick(client, deps, click, { ok: true }));
  });
}

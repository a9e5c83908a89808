/**
 * Approve and Reject on a suppression request. The policy has checked the role (approvers, membership read
 * fresh) and the workspace; the flow adds four-eyes, expiry and compare-and-set, and audits its refusals.
 */
import type { App, BlockAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { SUPPRESSION_ACTION_KINDS, SUPPRESSION_BUTTON_PATTERN } from "../../ids.js";
import type { SuppressionRequestView } from "../../ports.js";
import { REQUEST_ID_PATTERN } from "../../views/reject-modal.js";
import {
  renderSuppressionRefusal,
  renderSuppressionRequestMessage,
} from "../../views/suppression-messages.js";
import { tellUser } from "../fix-messages.js";
import { announceSuppressions } from "../schedule/suppression-announcements.js";

const kindSchema = z.enum(SUPPRESSION_ACTION_KINDS);
const actionSchema = z.object({
  type: z.literal("button"),
  action_id: z.string(),
  value: z.string().regex(REQUEST_ID_PATTERN),
});
const bodySchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
});

/** Redraws a suppression request's message where it was posted (or where it was clicked). */
export async function updateSuppressionMessage(
  client: WebClient,
  deps: Pick<ListenerDeps, "now">,
  request: SuppressionRequestView,
  fallback?: { channel?: string | undefined; ts?: string | undefined },
): Promise<void> {
  const channel = request.channel ?? fallback?.channel;
  const ts = request.ts ?? fallback?.ts;
  if (!channel || !ts) return;
  await client.chat.update({ channel, ts, ...renderSuppressionRequestMessage(request, deps.now()) });
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(SUPPRESSION_BUTTON_PATTERN, async ({ ack, action, body, client, context }) => {
    await ack();
    const a = actionSchema.safeParse(action);
    const b = bodySchema.safeParse(body);
    const kind = kindSchema.safeParse(
      a.success ? SUPPRESSION_BUTTON_PATTERN.exec(a.data.action_id)?.[1] : "",
    );
    if (!a.success || !b.success || !kind.success) {
      deps.logger.warn(
        { actionId: (action as { action_id?: unknown }).action_id },
        "ignored a malformed suppression action",
      );
      return;
    }
    if (!allowedBy(context, `action:suppression:${kind.data}`)) return;
    const userId = b.data.user.id;
    const where = {
      channel: b.data.channel?.id ?? b.data.container?.channel_id,
      ts: b.data.container?.message_ts,
    };
    deps.tasks.run(`suppression:${kind.data}`, async () => {
      const click = { requestId: a.data.value, userId, authorization: { ok: true as const } };
      const answer =
        kind.data === "approve"
          ? await deps.ports.suppressions.approve(click)
          : await deps.ports.suppressions.reject(click);
      if (!answer.ok) {
        await tellUser(
          client,
          { channel: where.channel, user: userId },
          renderSuppressionRefusal(answer.reason),
        );
        if (answer.code === "expired" && answer.request) {
          await updateSuppressionMessage(client, deps, answer.request, where);
        }
        return;
      }
      await updateSuppressionMessage(client, deps, answer.request, where);
      if (answer.request.state === "approved") await announceSuppressions(client, deps);
    });
  });
}

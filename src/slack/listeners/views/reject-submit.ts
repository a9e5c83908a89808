/**
 * The submitted Reject modal: authorized again by the policy (every submission counts), reject once,
 * redraw the message.
 */
import type { App } from "@slack/bolt";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { CALLBACK_IDS } from "../../ids.js";
import { renderFixRefusal } from "../../views/fix-request-message.js";
import { parseRejectSubmission } from "../../views/reject-modal.js";
import { recordMalformed, tellUser, updateRequestMessage } from "../fix-messages.js";

const bodySchema = z.object({ user: z.object({ id: z.string().min(1) }) });

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.rejectModal, async ({ ack, view, body, client, context }) => {
    const verdict = allowedBy(context, `view:${CALLBACK_IDS.rejectModal}`);
    if (!verdict) {
      await ack();
      return;
    }
    const parsed = parseRejectSubmission(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      recordMalformed(deps, body.user.id, CALLBACK_IDS.rejectModal, parsed.errors);
      return;
    }
    await ack();
    const who = bodySchema.safeParse(body);
    const port = deps.ports.remediations;
    if (!verdict || !who.success || !port) return;
    const { user } = who.data;
    const teamId = verdict.principal.teamId;
    deps.tasks.run("request:reject", async () => {
      const answer = await port.reject({
        requestId: parsed.requestId,
        userId: user.id,
        ...(teamId ? { teamId } : {}),
        authorization: { ok: true },
        reason: parsed.reason,
      });
      if (answer.ok) {
        await updateRequestMessage(client, deps, answer.request);
        return;
      }
      await tellUser(
        client,
        { channel: answer.request?.channel, user: user.id },
        renderFixRefusal(answer.reason),
      );
      // Only an expiry needs a redraw from here; any other state belongs to the click that holds the request.
      if (answer.code === "expired" && answer.request)
        await updateRequestMessage(client, deps, answer.request);
    });
  });
}

/** The submitted Reject modal: authorize again (every click counts), reject once, redraw the message. */
import type { App } from "@slack/bolt";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { CALLBACK_IDS } from "../../ids.js";
import { renderFixRefusal } from "../../views/fix-request-message.js";
import { parseRejectSubmission } from "../../views/reject-modal.js";
import { tellUser, updateRequestMessage } from "../fix-messages.js";

const bodySchema = z.object({
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
});

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.rejectModal, async ({ ack, view, body, client }) => {
    const parsed = parseRejectSubmission(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      return;
    }
    await ack();
    const who = bodySchema.safeParse(body);
    const port = deps.ports.remediations;
    if (!who.success || !port) return;
    const { user, team } = who.data;
    const teamId =
      team?.id && user.team_id && team.id !== user.team_id ? undefined : (team?.id ?? user.team_id);
    deps.tasks.run("request:reject", async () => {
      const authorization = await deps.authorizer.canApprove(user.id, teamId);
      const answer = await port.reject({
        requestId: parsed.requestId,
        userId: user.id,
        ...(teamId ? { teamId } : {}),
        authorization,
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

/**
 * A new pick in the Fix modal's key or tag select: the plan is made again with it from a fresh read and the
 * modal redrawn, so what is submitted is always the plan (and fingerprint) shown for that pick.
 */
import type { App, BlockAction } from "@slack/bolt";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { ACTION_IDS } from "../../ids.js";
import { fixMetadataSchema, parseChoiceValue } from "../../views/fix-modal.js";
import { fixPlanView } from "./fix-open.js";

const bodySchema = z.object({
  view: z.object({ id: z.string().min(1), hash: z.string().optional(), private_metadata: z.string() }),
  actions: z
    .array(
      z.object({
        action_id: z.literal(ACTION_IDS.fixChoice),
        selected_option: z.object({ value: z.string() }),
      }),
    )
    .min(1),
});

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION_IDS.fixChoice, async ({ ack, body, client, context }) => {
    await ack();
    if (!allowedBy(context, `action:${ACTION_IDS.fixChoice}`)) return;
    const parsed = bodySchema.safeParse(body);
    const action = parsed.success ? parsed.data.actions[0] : undefined;
    const picked = action ? parseChoiceValue(action.selected_option.value) : { ok: false as const };
    let metadata: unknown;
    try {
      metadata = parsed.success ? JSON.parse(parsed.data.view.private_metadata) : undefined;
    } catch {
      metadata = undefined;
    }
    const shown = fixMetadataSchema.safeParse(metadata);
    const port = deps.ports.remediations;
    if (!parsed.success || !picked.ok || !shown.success || !port) {
      deps.logger.warn({ actionId: ACTION_IDS.fixChoice }, "ignored a malformed fix choice");
      return;
    }
    const viewId = parsed.data.view.id;
    const { ref, channelId } = shown.data;
    deps.tasks.run("fix:choice", async () => {
      const answer = await port.preview(ref, picked.choice);
      const view = fixPlanView(deps, answer, {
        ref,
        channelId,
        ...(picked.choice !== undefined ? { choice: picked.choice } : {}),
      });
      await client.views.update({ view_id: viewId, view });
    });
  });
}

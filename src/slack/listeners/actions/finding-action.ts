/**
 * Fix, Suppress and Details on a finding: from its buttons or from a compact row's overflow menu. The
 * policy has checked the role of each (requesters for Fix and Suppress, viewers for Details), and the
 * listener goes on only when that verdict was given for the very action it is about to take.
 */
import type { App, BlockAction } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import { z } from "zod";
import type { ListenerDeps } from "../../deps.js";
import { FINDING_REF_PATTERN } from "../../finding-ref.js";
import { allowedBy } from "../../guard.js";
import { ACTION_IDS, FINDING_BUTTON_PATTERN, type FindingActionKind } from "../../ids.js";
import { findingActionOf } from "../../principal.js";
import { renderFindingDetailsModal } from "../../views/finding-details-modal.js";
import { renderFindingGoneModal } from "../../views/notice-modal.js";
import { renderSuppressModal } from "../../views/suppress-modal.js";
import { openFixModal } from "./fix-open.js";

const refSchema = z.string().regex(FINDING_REF_PATTERN);
const actionSchema = z.union([
  z.object({ type: z.literal("button"), action_id: z.string(), value: refSchema }),
  z.object({
    type: z.literal("overflow"),
    action_id: z.literal(ACTION_IDS.findingMenu),
    selected_option: z.object({ value: z.string() }),
  }),
]);
const bodySchema = z.object({
  trigger_id: z.string().min(1),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
});

/**
 * What was clicked, on which finding, and the policy entry that stands for it; undefined for anything that is
 * not one of ours. The kind is read by findingActionOf, as the guard reads it: a finding button must be a
 * `button` (its action id names the kind) and the menu an `overflow` (its selected option does).
 */
function readFindingAction(
  action: unknown,
): { kind: FindingActionKind; ref: string; key: string } | undefined {
  const parsed = actionSchema.safeParse(action);
  if (!parsed.success) return undefined;
  const read = findingActionOf(parsed.data);
  const ref = refSchema.safeParse(read?.ref);
  return read && ref.success ? { kind: read.kind, ref: ref.data, key: read.key } : undefined;
}

/** What was clicked and on which finding; undefined for anything that is not one of ours. */
export function parseFindingAction(action: unknown): { kind: FindingActionKind; ref: string } | undefined {
  const read = readFindingAction(action);
  return read ? { kind: read.kind, ref: read.ref } : undefined;
}

async function modalFor(
  kind: Exclude<FindingActionKind, "fix">,
  ref: string,
  who: { channelId: string | undefined },
  deps: ListenerDeps,
): Promise<ModalView> {
  const record = await deps.ports.findings.findingByRef(ref);
  if (!record) return renderFindingGoneModal();
  if (kind === "details") return renderFindingDetailsModal(record);
  const { suppression, approvalsChannel } = deps.config.slack;
  return renderSuppressModal(
    record,
    { ref, ...(who.channelId ? { channelId: who.channelId } : {}) },
    { maxDays: suppression.maxDays, ...(approvalsChannel ? { approvalsChannel } : {}) },
  );
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const handler = async ({
    ack,
    action,
    body,
    client,
    context,
  }: Parameters<Parameters<typeof app.action<BlockAction>>[1]>[0]) => {
    await ack();
    const clicked = readFindingAction(action);
    const ctx = bodySchema.safeParse(body);
    if (!clicked || !ctx.success) {
      deps.logger.warn(
        { actionId: (action as { action_id?: unknown }).action_id },
        "ignored a malformed finding action",
      );
      return;
    }
    // The guard's verdict must be for what is opened here (Fix, Suppress or Details), not another entry.
    if (!allowedBy(context, clicked.key)) return;
    if (clicked.kind === "fix") {
      await openFixModal(client, deps, {
        triggerId: ctx.data.trigger_id,
        ref: clicked.ref,
        userId: ctx.data.user.id,
        channelId: ctx.data.channel?.id,
      });
      return;
    }
    const view = await modalFor(clicked.kind, clicked.ref, { channelId: ctx.data.channel?.id }, deps);
    await client.views.open({ trigger_id: ctx.data.trigger_id, view });
  };
  app.action<BlockAction>(FINDING_BUTTON_PATTERN, handler);
  app.action<BlockAction>(ACTION_IDS.findingMenu, handler);
}

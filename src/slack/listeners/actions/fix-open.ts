/**
 * Fix on a finding: the modal opens at once (the trigger lasts 3 seconds), then shows the exact plan made
 * from a fresh read of the resource. Called by finding-action.ts, which owns the finding buttons.
 */
import type { ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import type { RemediationsPort } from "../../ports.js";
import { renderFixModal, renderFixPlanModal, renderFixUnavailableModal } from "../../views/fix-modal.js";
import { renderFindingGoneModal } from "../../views/notice-modal.js";
import { approversConfigured } from "../fix-messages.js";

export async function openFixModal(
  client: WebClient,
  deps: ListenerDeps,
  input: { triggerId: string; ref: string; userId: string; channelId: string | undefined },
): Promise<void> {
  const record = await deps.ports.findings.findingByRef(input.ref);
  if (!record) {
    await client.views.open({ trigger_id: input.triggerId, view: renderFindingGoneModal() });
    return;
  }
  const opened = await client.views.open({
    trigger_id: input.triggerId,
    view: renderFixModal(record, input.ref),
  });
  const viewId = opened.view?.id;
  const port = deps.ports.remediations;
  if (!viewId) return;
  const update = (view: Parameters<WebClient["views"]["update"]>[0]["view"]) =>
    client.views.update({ view_id: viewId, view });
  if (!port) {
    await update(renderFixUnavailableModal("Automated fixes are not enabled in this deployment."));
    return;
  }
  if (!record.finding.remediationId) {
    await update(
      renderFixUnavailableModal("This control has no automated fix; follow the guidance under Details."),
    );
    return;
  }
  deps.tasks.run("fix:preview", async () => {
    const answer = await port.preview(input.ref);
    await update(fixPlanView(deps, answer, { ref: input.ref, channelId: input.channelId }));
  });
}

/** The modal for a preview answer: the plan made with `choice`, or why there is none. */
export function fixPlanView(
  deps: ListenerDeps,
  answer: Awaited<ReturnType<RemediationsPort["preview"]>>,
  input: { ref: string; channelId: string | undefined; choice?: number },
): ModalView {
  if (!answer.ok) return renderFixUnavailableModal(answer.reason);
  const { approvalsChannel } = deps.config.slack;
  return renderFixPlanModal(
    answer.preview,
    {
      ref: input.ref,
      fingerprint: answer.preview.plan.fingerprint,
      ...(input.channelId ? { channelId: input.channelId } : {}),
      ...(input.choice !== undefined ? { choice: input.choice } : {}),
    },
    { ...(approvalsChannel ? { approvalsChannel } : {}), approversConfigured: approversConfigured(deps) },
  );
}

/**
 * Background upkeep of fix and suppression requests: a periodic sweep expires pending requests past their
 * time and redraws their messages (without Approve); at start-up, fixes found applying are announced as
 * interrupted in the approvals channel, with Retry and Revert on their own messages.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import { mentionChannel, untrustedCode } from "../../mrkdwn.js";
import { updateSuppressionMessage } from "../actions/suppression-action.js";
import { updateRequestMessage } from "../fix-messages.js";

export const SWEEP_INTERVAL_MS = 5 * 60_000;

/** Expires every due request (fixes and suppressions) and redraws its message; returns how many expired. */
export async function sweepExpiredRequests(client: WebClient, deps: ListenerDeps): Promise<number> {
  const port = deps.ports.remediations;
  const expired = port ? await port.expireDue() : [];
  for (const request of expired) {
    try {
      await updateRequestMessage(client, deps, request);
    } catch (error) {
      deps.logger.warn({ err: error, requestId: request.id }, "could not redraw an expired request");
    }
  }
  const suppressions = await deps.ports.suppressions.expireDue();
  for (const request of suppressions) {
    try {
      await updateSuppressionMessage(client, deps, request);
    } catch (error) {
      deps.logger.warn(
        { err: error, requestId: request.id },
        "could not redraw an expired suppression request",
      );
    }
  }
  return expired.length + suppressions.length;
}

/** Tells the approvals channel about fixes the last process left halfway; returns how many. */
export async function announceInterrupted(client: WebClient, deps: ListenerDeps): Promise<number> {
  const port = deps.ports.remediations;
  if (!port) return 0;
  const interrupted = await port.takeInterrupted();
  if (interrupted.length === 0) return 0;
  for (const request of interrupted) await updateRequestMessage(client, deps, request);
  const channel = deps.config.slack.approvalsChannel;
  if (channel) {
    const ids = interrupted.map((r) => untrustedCode(r.id)).join(", ");
    await client.chat.postMessage({
      channel,
      text: `:warning: The app restarted while ${interrupted.length} fix(es) were running or about to run (${ids}). Their messages now say where each stands: an interrupted one may have some steps done, and an approver can Retry it (every step is safe to repeat) or Revert it.`,
    });
  } else {
    deps.logger.warn(
      { requests: interrupted.map((r) => r.id), channel: channel ? mentionChannel(channel) : undefined },
      "fixes were interrupted and no approvals channel is configured",
    );
  }
  return interrupted.length;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  if (deps.ports.remediations) {
    deps.jobs.once("job:requests:interrupted", () => announceInterrupted(app.client, deps));
  }
  deps.jobs.every("job:requests:sweep", deps.intervals?.sweepMs ?? SWEEP_INTERVAL_MS, () =>
    sweepExpiredRequests(app.client, deps),
  );
}

/**
 * Background upkeep of fix and suppression requests: a periodic sweep expires pending requests past their
 * time and redraws their messages (without Approve); another, at start-up and every minute, marks fixes whose
 * process stopped (their lease ran out) interrupted and announces them: their own messages redrawn with Retry
 * and Revert, then a note in the approvals channel. The announcement is a durable outbox in the store: claimed
 * before the redraw, done only after it, given back when it fails, so nothing is lost to a kill or a Slack
 * error and every replica may run the sweep.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import { mentionChannel, untrustedCode } from "../../mrkdwn.js";
import { updateSuppressionMessage } from "../actions/suppression-action.js";
import { updateRequestMessage } from "../fix-messages.js";

export const SWEEP_INTERVAL_MS = 5 * 60_000;
/** How often fixes whose process stopped are looked for and announced (their lease is 2 minutes). */
export const INTERRUPTED_SWEEP_MS = 60_000;

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

/** Tells the approvals channel about fixes cut off part-way (process stopped); returns how many were redrawn. */
export async function announceInterrupted(client: WebClient, deps: ListenerDeps): Promise<number> {
  const port = deps.ports.remediations;
  if (!port) return 0;
  const claimed = await port.takeInterrupted();
  const shown: typeof claimed = [];
  for (const request of claimed) {
    let announced = false;
    try {
      await updateRequestMessage(client, deps, request);
      announced = true;
      shown.push(request);
    } catch (error) {
      deps.logger.warn(
        { err: error, requestId: request.id },
        "could not redraw an interrupted fix; the next sweep tries again",
      );
    }
    try {
      await port.settleInterrupted?.(request.id, announced);
    } catch (error) {
      deps.logger.warn({ err: error, requestId: request.id }, "could not record an interrupted fix's notice");
    }
  }
  if (shown.length === 0) return 0;
  const channel = deps.config.slack.approvalsChannel;
  if (channel) {
    const ids = shown.map((r) => untrustedCode(r.id)).join(", ");
    try {
      await client.chat.postMessage({
        channel,
        text: `:warning: The app stopped or restarted while ${shown.length} fix(es) were running or about to run (${ids}). Their messages now say where each stands: an interrupted one may have some steps done, and an approver can Retry it (every step is safe to repeat) or Revert it.`,
      });
    } catch (error) {
      deps.logger.warn(
        { err: error, requests: shown.map((r) => r.id) },
        "could not post the note about interrupted fixes (their messages were redrawn)",
      );
    }
  } else {
    deps.logger.warn(
      { requests: shown.map((r) => r.id), channel: channel ? mentionChannel(channel) : undefined },
      "fixes were interrupted and no approvals channel is configured",
    );
  }
  return shown.length;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  if (deps.ports.remediations) {
    deps.jobs.every(
      "job:requests:interrupted",
      INTERRUPTED_SWEEP_MS,
      () => announceInterrupted(app.client, deps),
      {
        atStart: true,
      },
    );
  }
  deps.jobs.every("job:requests:sweep", deps.intervals?.sweepMs ?? SWEEP_INTERVAL_MS, () =>
    sweepExpiredRequests(app.client, deps),
  );
}

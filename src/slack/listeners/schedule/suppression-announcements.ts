/**
 * Announces in the approvals channel every suppression made, lifted or run out, whoever made it (Slack, the
 * CLI, an approval) and on whichever replica: the store hands each one out once (an outbox), and one that
 * could not be posted is given back for the next run. Runs at start-up, periodically, and right after a
 * suppression is made in Slack.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import { renderSuppressionAnnouncement } from "../../views/suppression-messages.js";

export const ANNOUNCE_INTERVAL_MS = 30_000;

/** Posts what is waiting to be announced; returns how many were posted. */
export async function announceSuppressions(
  client: Pick<WebClient, "chat">,
  deps: Pick<ListenerDeps, "config" | "ports" | "logger">,
): Promise<number> {
  const channel = deps.config.slack.approvalsChannel;
  // Without a channel nothing is claimed: the announcements wait until one is configured.
  if (!channel) return 0;
  const waiting = await deps.ports.suppressions.takeAnnouncements();
  let posted = 0;
  for (const announcement of waiting) {
    try {
      await client.chat.postMessage({ channel, ...renderSuppressionAnnouncement(announcement) });
      posted += 1;
    } catch (error) {
      deps.logger.warn(
        { err: error, suppressionId: announcement.suppressionId },
        "could not announce a suppression; it is tried again on the next run",
      );
      await deps.ports.suppressions.releaseAnnouncement(announcement);
    }
  }
  return posted;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  deps.jobs.every(
    "job:suppressions:announce",
    deps.intervals?.announceMs ?? ANNOUNCE_INTERVAL_MS,
    () => announceSuppressions(app.client, deps),
    { atStart: true },
  );
}

/**
 * Announces in the approvals channel every suppression made, lifted or run out, whoever made it (Slack, the
 * CLI, an approval) and on whichever replica: the store hands each one out once (an outbox), and one that
 * could not be posted is given back for the next run. Runs at start-up, periodically, and right after a
 * suppression is made in Slack.
 *
 * The outbox is leased: a claim is not an announcement, the port writes it announced only after the post,
 * and a claim whose holder died (killed after claiming, or stuck in Slack's retries past the lease,
 * ANNOUNCEMENT_CLAIM_LEASE_MS) is taken again by a later run. At least once: a kill between a post that
 * Slack accepted and its confirmation posts it again after the lease. Each announcement is settled on its
 * own: one whose give-back or confirmation fails (the lease then gives it back) does not stop the others.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import type { SuppressionService } from "../../ports.js";
import { renderSuppressionAnnouncement } from "../../views/suppression-messages.js";

export const ANNOUNCE_INTERVAL_MS = 30_000;

/** The outbox as this job drains it. */
export type SuppressionAnnouncementOutbox = Pick<
  SuppressionService,
  "takeAnnouncements" | "releaseAnnouncement" | "confirmAnnouncement"
>;

/** Posts what is waiting to be announced; returns how many were posted. */
export async function announceSuppressions(
  client: Pick<WebClient, "chat">,
  deps: Pick<ListenerDeps, "config" | "logger"> & { ports: { suppressions: SuppressionAnnouncementOutbox } },
): Promise<number> {
  const channel = deps.config.slack.approvalsChannel;
  // Without a channel nothing is claimed: the announcements wait until one is configured.
  if (!channel) return 0;
  const outbox = deps.ports.suppressions;
  const waiting = await outbox.takeAnnouncements();
  let posted = 0;
  for (const announcement of waiting) {
    const log = deps.logger.child({ suppressionId: announcement.suppressionId, kind: announcement.kind });
    let sent = false;
    try {
      await client.chat.postMessage({ channel, ...renderSuppressionAnnouncement(announcement) });
      sent = true;
      posted += 1;
    } catch (error) {
      log.warn({ err: error }, "could not announce a suppression; it is tried again on the next run");
    }
    try {
      if (sent) await outbox.confirmAnnouncement(announcement);
      else await outbox.releaseAnnouncement(announcement);
    } catch (error) {
      log.warn(
        { err: error, sent },
        "could not settle a suppression announcement; its claim's lease gives it back",
      );
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

/**
 * Scans whose process stopped (its heartbeat older than the lease) are marked interrupted and announced where
 * they were asked for: the Slack channel (and thread) of the request, or the digest channels for a scheduled
 * scan. The store hands each interruption out once across replicas (claimed before posting); one that could
 * not be posted is given back for the next run. Runs at start-up and every heartbeat interval.
 *
 * The outbox is leased: the interruption is written as announced only once a channel took it, and one whose
 * claimer died before that is taken again after the lease (at least once: a kill between the post and
 * `announced` posts it again). Each interruption is settled on its own, so one whose
 * give-back fails does not stop the others.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../../deps.js";
import type { InterruptedScanNotice, InterruptedScans } from "../../ports.js";
import { renderScanInterrupted } from "../../views/scan-interrupted.js";

/** The interruptions as this job drains them. */
export type InterruptedScanOutbox = InterruptedScans;

function destinations(notice: InterruptedScanNotice, deps: Pick<ListenerDeps, "config">) {
  const origin = notice.requestedIn;
  if (origin.kind === "slack") {
    return [{ channel: origin.channel, ...(origin.threadTs ? { thread_ts: origin.threadTs } : {}) }];
  }
  // Scheduled scans are reported by the digest: their interruption is told there too.
  return deps.config.slack.digest.channels.map((channel) => ({ channel }));
}

/** Marks and announces interrupted scans; returns how many announcements were posted. */
export async function announceInterruptedScans(
  client: Pick<WebClient, "chat">,
  deps: Pick<ListenerDeps, "config" | "logger"> & {
    ports: { scans: { interrupted?: InterruptedScanOutbox } };
  },
): Promise<number> {
  const port = deps.ports.scans.interrupted;
  if (!port) return 0;
  let posted = 0;
  for (const notice of await port.take()) {
    const message = renderScanInterrupted(notice);
    const targets = destinations(notice, deps);
    let sent = 0;
    for (const target of targets) {
      try {
        await client.chat.postMessage({ ...target, ...message });
        sent += 1;
      } catch (error) {
        deps.logger.warn(
          { err: error, scanId: notice.id, channel: target.channel },
          "could not announce an interrupted scan",
        );
      }
    }
    if (targets.length === 0) {
      deps.logger.warn(
        { scanId: notice.id },
        "a scheduled scan was interrupted and no digest channel is configured",
      );
    }
    try {
      if (sent === 0 && targets.length > 0) {
        // Nothing reached anyone: given back, so the next run tries again (at most once where it was posted).
        await port.release(notice.id);
      } else {
        // Posted somewhere (given back it would be posted twice in the channel that took it), or nowhere to post.
        await port.announced(notice.id);
      }
    } catch (error) {
      deps.logger.warn(
        { err: error, scanId: notice.id, sent },
        "could not settle an interrupted scan's announcement; its claim's lease gives it back",
      );
    }
    posted += sent;
  }
  return posted;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  deps.jobs.every(
    "job:scans:interrupted",
    deps.intervals?.scanInterruptionsMs ?? deps.config.store.scanHeartbeatSeconds * 1000,
    () => announceInterruptedScans(app.client, deps),
    { atStart: true },
  );
}

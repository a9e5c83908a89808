/** `/forecast-audit status`: the scans running now and the last finished scan. */
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../limits.js";
import { untrusted, untrustedCode } from "../mrkdwn.js";
import type { ScanRecord, ScanSummary } from "../ports.js";
import { section } from "./blocks.js";
import { countsLine, formatTime, plural, scopeLine } from "./format.js";

const MAX_RUNNING_SHOWN = 10;
/** How many of the latest recorded scans (every replica's) `status` lists. */
export const RECENT_SCANS_SHOWN = 5;

const STATUS_ICON: Record<ScanRecord["status"], string> = {
  succeeded: ":white_check_mark:",
  failed: ":x:",
  running: ":hourglass_flowing_sand:",
  interrupted: ":warning:",
};

/** One line per recorded scan: a running one with its last heartbeat, an interrupted one said so. */
export function recentScansText(scans: readonly ScanRecord[]): string {
  if (scans.length === 0) return "No scan recorded yet.";
  return scans
    .map((scan) => {
      const by = scan.startedBy ? ` · by ${untrusted(scan.startedBy)}` : "";
      const beat =
        scan.status === "running" && scan.heartbeatAt
          ? ` · alive ${formatTime(scan.heartbeatAt)}`
          : scan.status === "interrupted"
            ? ` · its process stopped${scan.heartbeatAt ? ` after ${formatTime(scan.heartbeatAt)}` : ""}`
            : "";
      return `${STATUS_ICON[scan.status]} ${untrustedCode(scan.id)} ${scan.status} · started ${formatTime(scan.startedAt)}${by}${beat}`;
    })
    .join("\n");
}

export function lastScanText(scan: ScanRecord | undefined): string {
  if (!scan) return "No scan has run yet.";
  const when = scan.finishedAt
    ? `finished ${formatTime(scan.finishedAt)}`
    : `started ${formatTime(scan.startedAt)}`;
  const status = STATUS_ICON[scan.status];
  return [
    `${status} Scan ${untrustedCode(scan.id)} ${scan.status} · ${when}${scan.startedBy ? ` · by ${untrusted(scan.startedBy)}` : ""}`,
    `*Scope:* ${scopeLine(scan.accounts, scan.regions)}`,
    `*Failing:* ${countsLine(scan.failing)} · *Passed:* ${scan.passed} · *Could not evaluate:* ${scan.errors}`,
  ].join("\n");
}

export function renderStatus(input: {
  running: readonly ScanSummary[];
  lastScan: ScanRecord | undefined;
  /** The latest recorded scans of every replica, when the store is at hand. */
  recent?: readonly ScanRecord[];
}): SlackMessage {
  const blocks: KnownBlock[] = [];
  if (input.running.length === 0) {
    blocks.push(section("*Running now:* nothing."));
  } else {
    const lines = input.running.slice(0, MAX_RUNNING_SHOWN).map((s) => {
      const p =
        s.progress && s.progress.total > 0
          ? ` · ${Math.floor((s.progress.done / s.progress.total) * 100)}%`
          : "";
      return `• ${untrustedCode(s.id)} ${scopeLine(s.accounts, s.regions)} · since ${formatTime(s.startedAt)}${p}`;
    });
    const more = input.running.length - MAX_RUNNING_SHOWN;
    if (more > 0) lines.push(`…and ${more} more.`);
    blocks.push(section(`*Running now:* ${plural(input.running.length, "scan")}\n${lines.join("\n")}`));
  }
  blocks.push(section(`*Last scan*\n${lastScanText(input.lastScan)}`));
  if (input.recent) blocks.push(section(`*Recent scans*\n${recentScansText(input.recent)}`));
  return {
    text: `Forecast audit: ${plural(input.running.length, "scan")} running.`,
    blocks,
  };
}

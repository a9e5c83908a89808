/** `/forecast-audit status`: the scans running now and the last finished scan. */
import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../limits.js";
import { untrusted, untrustedCode } from "../mrkdwn.js";
import type { ScanRecord, ScanSummary } from "../ports.js";
import { section } from "./blocks.js";
import { countsLine, formatTime, plural, scopeLine } from "./format.js";

const MAX_RUNNING_SHOWN = 10;

export function lastScanText(scan: ScanRecord | undefined): string {
  if (!scan) return "No scan has run yet.";
  const when = scan.finishedAt
    ? `finished ${formatTime(scan.finishedAt)}`
    : `started ${formatTime(scan.startedAt)}`;
  const status =
    scan.status === "succeeded"
      ? ":white_check_mark:"
      : scan.status === "failed"
        ? ":x:"
        : ":hourglass_flowing_sand:";
  return [
    `${status} Scan ${untrustedCode(scan.id)} ${scan.status} · ${when}${scan.startedBy ? ` · by ${untrusted(scan.startedBy)}` : ""}`,
    `*Scope:* ${scopeLine(scan.accounts, scan.regions)}`,
    `*Failing:* ${countsLine(scan.failing)} · *Passed:* ${scan.passed} · *Could not evaluate:* ${scan.errors}`,
  ].join("\n");
}

export function renderStatus(input: {
  running: readonly ScanSummary[];
  lastScan: ScanRecord | undefined;
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
  return {
    text: `Forecast audit: ${plural(input.running.length, "scan")} running.`,
    blocks,
  };
}

/** The live message of a running scan, and the message that replaces it when the scan cannot run. */
import type { SlackMessage } from "../limits.js";
import { mentionUser, truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { ScanProgressUpdate } from "../ports.js";
import { context, section } from "./blocks.js";
import { formatTime, scopeLine } from "./format.js";

export interface ScanProgressInput {
  scanId: string;
  accounts: readonly string[];
  regions: readonly string[];
  startedAt: Date;
  requestedBy?: readonly string[];
  progress?: ScanProgressUpdate;
}

const BAR_WIDTH = 20;

function progressBar(done: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
}

function footer(scanId: string, startedAt: Date, requestedBy: readonly string[] | undefined): string {
  const who = (requestedBy ?? []).map(mentionUser).join(", ");
  return `Scan ${untrustedCode(scanId)}${who ? ` · requested by ${who}` : ""} · started ${formatTime(startedAt)}`;
}

export function renderScanProgress(input: ScanProgressInput): SlackMessage {
  const p = input.progress;
  const percent = p && p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 0;
  const lines = [`:hourglass_flowing_sand: *Scanning* ${scopeLine(input.accounts, input.regions)}`];
  if (p) {
    lines.push(`\`${progressBar(p.done, p.total)}\` ${percent}% · ${p.done} of ${p.total}`);
    if (p.message) lines.push(`_${truncateMrkdwn(untrusted(p.message), 500)}_`);
  } else {
    lines.push("Starting…");
  }
  return {
    text: p ? `Forecast audit running: ${percent}%.` : "Forecast audit starting.",
    blocks: [section(lines.join("\n")), context(footer(input.scanId, input.startedAt, input.requestedBy))],
  };
}

export function renderScanFailed(input: {
  scanId: string;
  startedAt: Date;
  error: string;
  requestedBy?: readonly string[];
}): SlackMessage {
  return {
    text: "Forecast audit could not run.",
    blocks: [
      section(`:x: *The scan could not run:* ${truncateMrkdwn(untrusted(input.error), 2000)}`),
      context(footer(input.scanId, input.startedAt, input.requestedBy)),
    ],
  };
}

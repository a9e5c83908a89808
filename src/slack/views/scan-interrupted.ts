/** The notice that a scan was interrupted, posted where it was asked for. */
import { LIMITS, type SlackMessage } from "../limits.js";
import { mentionUser, mrkdwnToFallback, truncateMrkdwn, untrustedCode } from "../mrkdwn.js";
import type { InterruptedScanNotice } from "../ports.js";
import { section } from "./blocks.js";
import { formatTime } from "./format.js";

export function renderScanInterrupted(notice: InterruptedScanNotice): SlackMessage {
  const id = untrustedCode(notice.id);
  const when = formatTime(notice.startedAt);
  const origin = notice.requestedIn;
  const line =
    origin.kind === "slack"
      ? `:warning: Scan ${id} started ${when} by ${mentionUser(origin.user)} was interrupted (the process running it stopped); run it again with ${truncateMrkdwn(untrustedCode(`/forecast-audit ${origin.command ?? "scan"}`), 600)}.`
      : `:warning: The scheduled scan ${id} (slot ${untrustedCode(origin.slot)}) started ${when} was interrupted (the process running it stopped); the next scheduled scan covers it, or run one now with ${untrustedCode("/forecast-audit scan")}.`;
  return { text: truncateMrkdwn(mrkdwnToFallback(line), LIMITS.fallbackText), blocks: [section(line)] };
}

/** The help text, and the usage message a wrong command gets (echoing what was typed, escaped). */
import { SLASH_COMMAND } from "../ids.js";
import type { SlackMessage } from "../limits.js";
import { mrkdwnToFallback, truncateMrkdwn, untrusted } from "../mrkdwn.js";
import { section } from "./blocks.js";

const USAGE_LINES = [
  `\`${SLASH_COMMAND} scan [account] [region]\` — scan now (every configured account and region by default)`,
  `\`${SLASH_COMMAND} status\` — scans running now and the last scan`,
  `\`${SLASH_COMMAND} findings [critical|high|medium|low]\` — open findings at or above a severity`,
  `\`${SLASH_COMMAND} digest\` — post the digest in this channel`,
  `\`${SLASH_COMMAND} help\` — this message`,
];

export function renderHelp(): SlackMessage {
  return {
    text: `Usage: ${SLASH_COMMAND} scan | status | findings | digest | help`,
    blocks: [
      section(
        `*Forecast audit* checks the data protection around Amazon Forecast.\n${USAGE_LINES.join("\n")}`,
      ),
    ],
  };
}

export function renderUsageError(error: string): SlackMessage {
  return {
    text: `That command was not understood. Usage: ${SLASH_COMMAND} scan | status | findings | digest | help`,
    blocks: [
      section(`:warning: ${truncateMrkdwn(untrusted(error), 1000)}`),
      section(`*Usage*\n${USAGE_LINES.join("\n")}`),
    ],
  };
}

/** A short ephemeral notice: our own words plus, optionally, an untrusted detail. */
export function renderNotice(text: string, detail?: string): SlackMessage {
  const body = detail ? `${text}\n>${truncateMrkdwn(untrusted(detail).replace(/\n/g, " "), 1500)}` : text;
  return { text: truncateMrkdwn(mrkdwnToFallback(text), 300) || "Forecast audit", blocks: [section(body)] };
}

/**
 * The result of a scan: a main message (counts by severity, the most severe failing findings with their
 * buttons) and thread pages with everything else. Every message stays within Block Kit limits at any count.
 */
import type { KnownBlock } from "@slack/types";
import type { Finding } from "../../domain/finding.js";
import { LIMITS, packGroups, type SlackMessage, textLength } from "../limits.js";
import { mentionUser, truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { ScanOutcome } from "../ports.js";
import { context, divider, header, section } from "./blocks.js";
import { compactFindingBlock, detailedFindingBlocks, errorFindingBlock } from "./finding-blocks.js";
import {
  compareFindings,
  countBySeverity,
  countsLine,
  countsWords,
  formatDuration,
  formatTime,
  plural,
  scopeLine,
} from "./format.js";

export interface ScanResultInput {
  outcome: ScanOutcome;
  /** Slack user ids of the people who asked for this scan in this channel. */
  requestedBy?: readonly string[];
}

export interface ScanResultMessages {
  main: SlackMessage;
  /** Posted in the main message's thread, in order. */
  thread: SlackMessage[];
}

/** The most findings that get their own buttons in the main message; the rest go to the thread. */
export const MAX_DETAILED_FINDINGS = 10;
const MAX_SCAN_ERRORS_SHOWN = 5;

function scanErrorsBlock(outcome: ScanOutcome): KnownBlock[] {
  if (outcome.errors.length === 0) return [];
  const lines = outcome.errors.slice(0, MAX_SCAN_ERRORS_SHOWN).map((e) => {
    const where = [e.accountId, e.region]
      .filter((p): p is string => p !== undefined)
      .map(untrustedCode)
      .join(" · ");
    return `• ${where ? `${where}: ` : ""}${truncateMrkdwn(untrusted(e.message), 300)}`;
  });
  const more = outcome.errors.length - MAX_SCAN_ERRORS_SHOWN;
  if (more > 0) lines.push(`…and ${plural(more, "more error")}.`);
  const title = `:warning: *${plural(outcome.errors.length, "part")} of the scan could not run:*`;
  return [section([title, ...lines].join("\n"))];
}

function headlineOf(
  failing: number,
  counts: ReturnType<typeof countBySeverity>,
  incomplete: boolean,
): string {
  if (failing > 0) return `Forecast audit: ${failing} failing (${countsWords(counts)})`;
  return incomplete
    ? "Forecast audit: nothing fails, some checks could not run"
    : "Forecast audit: every check passes";
}

function prepare(input: ScanResultInput): Prepared {
  const { outcome } = input;
  const failing = outcome.findings.filter((f) => f.status === "FAIL").sort(compareFindings);
  const errored = outcome.findings.filter((f) => f.status === "ERROR").sort(compareFindings);
  const passed = outcome.passed ?? outcome.findings.filter((f) => f.status === "PASS").length;
  const counts = countBySeverity(failing);
  const incomplete = errored.length > 0 || outcome.errors.length > 0;
  const headline = headlineOf(failing.length, counts, incomplete);
  const took = formatDuration(outcome.finishedAt.getTime() - outcome.startedAt.getTime());
  const who = (input.requestedBy ?? []).map(mentionUser).join(", ");

  const head: KnownBlock[] = [
    header(headline),
    section(
      [
        `*Failing:* ${countsLine(counts)}`,
        `*Passed:* ${passed} · *Could not evaluate:* ${errored.length}`,
        `*Scope:* ${scopeLine(outcome.accounts, outcome.regions)} · took ${took}`,
      ].join("\n"),
    ),
    context(
      `Scan ${untrustedCode(outcome.scanId)}${who ? ` · requested by ${who}` : ""} · finished ${formatTime(outcome.finishedAt)}`,
    ),
    ...scanErrorsBlock(outcome),
  ];
  if (failing.length === 0) {
    head.push(
      section(
        incomplete
          ? ":grey_question: Nothing fails among the checks that ran."
          : ":white_check_mark: Every check passes.",
      ),
    );
  }

  // Room for the divider and the summary line that points to the thread.
  const blockBudget = LIMITS.messageBlocks - head.length - 2;
  const textBudget = LIMITS.totalText - textLength(head) - 400;
  const detailed: KnownBlock[] = [];
  let shown = 0;
  for (const f of failing) {
    if (shown >= MAX_DETAILED_FINDINGS) break;
    const blocks = detailedFindingBlocks(f);
    if (
      detailed.length + blocks.length > blockBudget ||
      textLength(detailed) + textLength(blocks) > textBudget
    )
      break;
    detailed.push(...blocks);
    shown += 1;
  }

  const restFailing = failing.slice(shown);
  const blocks: KnownBlock[] = [...head];
  if (detailed.length > 0) blocks.push(divider(), ...detailed);
  if (restFailing.length > 0 || errored.length > 0) {
    const parts = [];
    if (restFailing.length > 0) parts.push(`${plural(restFailing.length, "more failing finding")}`);
    if (errored.length > 0) parts.push(`${plural(errored.length, "check")} that could not be evaluated`);
    blocks.push(
      section(
        `:thread: ${parts.join(" and ")} ${restFailing.length + errored.length === 1 ? "is" : "are"} listed in the thread.`,
      ),
    );
  }

  const main: SlackMessage = {
    text: `${headline}. ${passed} passed, ${errored.length} could not be evaluated.`,
    blocks,
  };
  return { main, scanId: outcome.scanId, rest: [...restFailing, ...errored] };
}

interface Prepared {
  main: SlackMessage;
  scanId: string;
  /** The findings for the thread, in order: the remaining failing ones, then those not evaluated. */
  rest: Finding[];
}

function threadGroup(f: Finding): KnownBlock[] {
  return [f.status === "ERROR" ? errorFindingBlock(f) : compactFindingBlock(f)];
}

export function renderScanResult(input: ScanResultInput): ScanResultMessages {
  const prepared = prepare(input);
  return { main: prepared.main, thread: renderThreadPages(prepared.scanId, prepared.rest.map(threadGroup)) };
}

/**
 * The same messages as renderScanResult, built in slices with a pause between them, so that thousands of
 * findings (each escaped and masked) never hold the event loop for long: acks of other requests go on.
 */
export async function renderScanResultCooperatively(
  input: ScanResultInput,
  options: { sliceSize?: number; pause?: () => Promise<void> } = {},
): Promise<ScanResultMessages> {
  const size = options.sliceSize ?? 100;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  await pause();
  const prepared = prepare(input);
  const groups: KnownBlock[][] = [];
  for (let i = 0; i < prepared.rest.length; i += size) {
    await pause();
    for (const f of prepared.rest.slice(i, i + size)) groups.push(threadGroup(f));
  }
  return { main: prepared.main, thread: renderThreadPages(prepared.scanId, groups) };
}

function renderThreadPages(scanId: string, groups: readonly KnownBlock[][]): SlackMessage[] {
  // One block and some text are kept for the page's own heading.
  const pages = packGroups(groups, { maxBlocks: LIMITS.messageBlocks - 1, maxText: LIMITS.totalText - 300 });
  return pages.map((page, i) => {
    const label = `page ${i + 1} of ${pages.length}`;
    return {
      text: `Forecast audit findings, ${label}.`,
      blocks: [context(`Scan ${untrustedCode(scanId)} · findings ${label}`), ...page],
    };
  });
}

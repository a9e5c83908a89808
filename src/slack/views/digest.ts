/**
 * The daily digest: one main message (posture, its 7-day trend, what changed since the last digest, what
 * still fails, what waits, what could not be scanned) and thread pages with the full lists. Every message
 * stays within Block Kit limits however long the lists are; the thread is capped and says what it left out.
 */
import type { KnownBlock } from "@slack/types";
import type {
  AccountPosture,
  DigestApproval,
  DigestData,
  DigestFinding,
  DigestSuppression,
  IncompleteWork,
  MissingPermission,
  OuPosture,
  ScheduledScanReport,
} from "../../digest/digest-data.js";
import { DIGEST_LIST_ROWS } from "../../digest/digest-data.js";
import { maskResourceArn } from "../../domain/sensitive.js";
import { SEVERITIES, type Severity } from "../../domain/severity.js";
import { LIMITS, packGroups, type SlackMessage, textLength } from "../limits.js";
import { truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import { context, divider, header, section } from "./blocks.js";
import { findingIdCode } from "./finding-blocks.js";
import { accountLabel, countsLine, countsWords, formatTime, plural } from "./format.js";

export interface DigestMessages {
  main: SlackMessage;
  /** Posted in the main message's thread, in order. */
  thread: SlackMessage[];
}

/** Items each list shows in the main message; the rest are in the thread. */
export const MAIN_LIMITS = {
  ous: 8,
  accounts: 8,
  newFindings: 5,
  resolved: 3,
  stillFailing: 5,
  approvals: 3,
  suppressions: 3,
  problems: 5,
  incompleteWork: 5,
} as const;
/** More than this many thread messages would flood the channel; the last page says what was left out. */
export const MAX_THREAD_PAGES = 10;
const MAIN_LINE_MAX = 280;
const THREAD_LINE_MAX = 480;
/** A section's text stays under the 3,000 limit with room for its heading line. */
const SECTION_BUDGET = LIMITS.sectionText - 200;

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ":red_circle:",
  high: ":large_orange_circle:",
  medium: ":large_yellow_circle:",
  low: ":white_circle:",
};

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** One item, one line: untrusted text may hold line breaks that would break the list apart. */
function line(text: string, max: number): string {
  return truncateMrkdwn(text.replace(/\s*[\r\n]+\s*/g, " "), max);
}

function arn(value: string): string {
  return untrustedCode(maskResourceArn(value));
}

function findingLine(f: DigestFinding, max: number): string {
  const stale = f.notRecheckedSince
    ? ` · _not re-checked since ${formatTime(new Date(f.notRecheckedSince))}_`
    : "";
  return line(
    `${SEVERITY_EMOJI[f.severity]} *${untrusted(f.title)}* · ${untrustedCode(f.controlId)} · ${accountLabel(f.accountId, f.accountName)} · ${untrustedCode(f.region)}${stale} · ${arn(f.resourceArn)} · ${findingIdCode(f)}`,
    max,
  );
}

function resolvedLine(f: DigestFinding, max: number): string {
  return line(
    `:white_check_mark: ${untrustedCode(f.controlId)} · ${accountLabel(f.accountId, f.accountName)} · ${untrustedCode(f.region)} · ${arn(f.resourceArn)}`,
    max,
  );
}

function approvalLine(a: DigestApproval, max: number): string {
  return line(
    `:hourglass_flowing_sand: ${untrustedCode(a.remediationId)} for ${untrustedCode(a.controlId)} on ${arn(a.resourceArn)} · requested by ${untrustedCode(a.requester)} ${formatTime(new Date(a.createdAt))} · expires ${formatTime(new Date(a.expiresAt))}`,
    max,
  );
}

function suppressionLine(s: DigestSuppression, max: number): string {
  const what = s.findingKey
    ? `finding ${untrustedCode(s.findingKey)}`
    : `${untrustedCode(s.controlId ?? "any control")} on ${untrustedCode(s.resourcePattern ?? "*")}`;
  return line(
    `:alarm_clock: ${what} · expires ${formatTime(new Date(s.expiresAt))} · by ${untrustedCode(s.createdBy)} · “${untrusted(s.reason)}”`,
    max,
  );
}

function scanProblemLines(r: ScheduledScanReport, max: number): string[] {
  const when = formatTime(new Date(r.finishedAt));
  if (r.outcome === "failed") {
    return [
      line(
        `:x: The scheduled scan of ${when} failed: ${untrusted(r.error ?? "no reason was recorded")}`,
        max,
      ),
    ];
  }
  return r.unscanned.map((u) =>
    line(
      `:no_entry: ${untrustedCode(u.accountId)}${u.region ? ` · ${untrustedCode(u.region)}` : ""} could not be scanned (${when}): ${untrusted(u.message)}`,
      max,
    ),
  );
}

/** A slot is an ISO instant; anything else is shown as the untrusted text it is. */
function slotText(slot: string): string {
  const time = Date.parse(slot);
  return Number.isNaN(time) ? untrustedCode(slot) : formatTime(new Date(time));
}

function incompleteWorkLine(w: IncompleteWork, max: number): string {
  const when = formatTime(new Date(w.at));
  if (w.kind === "scan") {
    const why = w.reason !== undefined ? `: ${untrusted(w.reason)}` : "";
    return line(`:octagonal_sign: Scan ${untrustedCode(w.scanId)} was interrupted (${when})${why}`, max);
  }
  const scope = [
    ...(w.accountId !== undefined ? [untrustedCode(w.accountId)] : []),
    ...(w.region !== undefined ? [untrustedCode(w.region)] : []),
    ...(w.slot !== undefined ? [`slot ${slotText(w.slot)}`] : []),
  ];
  return line(
    `:skull: ${untrustedCode(w.jobKind)} job${scope.length > 0 ? ` · ${scope.join(" · ")}` : ""} gave up after ${plural(w.attempts, "try", "tries")} (${when}): ${untrusted(w.error)} · job ${untrustedCode(w.jobId)}`,
    max,
  );
}

function incompleteHeading(data: DigestData, thread: boolean): string {
  const n = `${data.incompleteWork.length}${data.incompleteWorkTruncated ? "+" : ""}`;
  return thread
    ? `:octagonal_sign: *Work that did not complete ${sinceText(data)} (${n})*`
    : `:octagonal_sign: *Work that did not complete ${sinceText(data)}:* ${n}`;
}

function permissionLine(p: MissingPermission, max: number): string {
  const regions =
    p.regions.length <= 3 ? p.regions.map(untrustedCode).join(", ") : plural(p.regions.length, "region");
  const verb = /denied|unauthori[sz]ed|forbidden/i.test(p.code) ? "denied" : "failed";
  return line(
    `:warning: ${untrustedCode(p.accountId)}: ${untrustedCode(p.action)} ${verb} (${untrustedCode(p.code)}) · ${plural(p.checks, "check")} not evaluated · ${regions}`,
    max,
  );
}

function postureLine(p: AccountPosture): string {
  const ou = p.ouPath !== undefined ? ` · _${untrusted(p.ouPath)}_` : "";
  return line(
    `${accountLabel(p.accountId, p.accountName)}${ou} — ${p.total === 0 ? ":white_check_mark: nothing fails" : countsLine(p.counts)}`,
    MAIN_LINE_MAX,
  );
}

function ouLine(o: OuPosture): string {
  const accounts =
    o.failingAccounts === 0
      ? `${plural(o.accounts, "account")}, :white_check_mark: nothing fails`
      : `${o.failingAccounts} of ${plural(o.accounts, "account")} failing — ${countsLine(o.counts)}`;
  return line(`*${untrusted(o.ouPath)}* · ${accounts}`, MAIN_LINE_MAX);
}

function trendLine(data: DigestData): string {
  if (data.trend.length === 0) return "*7-day trend:* no history yet.";
  const points = data.trend.map((p) => {
    const weekday = WEEKDAYS[new Date(`${p.day}T00:00:00Z`).getUTCDay()] ?? p.day;
    return `${weekday} ${p.total}`;
  });
  const first = data.trend[0]?.total ?? 0;
  const last = data.trend.at(-1)?.total ?? 0;
  const delta = last - first;
  const change =
    delta === 0
      ? "unchanged"
      : delta < 0
        ? `:chart_with_downwards_trend: down ${-delta}`
        : `:chart_with_upwards_trend: up ${delta}`;
  return `*${data.trend.length}-day trend (failing):* ${points.join(" · ")} — ${change}`;
}

function totalOf(counts: Record<Severity, number>): number {
  return SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
}

/** A heading line and at most `limit` item lines, with a pointer to the thread for the rest. */
function listSection<T>(
  heading: string,
  items: readonly T[],
  limit: number,
  render: (item: T) => string,
  total = items.length,
): KnownBlock {
  const shown = items.slice(0, limit).map(render);
  const more = total - shown.length;
  const text = [heading, ...shown, ...(more > 0 ? [`_…and ${more} more in the thread._`] : [])].join("\n");
  return section(text);
}

function problemLines(data: DigestData, max: number): string[] {
  return [
    ...data.scanProblems.flatMap((r) => scanProblemLines(r, max)),
    ...data.missingPermissions.map((p) => permissionLine(p, max)),
  ];
}

function sinceText(data: DigestData): string {
  return data.sinceKind === "previous-digest"
    ? `since the last digest (${formatTime(new Date(data.since))})`
    : `in the last 24 hours (no earlier digest in this channel)`;
}

function renderMain(data: DigestData, threadPages: number): SlackMessage {
  const total = totalOf(data.totals);
  const day = data.asOf.slice(0, 10);
  const blocks: KnownBlock[] = [
    header(`Forecast audit digest · ${day}`),
    section(
      [
        `*Failing now:* ${total === 0 ? ":white_check_mark: nothing" : `${total} — ${countsLine(data.totals)}`}`,
        trendLine(data),
      ].join("\n"),
    ),
  ];
  const ous = data.ouPosture ?? [];
  if (ous.length > 0) {
    blocks.push(listSection(`*By OU (${ous.length}), the worst first:*`, ous, MAIN_LIMITS.ous, ouLine));
  }
  if (data.posture.length > 0) {
    blocks.push(
      listSection(`*By account (${data.posture.length}):*`, data.posture, MAIN_LIMITS.accounts, postureLine),
    );
  }
  blocks.push(divider());
  const counts = listTotals(data);
  blocks.push(
    listSection(
      `:new: *${plural(counts.newFindings, "new finding")}* ${sinceText(data)}`,
      data.newFindings,
      MAIN_LIMITS.newFindings,
      (f) => findingLine(f, MAIN_LINE_MAX),
      counts.newFindings,
    ),
  );
  blocks.push(
    listSection(
      `:white_check_mark: *${counts.resolved} resolved* ${sinceText(data)}`,
      data.resolved,
      MAIN_LIMITS.resolved,
      (f) => resolvedLine(f, MAIN_LINE_MAX),
      counts.resolved,
    ),
  );
  blocks.push(
    listSection(
      `:rotating_light: *Still failing, critical and high:* ${counts.stillFailing}`,
      data.stillFailing,
      MAIN_LIMITS.stillFailing,
      (f) => findingLine(f, MAIN_LINE_MAX),
      counts.stillFailing,
    ),
  );
  blocks.push(
    listSection(
      `:hourglass: *Approvals pending:* ${data.pendingApprovals.length}`,
      data.pendingApprovals,
      MAIN_LIMITS.approvals,
      (a) => approvalLine(a, MAIN_LINE_MAX),
    ),
  );
  blocks.push(
    listSection(
      `:alarm_clock: *Suppressions expiring within 7 days:* ${data.expiringSuppressions.length}`,
      data.expiringSuppressions,
      MAIN_LIMITS.suppressions,
      (s) => suppressionLine(s, MAIN_LINE_MAX),
    ),
  );
  const problems = problemLines(data, MAIN_LINE_MAX);
  if (problems.length > 0) {
    blocks.push(listSection("*:warning: Scan problems:*", problems, MAIN_LIMITS.problems, (p) => p));
  }
  const incomplete = data.incompleteWork ?? [];
  if (incomplete.length > 0) {
    blocks.push(
      listSection(incompleteHeading(data, false), incomplete, MAIN_LIMITS.incompleteWork, (w) =>
        incompleteWorkLine(w, MAIN_LINE_MAX),
      ),
    );
  }
  const last = data.lastScan
    ? `Last scan ${untrustedCode(data.lastScan.id)} ${data.lastScan.outcome} ${formatTime(new Date(data.lastScan.finishedAt))}`
    : "No scan has finished yet";
  const notes = [`As of ${formatTime(new Date(data.asOf))}`, last];
  if (threadPages > 0) notes.push(":thread: Full lists in the thread");
  blocks.push(context(notes.join(" · ")));

  const changes = `${counts.newFindings} new, ${counts.resolved} resolved`;
  const trouble =
    (problems.length > 0 ? `; ${plural(problems.length, "scan problem")}` : "") +
    (incomplete.length > 0 ? `; ${incomplete.length} not completed` : "");
  return {
    text: truncateMrkdwn(
      `Forecast audit digest ${day}: ${total} failing (${countsWords(data.totals)}); ${changes}${trouble}.`,
      LIMITS.fallbackText,
    ),
    blocks: fitMessage(blocks),
  };
}

/** Long account names or titles could still push the main message past the total-text cap: trim from the end. */
function fitMessage(blocks: KnownBlock[]): KnownBlock[] {
  const out = [...blocks];
  while (textLength(out) > LIMITS.totalText && out.length > 3) {
    const i = out.length - 2;
    const block = out[i];
    if (block?.type === "section" && block.text) {
      const text = block.text.text;
      const cut = text.slice(0, Math.floor(text.length / 2)).replace(/\n[^\n]*$/, "");
      if (cut.length === 0 || cut === text) out.splice(i, 1);
      else out[i] = section(`${cut}\n_…more in the thread._`);
    } else {
      out.splice(i, 1);
    }
  }
  return out;
}

/** Item lines packed into sections under the section limit; the first carries the heading. */
function sectionsOf(heading: string, lines: readonly string[]): KnownBlock[][] {
  const groups: KnownBlock[][] = [];
  let current = heading;
  for (const line of lines) {
    if (current.length + 1 + line.length > SECTION_BUDGET) {
      groups.push([section(current)]);
      current = line;
    } else {
      current = `${current}\n${line}`;
    }
  }
  groups.push([section(current)]);
  return groups;
}

/**
 * Lines rendered per list for the thread: more could never fit in MAX_THREAD_PAGES pages, and escaping and
 * masking thousands of lines would hold the event loop for no one to read them. The store reads no more.
 */
const MAX_THREAD_LINES_PER_LIST = DIGEST_LIST_ROWS;

interface ThreadList {
  heading: string;
  /** Item lines, rendered up to MAX_THREAD_LINES_PER_LIST. */
  lines: string[];
  total: number;
}

function threadList<T>(
  heading: string,
  items: readonly T[],
  render: (item: T) => string,
  total = items.length,
): ThreadList {
  return { heading, lines: items.slice(0, MAX_THREAD_LINES_PER_LIST).map(render), total };
}

/** How many each finding list holds, when the data carries only its first rows. */
function listTotals(data: DigestData): { newFindings: number; resolved: number; stillFailing: number } {
  return {
    newFindings: data.newFindingsTotal ?? data.newFindings.length,
    resolved: data.resolvedTotal ?? data.resolved.length,
    stillFailing: data.stillFailingTotal ?? data.stillFailing.length,
  };
}

function threadLists(data: DigestData): ThreadList[] {
  const findingAt = (f: DigestFinding) => findingLine(f, THREAD_LINE_MAX);
  const problems = problemLines(data, THREAD_LINE_MAX);
  const counts = listTotals(data);
  const lists: ThreadList[] = [
    threadList(
      `:new: *New ${sinceText(data)} (${counts.newFindings})*`,
      data.newFindings,
      findingAt,
      counts.newFindings,
    ),
    threadList(
      `:white_check_mark: *Resolved ${sinceText(data)} (${counts.resolved})*`,
      data.resolved,
      (f) => resolvedLine(f, THREAD_LINE_MAX),
      counts.resolved,
    ),
    threadList(
      `:rotating_light: *Still failing, critical and high (${counts.stillFailing})*`,
      data.stillFailing,
      findingAt,
      counts.stillFailing,
    ),
    threadList(
      `:hourglass: *Approvals pending (${data.pendingApprovals.length})*`,
      data.pendingApprovals,
      (a) => approvalLine(a, THREAD_LINE_MAX),
    ),
    threadList(
      `:alarm_clock: *Suppressions expiring within 7 days (${data.expiringSuppressions.length})*`,
      data.expiringSuppressions,
      (s) => suppressionLine(s, THREAD_LINE_MAX),
    ),
    threadList("*:warning: Scan problems*", problems, (p) => p),
    threadList(incompleteHeading(data, true), data.incompleteWork ?? [], (w) =>
      incompleteWorkLine(w, THREAD_LINE_MAX),
    ),
  ];
  if (data.posture.length > MAIN_LIMITS.accounts) {
    lists.unshift(threadList(`*By account (${data.posture.length})*`, data.posture, postureLine));
  }
  const ous = data.ouPosture ?? [];
  if (ous.length > MAIN_LIMITS.ous) lists.unshift(threadList(`*By OU (${ous.length})*`, ous, ouLine));
  return lists.filter((l) => l.total > 0);
}

function renderThread(data: DigestData): SlackMessage[] {
  const lists = threadLists(data);
  const groups = lists.flatMap((l) => sectionsOf(l.heading, l.lines));
  // One block and some text stay free on every page for its own label and the closing note.
  const pages = packGroups(groups, { maxBlocks: LIMITS.messageBlocks - 2, maxText: LIMITS.totalText - 600 });
  const kept = pages.slice(0, MAX_THREAD_PAGES);
  const day = data.asOf.slice(0, 10);
  const shownLines = kept
    .flat()
    .reduce((n, b) => n + (b.type === "section" ? (b.text?.text.split("\n").length ?? 0) : 0), 0);
  const allLines = lists.reduce((n, l) => n + l.total + 1, 0);
  const left = allLines - shownLines;
  if (left > 0) {
    kept
      .at(-1)
      ?.push(
        context(
          `${plural(left, "more line")} not shown. \`/forecast-audit findings\` in Slack or \`forecast-audit findings\` in a terminal lists everything.`,
        ),
      );
  }
  return kept.map((page, i) => ({
    text: `Forecast audit digest ${day}, details ${i + 1} of ${kept.length}.`,
    blocks: [context(`Digest ${day} · details ${i + 1} of ${kept.length}`), ...page],
  }));
}

export function renderDigest(data: DigestData): DigestMessages {
  const thread = renderThread(data);
  return { main: renderMain(data, thread.length), thread };
}

/**
 * The App Home tab: posture per OU (accounts of an organization) and per account and region, the worst first,
 * the last scan, open findings by severity, and the approvals waiting for the viewer. Long lists are
 * summarised so the view stays within 100 blocks.
 */
import type { HomeView, KnownBlock } from "@slack/types";
import { SEVERITIES } from "../../domain/severity.js";
import { ACTION_IDS } from "../ids.js";
import { LIMITS, packGroups } from "../limits.js";
import { mentionUser, untrusted, untrustedCode } from "../mrkdwn.js";
import type {
  FindingRecord,
  PendingApproval,
  PostureRow,
  ScanRecord,
  ScanSummary,
  SeverityCounts,
} from "../ports.js";
import { actions, button, context, divider, header, section } from "./blocks.js";
import { compactFindingBlock } from "./finding-blocks.js";
import {
  accountLabel,
  compareFindings,
  compareText,
  countsLine,
  emptyCounts,
  formatTime,
  plural,
  scopeLine,
  severityBadge,
} from "./format.js";
import { lastScanText } from "./status.js";

export interface AppHomeInput {
  userId: string;
  posture: readonly PostureRow[];
  lastScan: ScanRecord | undefined;
  running: readonly ScanSummary[];
  /** The most severe open findings; the view shows a few. */
  topFindings: readonly FindingRecord[];
  approvals: readonly PendingApproval[];
  generatedAt: Date;
}

/** Budgets that keep the whole tab under the total-text cap for views (2 × the message cap). */
const MAX_TOP_FINDINGS = 10;
const MAX_POSTURE_SECTIONS = 3;
const MAX_OU_SECTIONS = 1;
const MAX_APPROVAL_SECTIONS = 2;

function postureLine(row: PostureRow): string {
  const errors = row.errors > 0 ? ` · :warning: ${row.errors} not evaluated` : "";
  const when = row.lastScannedAt ? ` · ${formatTime(row.lastScannedAt)}` : "";
  const ou = row.ouPath !== undefined ? ` · _${untrusted(row.ouPath)}_` : "";
  return `${accountLabel(row.accountId, row.accountName)}${ou} ${untrustedCode(row.region)} — ${countsLine(row.open)}${errors}${when}`;
}

/** More critical first, then more high, …; ties in `tie` order. */
function worstFirst<T>(counts: (item: T) => SeverityCounts, tie: (a: T, b: T) => number) {
  return (a: T, b: T): number => {
    const ca = counts(a);
    const cb = counts(b);
    for (const s of SEVERITIES) if (ca[s] !== cb[s]) return cb[s] - ca[s];
    return tie(a, b);
  };
}

interface OuSummary {
  ouPath: string;
  open: SeverityCounts;
  failing: Set<string>;
}

/** Open findings per OU (the accounts directly in it), for the accounts of an organization. */
function ouSummaries(rows: readonly PostureRow[]): OuSummary[] {
  const byOu = new Map<string, OuSummary>();
  for (const row of rows) {
    if (row.ouPath === undefined) continue;
    let ou = byOu.get(row.ouPath);
    if (!ou) {
      ou = { ouPath: row.ouPath, open: emptyCounts(), failing: new Set() };
      byOu.set(row.ouPath, ou);
    }
    for (const s of SEVERITIES) ou.open[s] += row.open[s];
    if (SEVERITIES.some((s) => row.open[s] > 0)) ou.failing.add(row.accountId);
  }
  return [...byOu.values()].sort(
    worstFirst(
      (o) => o.open,
      (a, b) => compareText(a.ouPath, b.ouPath),
    ),
  );
}

/** Posture rows exist for accounts with open findings only, so the line counts those, not the OU's size. */
function ouLine(ou: OuSummary): string {
  return `*${untrusted(ou.ouPath)}* · ${plural(ou.failing.size, "failing account")} — ${countsLine(ou.open)}`;
}

/** Lines packed into as few sections as fit 3,000 characters each, up to `maxSections`. */
function lineSections(
  lines: readonly string[],
  maxSections: number,
  moreLabel: (n: number) => string,
): KnownBlock[] {
  const sections: string[] = [];
  let current = "";
  let used = 0;
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length > LIMITS.sectionText - 100) {
      if (sections.length + 1 >= maxSections) break;
      sections.push(current);
      current = line;
    } else {
      current = next;
    }
    used += 1;
  }
  if (current) sections.push(current);
  const blocks: KnownBlock[] = sections.map((s) => section(s));
  if (used < lines.length) blocks.push(context(moreLabel(lines.length - used)));
  return blocks;
}

export function renderAppHome(input: AppHomeInput): HomeView {
  const totals = emptyCounts();
  for (const row of input.posture) {
    for (const s of Object.keys(totals) as (keyof typeof totals)[]) totals[s] += row.open[s];
  }
  const blocks: KnownBlock[] = [
    header("Forecast audit"),
    context(`Updated ${formatTime(input.generatedAt)}`),
    actions(button("Refresh", ACTION_IDS.homeRefresh, "refresh")),
    header("Last scan"),
    section(lastScanText(input.lastScan)),
  ];
  if (input.running.length > 0) {
    const lines = input.running
      .slice(0, 5)
      .map(
        (s) =>
          `:hourglass_flowing_sand: ${untrustedCode(s.id)} ${scopeLine(s.accounts, s.regions)} since ${formatTime(s.startedAt)}`,
      );
    blocks.push(context(lines.join("\n")));
  }

  blocks.push(divider(), header("Open findings"), section(`*By severity:* ${countsLine(totals)}`));
  const top = [...input.topFindings].sort((a, b) => compareFindings(a.finding, b.finding));
  const [shown = []] = packGroups(
    top.slice(0, MAX_TOP_FINDINGS).map((r) => [compactFindingBlock(r.finding, r)]),
    { maxBlocks: MAX_TOP_FINDINGS, maxText: 5000 },
  );
  blocks.push(...shown);

  const ous = ouSummaries(input.posture);
  if (ous.length > 0) {
    blocks.push(divider(), header("Posture by OU, the worst first"));
    blocks.push(...lineSections(ous.map(ouLine), MAX_OU_SECTIONS, (n) => `…and ${plural(n, "more OU")}.`));
  }

  blocks.push(divider(), header("Posture by account and region"));
  if (input.posture.length === 0) {
    blocks.push(section("No account has been scanned yet. Run `/forecast-audit scan` in a channel."));
  } else {
    const rows = [...input.posture].sort(
      worstFirst(
        (r) => r.open,
        (a, b) => compareText(a.accountId, b.accountId) || compareText(a.region, b.region),
      ),
    );
    blocks.push(
      ...lineSections(
        rows.map(postureLine),
        MAX_POSTURE_SECTIONS,
        (n) => `…and ${plural(n, "more account and region", "more accounts and regions")}.`,
      ),
    );
  }

  blocks.push(divider(), header("Approvals waiting for you"));
  if (input.approvals.length === 0) {
    blocks.push(section(`Nothing is waiting for ${mentionUser(input.userId)}.`));
  } else {
    const lines = input.approvals.map((a) => {
      const f = a.finding;
      return `${severityBadge(f.severity)} ${untrusted(f.title)} · ${untrustedCode(a.remediationId)} on ${untrustedCode(f.resourceArn)} · requested by ${mentionUser(a.requestedBy)} ${formatTime(a.requestedAt)}`;
    });
    blocks.push(
      ...lineSections(
        lines,
        MAX_APPROVAL_SECTIONS,
        (n) => `…and ${plural(n, "more request")} in the approvals channel.`,
      ),
    );
  }
  return { type: "home", blocks };
}

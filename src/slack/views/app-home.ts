/**
 * The App Home tab: posture per account and region, the last scan, open findings by severity, and the
 * approvals waiting for the viewer. Long lists are summarised so the view stays within 100 blocks.
 */
import type { HomeView, KnownBlock } from "@slack/types";
import { ACTION_IDS } from "../ids.js";
import { LIMITS, packGroups } from "../limits.js";
import { mentionUser, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FindingRecord, PendingApproval, PostureRow, ScanRecord, ScanSummary } from "../ports.js";
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
const MAX_APPROVAL_SECTIONS = 2;

function postureLine(row: PostureRow): string {
  const errors = row.errors > 0 ? ` · :warning: ${row.errors} not evaluated` : "";
  const when = row.lastScannedAt ? ` · ${formatTime(row.lastScannedAt)}` : "";
  return `${accountLabel(row.accountId, row.accountName)} ${untrustedCode(row.region)} — ${countsLine(row.open)}${errors}${when}`;
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

  blocks.push(divider(), header("Posture by account and region"));
  if (input.posture.length === 0) {
    blocks.push(section("No account has been scanned yet. Run `/forecast-audit scan` in a channel."));
  } else {
    const rows = [...input.posture].sort(
      (a, b) => compareText(a.accountId, b.accountId) || compareText(a.region, b.region),
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

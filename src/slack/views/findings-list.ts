/** `/forecast-audit findings [severity]`: open findings as compact rows, summarised beyond one message. */
import type { KnownBlock } from "@slack/types";
import { SEVERITIES, type Severity } from "../../domain/severity.js";
import { LIMITS, type SlackMessage, textLength } from "../limits.js";
import type { FindingRecord, SeverityCounts } from "../ports.js";
import { section } from "./blocks.js";
import { compactFindingBlock } from "./finding-blocks.js";
import { compareFindings, countBySeverity, countsLine, plural } from "./format.js";

export function renderFindingsList(input: {
  /** The first findings of the list (any order; shown the worst first). */
  records: readonly FindingRecord[];
  /** Every open finding of the list by severity, when the records are only its first page. */
  counts?: SeverityCounts;
  minSeverity?: Severity;
}): SlackMessage {
  const records = [...input.records].sort((a, b) => compareFindings(a.finding, b.finding));
  const counts = input.counts ?? countBySeverity(records.map((r) => r.finding));
  const total = SEVERITIES.reduce((n, s) => n + counts[s], 0);
  const scope = input.minSeverity ? ` at or above ${input.minSeverity}` : "";
  const head = section(
    total === 0
      ? `:white_check_mark: No open findings${scope}.`
      : `*Open findings${scope}:* ${countsLine(counts)}`,
  );
  // Rows are built only until the message is full: two blocks and some text stay free for the heading and
  // the "more" line, and a list of thousands costs no more than one page.
  const first: KnownBlock[] = [];
  let text = 0;
  for (const r of records) {
    const row = compactFindingBlock(r.finding, r);
    const size = textLength(row);
    if (first.length + 1 > LIMITS.messageBlocks - 2 || text + size > LIMITS.totalText - 1500) break;
    first.push(row);
    text += size;
  }
  const blocks: KnownBlock[] = [head, ...first];
  const more = total - first.length;
  if (more > 0) {
    blocks.push(
      section(
        `…and ${plural(more, "more finding")}. Narrow the list with a severity, or see the App Home tab.`,
      ),
    );
  }
  return { text: `Forecast audit: ${plural(total, "open finding")}${scope}.`, blocks };
}

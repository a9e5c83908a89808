/** GitHub-flavoured Markdown: for pull-request comments and job summaries. */
import { SEVERITIES } from "../../domain/severity.js";
import type { ReportedFinding, ScanReport } from "./report.js";

/** Escapes text for a Markdown table cell: no pipes, no HTML, no line breaks, no code spans. */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[`*_[\]]/g, (c) => `\\${c}`)
    .replace(/\s+/g, " ")
    .trim();
}

function row(f: ReportedFinding): string {
  const cells = [
    `\`${f.id}\``,
    f.status,
    f.severity,
    `\`${f.controlId}\``,
    f.accountId,
    f.region,
    f.resourceArn,
    f.detail,
  ];
  return `| ${cells.map((c, i) => (i === 0 || i === 3 ? c : escapeMarkdownCell(c))).join(" | ")} |`;
}

export function renderMarkdown(report: ScanReport, options: { includePassed?: boolean } = {}): string {
  const s = report.summary;
  const out = [
    "# Amazon Forecast data-protection audit",
    "",
    `Scanned ${report.accounts.length} account(s) in ${report.regions.length} region(s), finished ${report.finishedAt}.`,
    "",
    "| Severity | FAIL | ERROR |",
    "|---|---:|---:|",
    ...SEVERITIES.map((sev) => `| ${sev} | ${s.failing[sev]} | ${s.errors[sev]} |`),
    "",
    `${s.byStatus.PASS} checks passed.`,
    "",
  ];
  const rows = report.findings.filter((f) => options.includePassed || f.status !== "PASS");
  if (rows.length > 0) {
    out.push(
      "| ID | Status | Severity | Control | Account | Region | Resource | Detail |",
      "|---|---|---|---|---|---|---|---|",
    );
    // Row by row: a spread of every row into push() would put them all on the stack.
    for (const f of rows) out.push(row(f));
    out.push("");
  }
  const stale = report.notRechecked ?? [];
  if (stale.length > 0) {
    out.push(
      `${stale.length} failing finding(s) from earlier scans could not be re-checked; they stay open:`,
      "",
      "| Severity | Control | Account | Region | Resource | Not re-checked since | Detail |",
      "|---|---|---|---|---|---|---|",
    );
    for (const f of stale) {
      out.push(
        `| ${[
          f.severity,
          `\`${f.controlId}\``,
          f.accountId,
          f.region,
          f.resourceArn,
          f.notRecheckedSince.slice(0, 10),
          f.detail,
        ]
          .map((c, i) => (i === 1 ? c : escapeMarkdownCell(c)))
          .join(" | ")} |`,
      );
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

/** A plain-text table for terminals: failing and erroring findings, then the summary. */
import { SEVERITIES } from "../../domain/severity.js";
import { notRecheckedLines, type ReportedFinding, type ScanReport } from "./report.js";

const COLUMNS: Array<{ title: string; cell: (f: ReportedFinding) => string; max: number }> = [
  { title: "ID", cell: (f) => f.id, max: 14 },
  { title: "STATUS", cell: (f) => f.status, max: 6 },
  { title: "SEVERITY", cell: (f) => f.severity, max: 8 },
  { title: "CONTROL", cell: (f) => f.controlId, max: 40 },
  { title: "ACCOUNT", cell: (f) => f.accountId, max: 12 },
  { title: "REGION", cell: (f) => f.region, max: 14 },
  { title: "RESOURCE", cell: (f) => f.resourceArn, max: 90 },
  { title: "DETAIL", cell: (f) => f.detail, max: 160 },
];

function fitCell(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat.padEnd(width);
}

export function renderTable(report: ScanReport, options: { includePassed?: boolean } = {}): string {
  const rows = report.findings.filter((f) => options.includePassed || f.status !== "PASS");
  const widths = COLUMNS.map((c) =>
    Math.min(c.max, Math.max(c.title.length, ...rows.map((r) => c.cell(r).length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => fitCell(c, widths[i] ?? c.length))
      .join("  ")
      .trimEnd();
  const out: string[] = [];
  if (rows.length > 0) {
    out.push(line(COLUMNS.map((c) => c.title)));
    for (const row of rows) out.push(line(COLUMNS.map((c) => c.cell(row))));
    out.push("");
  }
  const s = report.summary;
  const bySeverity = SEVERITIES.map((sev) => `${s.failing[sev]} ${sev}`).join(", ");
  out.push(
    `${s.total} findings in ${report.accounts.length} account(s), ${report.regions.length} region(s): ` +
      `${s.byStatus.FAIL} FAIL (${bySeverity}), ${s.byStatus.ERROR} ERROR, ${s.byStatus.PASS} PASS.`,
  );
  if (s.byStatus.ERROR > 0) {
    out.push("ERROR means a control could not be evaluated; the detail names the missing permission.");
  }
  const stale = notRecheckedLines(report);
  if (stale.length > 0) out.push("", ...stale.map((l) => l.replace(/\s+/g, " ").replace(/^ /, "  ")));
  return `${out.join("\n")}\n`;
}

/**
 * The terminal report: failing and erroring findings grouped by severity, each with its id (for `fix` and
 * `suppress`), control, account, region, resource and detail, wrapped to the terminal's width at word
 * boundaries; then the summary. Colour only when asked for (a terminal without NO_COLOR).
 */
import { stripVTControlCharacters } from "node:util";
import { SEVERITIES, type Severity } from "../../domain/severity.js";
import { notRecheckedLines, type ReportFinding, type ScanReport } from "./report.js";
import { wrapText } from "./wrap.js";

export interface TableOptions {
  includePassed?: boolean;
  /** Characters per line (the terminal's columns); default 100. */
  width?: number;
  /** ANSI colours (a terminal, NO_COLOR unset). */
  color?: boolean;
}

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;
const INDENT = "    ";

const SGR: Record<Severity | "FAIL" | "ERROR" | "PASS" | "dim", string> = {
  critical: "1;35",
  high: "1;31",
  medium: "1;33",
  low: "1;34",
  FAIL: "31",
  ERROR: "33",
  PASS: "32",
  dim: "2",
};

/** Untrusted text (names, tags, paths) must not move the cursor or recolour the terminal. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return stripVTControlCharacters(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

function findingLines(f: ReportFinding, width: number, paint: (code: keyof typeof SGR, t: string) => string) {
  const inner = width - INDENT.length;
  const head = wrapText(
    `${f.status} ${f.id} ${clean(f.controlId)} ${clean(f.accountId)} ${clean(f.region)}`,
    width - 2,
  );
  const out = head.map((line, i) =>
    i === 0
      ? `  ${line.replace(/^(FAIL|ERROR|PASS) (\S+)/, (_m, s: "FAIL" | "ERROR" | "PASS", id: string) => `${paint(s, s)} ${paint("dim", id)}`)}`
      : `  ${line}`,
  );
  for (const line of wrapText(clean(f.resourceArn), inner)) out.push(`${INDENT}${line}`);
  for (const line of wrapText(clean(f.detail), inner)) out.push(`${INDENT}${line}`);
  return out;
}

export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.width ?? DEFAULT_WIDTH);
  const paint = (code: keyof typeof SGR, text: string) =>
    options.color ? `\u001b[${SGR[code]}m${text}\u001b[0m` : text;
  const rows = report.findings.filter((f) => options.includePassed || f.status !== "PASS");
  const out: string[] = [];
  for (const severity of SEVERITIES) {
    const group = rows.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const counts = (["FAIL", "ERROR", "PASS"] as const)
      .map((s) => [s, group.filter((f) => f.status === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    out.push(paint(severity, `${severity.toUpperCase()} (${counts})`));
    for (const f of group) {
      for (const line of findingLines(f, width, paint)) out.push(line);
      out.push("");
    }
  }
  const s = report.summary;
  const bySeverity = SEVERITIES.map((sev) => `${s.failing[sev]} ${sev}`).join(", ");
  const summary =
    `${s.total} findings in ${report.accounts.length} account(s), ${report.regions.length} region(s): ` +
    `${s.byStatus.FAIL} FAIL (${bySeverity}), ${s.byStatus.ERROR} ERROR, ${s.byStatus.PASS} PASS.`;
  for (const line of wrapText(summary, width)) out.push(line);
  if (s.byStatus.ERROR > 0) {
    const note =
      "ERROR means a control could not be evaluated; its detail says why (a denied permission, a timeout).";
    for (const line of wrapText(note, width)) out.push(line);
  }
  const stale = notRecheckedLines(report);
  if (stale.length > 0) {
    out.push("");
    const [first, ...rest] = stale;
    for (const line of wrapText(clean(first ?? ""), width)) out.push(line);
    for (const line of rest) for (const w of wrapText(clean(line.trim()), width - 2)) out.push(`  ${w}`);
  }
  return `${out.join("\n")}\n`;
}

/** What every output format renders: the findings of one scan, masked, in a stable order. */
import { type Finding, findingId } from "../../domain/finding.js";
import { maskResourceArn, maskSensitive, withSensitiveMemo } from "../../domain/sensitive.js";
import type { Severity } from "../../domain/severity.js";
import { type FindingSummary, summarizeFindings } from "../../scan/summarize.js";
import { sortFindings } from "./order.js";

/** A failing finding from an earlier scan that this scan could not re-check: its verdict stands, as of then. */
export interface NotRechecked {
  controlId: string;
  severity: Finding["severity"];
  accountId: string;
  region: string;
  resourceArn: string;
  /** The standing verdict's sentence. */
  detail: string;
  /** When it was last evaluated. */
  notRecheckedSince: string;
}

export interface ScanReport {
  scanId?: string;
  startedAt: string;
  finishedAt: string;
  accounts: string[];
  regions: string[];
  summary: FindingSummary;
  findings: ReportedFinding[];
  /** Present when the scan was stored: the failing findings it could not re-check (kept, not resolved). */
  notRechecked?: NotRechecked[];
  /** The failing findings per day from the state store, oldest first, when one was read (html). */
  trend?: TrendDay[];
}

/** The name the output formats use for a reported finding. */
export type ReportFinding = ReportedFinding;

export interface TrendDay {
  day: string;
  total: number;
  bySeverity: Record<Severity, number>;
}

/** A finding as reported: its id first (what `fix`, `suppress` and Slack take), its text masked. */
export type ReportedFinding = { id: string } & Finding;

/** Masks every untrusted field once, so no format can forget to; the id comes from the unmasked key. */
export function maskFinding(finding: Finding): ReportedFinding {
  const masked: ReportedFinding = {
    id: findingId(finding),
    ...finding,
    resourceArn: maskResourceArn(finding.resourceArn),
    detail: maskSensitive(finding.detail),
  };
  if (finding.error) {
    masked.error = { ...finding.error, message: maskSensitive(finding.error.message) };
    // The remedy quotes OU paths, which are names people chose.
    if (finding.error.remedy) masked.error.remedy = maskSensitive(finding.error.remedy);
  }
  if (finding.accountName !== undefined) masked.accountName = maskSensitive(finding.accountName);
  return masked;
}

export interface ReportOptions {
  /**
   * Which findings the report lists, and so masks: `all` (json and ocsf, and any format with `--all`), or
   * `failing`, the FAIL and ERROR findings that the table, markdown, html and sarif show by default. The
   * summary counts every finding either way. A 10k scan has ~30,000 findings and ~800 failing ones, so the
   * table masks ~800 instead of every one.
   */
  list?: "all" | "failing";
}

export function buildReport(
  input: Omit<ScanReport, "summary" | "findings"> & { findings: readonly Finding[] },
  options: ReportOptions = {},
): ScanReport {
  return withSensitiveMemo(() => buildMaskedReport(input, options.list ?? "all"));
}

function buildMaskedReport(
  input: Omit<ScanReport, "summary" | "findings"> & { findings: readonly Finding[] },
  list: "all" | "failing",
): ScanReport {
  const listed = list === "all" ? input.findings : input.findings.filter((f) => f.status !== "PASS");
  const report: ScanReport = {
    ...input,
    summary: summarizeFindings(input.findings),
    findings: sortFindings(listed).map(maskFinding),
  };
  if (input.notRechecked) {
    report.notRechecked = input.notRechecked.map((f) => ({
      ...f,
      resourceArn: maskResourceArn(f.resourceArn),
      detail: maskSensitive(f.detail),
    }));
  }
  return report;
}

/** The lines that list what the scan could not re-check (none when it re-checked everything). */
export function notRecheckedLines(report: ScanReport): string[] {
  const stale = report.notRechecked ?? [];
  if (stale.length === 0) return [];
  return [
    `${stale.length} failing finding(s) from earlier scans could not be re-checked; they stay open:`,
    ...stale.map(
      (f) =>
        `  ${f.severity} ${f.controlId} ${f.accountId} ${f.region} ${f.resourceArn}: not re-checked since ${f.notRecheckedSince.slice(0, 10)}. ${f.detail}`,
    ),
  ];
}

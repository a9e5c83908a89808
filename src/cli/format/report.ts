/** What every output format renders: the findings of one scan, masked, in a stable order. */
import { type Finding, findingId } from "../../domain/finding.js";
import { maskResourceArn, maskSensitive } from "../../domain/sensitive.js";
import type { Severity } from "../../domain/severity.js";
import { type FindingSummary, summarizeFindings } from "../../scan/summarize.js";
import { sortFindings } from "./order.js";

export interface ScanReport {
  scanId?: string;
  startedAt: string;
  finishedAt: string;
  accounts: string[];
  regions: string[];
  summary: FindingSummary;
  findings: ReportFinding[];
  /** The failing findings per day from the state store, oldest first, when one was read (html). */
  trend?: TrendDay[];
}

/** A finding as every format shows it: masked, with its short id (`findingId`, from the unmasked key). */
export type ReportFinding = Finding & { id: string };

export interface TrendDay {
  day: string;
  total: number;
  bySeverity: Record<Severity, number>;
}

/** Masks every untrusted field once, so no format can forget to. */
export function maskFinding(finding: Finding): Finding {
  const masked: Finding = {
    ...finding,
    resourceArn: maskResourceArn(finding.resourceArn),
    detail: maskSensitive(finding.detail),
  };
  if (finding.error) masked.error = { ...finding.error, message: maskSensitive(finding.error.message) };
  return masked;
}

export function buildReport(
  input: Omit<ScanReport, "summary" | "findings"> & { findings: readonly Finding[] },
): ScanReport {
  return {
    ...input,
    summary: summarizeFindings(input.findings),
    findings: sortFindings(input.findings).map((f) => ({ id: findingId(f), ...maskFinding(f) })),
  };
}

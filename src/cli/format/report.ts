/** What every output format renders: the findings of one scan, masked, in a stable order. */
import { type Finding, findingId } from "../../domain/finding.js";
import { maskResourceArn, maskSensitive } from "../../domain/sensitive.js";
import { type FindingSummary, summarizeFindings } from "../../scan/summarize.js";
import { sortFindings } from "./order.js";

export interface ScanReport {
  scanId?: string;
  startedAt: string;
  finishedAt: string;
  accounts: string[];
  regions: string[];
  summary: FindingSummary;
  findings: ReportedFinding[];
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
  if (finding.error) masked.error = { ...finding.error, message: maskSensitive(finding.error.message) };
  return masked;
}

export function buildReport(
  input: Omit<ScanReport, "summary" | "findings"> & { findings: readonly Finding[] },
): ScanReport {
  return {
    ...input,
    summary: summarizeFindings(input.findings),
    findings: sortFindings(input.findings).map(maskFinding),
  };
}

/** What every output format renders: the findings of one scan, masked, in a stable order. */
import type { Finding } from "../../domain/finding.js";
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
  findings: Finding[];
}

/** Masks every untrusted field once, so no format can forget to. */
export function maskFinding(finding: Finding): Finding {
  const masked: Finding = {
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

export function buildReport(
  input: Omit<ScanReport, "summary" | "findings"> & { findings: readonly Finding[] },
): ScanReport {
  return {
    ...input,
    summary: summarizeFindings(input.findings),
    findings: sortFindings(input.findings).map(maskFinding),
  };
}

import type { Finding, FindingStatus } from "../../domain/finding.js";
import { severityRank } from "../../domain/severity.js";

const STATUS_ORDER: Record<FindingStatus, number> = { FAIL: 0, ERROR: 1, PASS: 2 };

/** FAIL before ERROR before PASS, most severe first, then by control, account, region and resource. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    a.controlId.localeCompare(b.controlId) ||
    a.accountId.localeCompare(b.accountId) ||
    a.region.localeCompare(b.region) ||
    a.resourceArn.localeCompare(b.resourceArn)
  );
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

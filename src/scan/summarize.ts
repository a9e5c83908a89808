/** Counts findings by status and severity: what every report's header shows. */
import type { Finding, FindingStatus } from "../domain/finding.js";
import { isAtLeast, SEVERITIES, type Severity } from "../domain/severity.js";

export interface FindingSummary {
  total: number;
  byStatus: Record<FindingStatus, number>;
  /** FAIL findings by severity. */
  failing: Record<Severity, number>;
  /** ERROR findings by severity. */
  errors: Record<Severity, number>;
}

function zeroBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

export function summarizeFindings(findings: readonly Finding[]): FindingSummary {
  const summary: FindingSummary = {
    total: findings.length,
    byStatus: { PASS: 0, FAIL: 0, ERROR: 0 },
    failing: zeroBySeverity(),
    errors: zeroBySeverity(),
  };
  for (const finding of findings) {
    summary.byStatus[finding.status] += 1;
    if (finding.status === "FAIL") summary.failing[finding.severity] += 1;
    if (finding.status === "ERROR") summary.errors[finding.severity] += 1;
  }
  return summary;
}

/**
 * True when a finding at or above `threshold` failed or could not be evaluated: an unevaluated control is
 * not a pass, so a CI gate must not go green on missing permissions.
 */
export function breachesThreshold(findings: readonly Finding[], threshold: Severity | "none"): boolean {
  if (threshold === "none") return false;
  return findings.some((f) => f.status !== "PASS" && isAtLeast(f.severity, threshold));
}

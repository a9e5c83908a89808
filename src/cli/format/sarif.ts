/**
 * SARIF 2.1.0 for code-scanning dashboards: one run, one rule per control (with its guidance as help), one
 * result per FAIL (level by severity, `security-severity` as GitHub reads it) and per ERROR (kind `open`: the
 * control could not be evaluated). PASS findings are left out unless asked for (kind `pass`). Cloud resources
 * have no file, so each result names its resource as a logical location.
 */

import { CONTROLS as CATALOG } from "../../controls/catalog.js";
import type { Control } from "../../domain/control.js";
import type { Severity } from "../../domain/severity.js";
import type { ReportFinding, ScanReport } from "./report.js";

/** The catalog, widened: finding control ids are plain strings. */
const CONTROLS: readonly Control[] = CATALOG;

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};
/** GitHub's bands: critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

function result(f: ReportFinding, ruleIndex: number): object {
  const kind = f.status === "FAIL" ? "fail" : f.status === "ERROR" ? "open" : "pass";
  return {
    ruleId: f.controlId,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    kind,
    level: kind === "fail" ? LEVEL[f.severity] : "none",
    message: { text: f.detail },
    locations: [
      {
        logicalLocations: [{ fullyQualifiedName: f.resourceArn, kind: "resource" }],
      },
    ],
    partialFingerprints: { findingId: f.id },
    properties: {
      findingId: f.id,
      status: f.status,
      severity: f.severity,
      accountId: f.accountId,
      region: f.region,
      resourceType: f.resourceType,
      ...(f.remediationId ? { remediationId: f.remediationId } : {}),
      ...(f.error ? { error: f.error } : {}),
    },
  };
}

export function renderSarif(
  report: ScanReport,
  version: string,
  options: { includePassed?: boolean } = {},
): string {
  const ruleIndex = new Map(CONTROLS.map((c, i) => [c.id, i]));
  const rules = CONTROLS.map((c) => ({
    id: c.id,
    name: c.id,
    shortDescription: { text: c.title },
    help: { text: c.guidance },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[c.severity],
      severity: c.severity,
      tags: ["security", "amazon-forecast", c.service],
      ...(c.remediationId ? { remediationId: c.remediationId } : {}),
    },
  }));
  const results = report.findings
    .filter((f) => options.includePassed || f.status !== "PASS")
    .map((f) => result(f, ruleIndex.get(f.controlId) ?? -1));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "forecast-audit", version, rules } },
        automationDetails: report.scanId ? { id: `forecast-audit/${report.scanId}` } : undefined,
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
          },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

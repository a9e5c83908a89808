/** A stored finding back as the domain `Finding` that controls, views and remediations take. */
import type { Finding } from "../domain/finding.js";
import type { FindingRecord } from "./types.js";

export function toFinding(record: FindingRecord): Finding {
  const finding: Finding = {
    controlId: record.controlId,
    status: record.status,
    severity: record.severity,
    accountId: record.accountId,
    region: record.region,
    resourceArn: record.resourceArn,
    resourceType: record.resourceType,
    title: record.title,
    detail: record.detail,
  };
  if (record.remediationId && record.status === "FAIL") finding.remediationId = record.remediationId;
  if (record.error) finding.error = record.error;
  return finding;
}

/**
 * OCSF Detection Finding events (class 2004, OCSF 1.5.0 with the `cloud` profile): the shape Prowler writes
 * and AWS Security Hub reads. One JSON array, one event per finding; PASS findings are included (status_code
 * PASS) so that a consumer can close what was fixed.
 */
import { controlById } from "../../controls/catalog.js";
import type { Severity } from "../../domain/severity.js";
import type { ReportFinding, ScanReport } from "./report.js";

export const OCSF_VERSION = "1.5.0";
const DETECTION_FINDING = 2004;
const FINDINGS_CATEGORY = 2;
/** activity_id 1 = Create: each event reports a finding as of this scan. */
const ACTIVITY_CREATE = 1;

const SEVERITY_ID: Record<Severity, number> = { low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<Severity, string> = {
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};

function partition(arn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? "aws";
}

function toEvent(f: ReportFinding, report: ScanReport, version: string, time: number): object {
  const control = controlById(f.controlId);
  const event: Record<string, unknown> = {
    activity_id: ACTIVITY_CREATE,
    activity_name: "Create",
    category_uid: FINDINGS_CATEGORY,
    category_name: "Findings",
    class_uid: DETECTION_FINDING,
    class_name: "Detection Finding",
    type_uid: DETECTION_FINDING * 100 + ACTIVITY_CREATE,
    type_name: "Detection Finding: Create",
    time,
    severity_id: SEVERITY_ID[f.severity],
    severity: SEVERITY_NAME[f.severity],
    // status_id is the finding's workflow state; whether the control holds is status_code, as Prowler writes it.
    status_id: 1,
    status: "New",
    status_code: f.status,
    status_detail: f.detail,
    message: f.detail,
    metadata: {
      version: OCSF_VERSION,
      profiles: ["cloud"],
      product: { name: "forecast-audit", vendor_name: "forecast-audit", version },
      ...(report.scanId ? { correlation_uid: report.scanId } : {}),
      event_code: f.controlId,
    },
    finding_info: {
      uid: f.id,
      title: f.title,
      desc: f.detail,
      types: [f.controlId],
      created_time: time,
    },
    cloud: {
      provider: "AWS",
      region: f.region,
      account: { uid: f.accountId, type: "AWS Account", type_id: 10 },
    },
    resources: [
      {
        uid: f.resourceArn,
        type: f.resourceType,
        region: f.region,
        cloud_partition: partition(f.resourceArn),
      },
    ],
    unmapped: {
      control_id: f.controlId,
      ...(f.remediationId ? { remediation_id: f.remediationId } : {}),
      ...(f.error ? { error: f.error } : {}),
    },
  };
  if (control && f.status !== "PASS") event.remediation = { desc: control.guidance };
  return event;
}

export function renderOcsf(report: ScanReport, version: string): string {
  const time = Date.parse(report.finishedAt);
  return `${JSON.stringify(
    report.findings.map((f) => toEvent(f, report, version, time)),
    null,
    2,
  )}\n`;
}

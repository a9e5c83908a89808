/** Conversions between table rows (snake_case, JSON as text, null) and the store's records. */
import type { Insertable, Selectable } from "kysely";
import { type FindingStatus, findingId, type ResourceType } from "../domain/finding.js";
import type { CollectError } from "../domain/result.js";
import { SEVERITIES, type Severity } from "../domain/severity.js";
import type { FindingState } from "./lifecycle.js";
import type {
  AuditLogTable,
  FindingHistoryTable,
  FindingsTable,
  RemediationRequestsTable,
  ScansTable,
  ScheduleSlotsTable,
  SuppressionsTable,
} from "./schema.js";
import type {
  AuditEntry,
  FindingHistoryRecord,
  Lifecycle,
  RemediationRequest,
  RequestResult,
  RequestState,
  ResolvedReason,
  ScanCounts,
  ScanOrigin,
  ScanOutcome,
  ScanRecord,
  ScanScope,
  ScanScopeError,
  SlotClaim,
  Suppression,
} from "./types.js";

/** Copies `value` into `target[key]` unless it is null, as exactOptionalPropertyTypes wants. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null | undefined): void {
  if (value !== null && value !== undefined) target[key] = value;
}

export function parseJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function findingFromRow(row: Selectable<FindingsTable>): FindingState {
  const f: FindingState = {
    key: row.key,
    id: row.id ?? findingId(findingPartsOf(row)),
    controlId: row.control_id,
    accountId: row.account_id,
    region: row.region,
    resourceArn: row.resource_arn,
    resourceType: row.resource_type as ResourceType,
    severity: row.severity as Severity,
    title: row.title,
    detail: row.detail,
    status: row.status as FindingStatus,
    lifecycle: row.lifecycle as Lifecycle,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    changedAt: row.changed_at,
    lastScanId: row.last_scan_id,
    observedAt: row.observed_at,
  };
  setIf(f, "remediationId", row.remediation_id);
  setIf(f, "error", parseJson(row.error) as CollectError | undefined);
  setIf(f, "lastFailedAt", row.last_failed_at);
  setIf(f, "lastErrorAt", row.last_error_at);
  setIf(f, "resolvedAt", row.resolved_at);
  setIf(f, "resolvedReason", row.resolved_reason as ResolvedReason | null);
  setIf(f, "checkedAt", row.checked_at);
  setIf(f, "notRecheckedSince", row.not_rechecked_since);
  setIf(f, "scopeRegions", parseJson(row.scope_regions) as string[] | undefined);
  return f;
}

/** The parts `findingId` hashes, from the row's own columns (its key is made of them). */
function findingPartsOf(row: Selectable<FindingsTable>) {
  return {
    controlId: row.control_id,
    accountId: row.account_id,
    region: row.region,
    resourceArn: row.resource_arn,
  };
}

export function findingToRow(f: FindingState): Insertable<FindingsTable> {
  return {
    key: f.key,
    id: f.id,
    control_id: f.controlId,
    account_id: f.accountId,
    region: f.region,
    resource_arn: f.resourceArn,
    resource_type: f.resourceType,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    status: f.status,
    lifecycle: f.lifecycle,
    remediation_id: f.remediationId ?? null,
    error: jsonOrNull(f.error),
    first_seen_at: f.firstSeenAt,
    last_seen_at: f.lastSeenAt,
    last_failed_at: f.lastFailedAt ?? null,
    last_error_at: f.lastErrorAt ?? null,
    changed_at: f.changedAt,
    resolved_at: f.resolvedAt ?? null,
    resolved_reason: f.resolvedReason ?? null,
    last_scan_id: f.lastScanId,
    observed_at: f.observedAt,
    checked_at: f.checkedAt ?? null,
    not_rechecked_since: f.notRecheckedSince ?? null,
    scope_regions: jsonOrNull(f.scopeRegions),
  };
}

/** The columns an upsert overwrites: all but the key. */
export const FINDING_UPDATE_COLUMNS = [
  "control_id",
  "account_id",
  "region",
  "resource_arn",
  "resource_type",
  "severity",
  "title",
  "detail",
  "status",
  "lifecycle",
  "remediation_id",
  "error",
  "first_seen_at",
  "last_seen_at",
  "last_failed_at",
  "last_error_at",
  "changed_at",
  "resolved_at",
  "resolved_reason",
  "last_scan_id",
  "observed_at",
  "checked_at",
  "not_rechecked_since",
  "scope_regions",
] as const satisfies readonly (keyof FindingsTable)[];

export function historyFromRow(row: Selectable<FindingHistoryTable>): FindingHistoryRecord {
  const h: FindingHistoryRecord = {
    id: Number(row.id),
    key: row.finding_key,
    scanId: row.scan_id,
    from: row.from_state as Lifecycle | null,
    to: row.to_state as Lifecycle,
    at: row.at,
  };
  setIf(h, "reason", row.reason as ResolvedReason | null);
  return h;
}

export function scanFromRow(row: Selectable<ScansTable>): ScanRecord {
  const scan: ScanRecord = {
    id: row.id,
    scope: JSON.parse(row.scope) as ScanScope,
    trigger: row.trigger,
    startedAt: row.started_at,
    outcome: row.outcome as ScanOutcome,
  };
  setIf(scan, "finishedAt", row.finished_at);
  setIf(scan, "error", row.error);
  setIf(scan, "heartbeatAt", row.heartbeat_at);
  setIf(scan, "origin", parseJson(row.requested_in) as ScanOrigin | undefined);
  setIf(scan, "unscanned", parseJson(row.unscanned) as ScanScopeError[] | undefined);
  if (row.fail_by_severity !== null) {
    const stored = JSON.parse(row.fail_by_severity) as Partial<Record<Severity, number>>;
    const failBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, stored[s] ?? 0])) as Record<
      Severity,
      number
    >;
    const counts: ScanCounts = {
      pass: Number(row.pass_count),
      fail: Number(row.fail_count),
      error: Number(row.error_count),
      new: Number(row.new_count),
      reopened: Number(row.reopened_count),
      resolved: Number(row.resolved_count),
      failBySeverity,
    };
    scan.counts = counts;
  }
  return scan;
}

export function suppressionFromRow(row: Selectable<SuppressionsTable>): Suppression {
  const s: Suppression = {
    id: row.id,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
  setIf(s, "findingKey", row.finding_key);
  setIf(s, "controlId", row.control_id);
  setIf(s, "resourcePattern", row.resource_pattern);
  setIf(s, "expiresAt", row.expires_at);
  setIf(s, "removedAt", row.removed_at);
  setIf(s, "removedBy", row.removed_by);
  setIf(s, "approvedBy", row.approved_by);
  setIf(s, "requestId", row.request_id);
  return s;
}

export function requestFromRow(row: Selectable<RemediationRequestsTable>): RemediationRequest {
  const r: RemediationRequest = {
    id: row.id,
    findingKey: row.finding_key,
    remediationId: row.remediation_id,
    plan: JSON.parse(row.plan) as unknown,
    planFingerprint: row.plan_fingerprint,
    requester: row.requester,
    state: row.state as RequestState,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
  };
  setIf(r, "approver", row.approver);
  setIf(r, "rejecter", row.rejecter);
  setIf(r, "reason", row.reason);
  if (row.prior_state !== null) r.priorState = JSON.parse(row.prior_state) as unknown;
  setIf(r, "result", parseJson(row.result) as RequestResult | undefined);
  setIf(r, "slackChannel", row.slack_channel);
  setIf(r, "slackTs", row.slack_ts);
  return r;
}

export function auditFromRow(row: Selectable<AuditLogTable>): AuditEntry {
  const e: AuditEntry = { id: Number(row.id), at: row.at, actor: row.actor, action: row.action };
  setIf(e, "target", row.target);
  if (row.detail !== null) e.detail = JSON.parse(row.detail) as unknown;
  return e;
}

export function slotFromRow(row: Selectable<ScheduleSlotsTable>): SlotClaim {
  const s: SlotClaim = {
    job: row.job,
    slot: row.slot,
    instanceId: row.instance_id,
    claimedAt: row.claimed_at,
  };
  setIf(s, "doneAt", row.done_at);
  setIf(s, "outcome", row.outcome);
  return s;
}

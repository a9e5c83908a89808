/**
 * The tables as Kysely sees them. One schema for both engines: timestamps are ISO-8601 text (which sorts
 * as time), JSON is text, ids are text except the append-only logs' integer sequences.
 */
import type { Generated } from "kysely";

export interface ScansTable {
  id: string;
  trigger: string;
  scope: string;
  started_at: string;
  finished_at: string | null;
  outcome: string;
  pass_count: Generated<number>;
  fail_count: Generated<number>;
  error_count: Generated<number>;
  new_count: Generated<number>;
  reopened_count: Generated<number>;
  resolved_count: Generated<number>;
  fail_by_severity: string | null;
  error: string | null;
  /** Refreshed while the scan runs (migration 0010); null only on rows written before it. */
  heartbeat_at: string | null;
  /** JSON `ScanOrigin`: where the scan was asked for. */
  requested_in: string | null;
  /** Set when the scan's interruption was announced (after the post; migration 0017). */
  announced_at: string | null;
  /** Who holds the claim on announcing the interruption, and since when (a lease; migration 0017). */
  announce_claimed_at: string | null;
  announce_claimed_by: string | null;
  /** JSON `ScanScopeError[]`: what the scan could not read (migration 0019); null when not recorded. */
  unscanned: string | null;
}

export interface FindingsTable {
  key: string;
  /** `findingId(key)`; null only between migration 0006's column and its backfill. */
  id: string | null;
  control_id: string;
  account_id: string;
  region: string;
  resource_arn: string;
  resource_type: string;
  severity: string;
  title: string;
  detail: string;
  status: string;
  lifecycle: string;
  remediation_id: string | null;
  error: string | null;
  first_seen_at: string;
  last_seen_at: string;
  last_failed_at: string | null;
  last_error_at: string | null;
  changed_at: string;
  resolved_at: string | null;
  resolved_reason: string | null;
  last_scan_id: string;
  observed_at: string;
  checked_at: string | null;
  not_rechecked_since: string | null;
  /** JSON array of regions, or null for the finding's own region. */
  scope_regions: string | null;
}

export interface FindingHistoryTable {
  id: Generated<number>;
  finding_key: string;
  scan_id: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  at: string;
}

export interface SuppressionsTable {
  id: string;
  finding_key: string | null;
  control_id: string | null;
  resource_pattern: string | null;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  removed_at: string | null;
  removed_by: string | null;
  approved_by: string | null;
  request_id: string | null;
  /** When the approvals channel was told it was made (written after the post). */
  announced_at: string | null;
  /** When the approvals channel was told it was lifted or ran out (written after the post). */
  end_announced_at: string | null;
  /** Claims, with a lease, on announcing it made and ended (migration 0017). */
  announce_claimed_at: string | null;
  announce_claimed_by: string | null;
  end_announce_claimed_at: string | null;
  end_announce_claimed_by: string | null;
}

export interface SuppressionRequestsTable {
  id: string;
  finding_key: string;
  reason: string;
  duration_days: number | null;
  severity: string;
  requester: string;
  approver: string | null;
  rejecter: string | null;
  reject_reason: string | null;
  state: string;
  created_at: string;
  expires_at: string;
  updated_at: string;
  suppression_id: string | null;
  slack_channel: string | null;
  slack_ts: string | null;
}

export interface RemediationRequestsTable {
  id: string;
  finding_key: string;
  remediation_id: string;
  plan: string;
  plan_fingerprint: string;
  requester: string;
  approver: string | null;
  rejecter: string | null;
  reason: string | null;
  state: string;
  prior_state: string | null;
  result: string | null;
  created_at: string;
  expires_at: string;
  updated_at: string;
  slack_channel: string | null;
  slack_ts: string | null;
  /** When a sweep cut it off (lease run out; migration 0016). */
  interrupted_at: string | null;
  /** The claim on redrawing its message to say so, and when that was done (migration 0016). */
  interrupt_claimed_at: string | null;
  interrupt_claimed_by: string | null;
  interrupt_announced_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export interface ScheduleSlotsTable {
  job: string;
  slot: string;
  instance_id: string;
  claimed_at: string;
  done_at: string | null;
  outcome: string | null;
}

/**
 * Durable jobs of the in-process runner (SQLite). On PostgreSQL pg-boss keeps its own tables and this one
 * stays empty. `id` is deterministic for keyed jobs (one job per kind and key, ever).
 */
export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  /** created | active | completed | failed */
  state: string;
  /** Attempts started so far. */
  attempts: number;
  retry_limit: number;
  /** A retry waits until then. */
  run_after: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  last_error: string | null;
  /** 1 from the statement that fails the job for good until its dead letter was handled (migration 0017). */
  dead_letter_pending: Generated<number>;
}

/** One account's part of a fanned-out scan, written in the transaction that commits the part's findings. */
export interface ScanPartsTable {
  scan_id: string;
  account_id: string;
  /** succeeded | partial | failed */
  outcome: string;
  /** JSON ScanCounts, or null for a failed part. */
  counts: string | null;
  /** JSON: what the part could not read (the scheduled scan report's `unscanned`). */
  detail: string | null;
  error: string | null;
  finished_at: string;
}

/** Per control, account and region: the start of the latest committed scan that evaluated it cleanly. */
export interface ScanCoverageTable {
  control_id: string;
  account_id: string;
  region: string;
  observed_at: string;
  scan_id: string;
}

/** What scans learnt about each account: its name and where it sits in the organization. */
export interface AccountDirectoryTable {
  account_id: string;
  name: string | null;
  ou_id: string | null;
  ou_path: string | null;
  /** `config` or `organization`. */
  source: string;
  seen_at: string;
}

/** One digest message (page 0) or thread page (1…) of a slot in a channel: started before posting, ts after. */
export interface DigestMessagesTable {
  channel: string;
  slot: string;
  page: number;
  started_at: string;
  as_of: string | null;
  ts: string | null;
  posted_at: string | null;
}

/** Store-wide locks held across transactions (SQLite: one scan commit at a time; migration 0012). */
export interface StoreLocksTable {
  name: string;
  holder: string;
  /** Milliseconds since the epoch of the holder's last renewal. */
  renewed_at: number;
}

export interface Database {
  scans: ScansTable;
  findings: FindingsTable;
  finding_history: FindingHistoryTable;
  suppressions: SuppressionsTable;
  suppression_requests: SuppressionRequestsTable;
  remediation_requests: RemediationRequestsTable;
  audit_log: AuditLogTable;
  schedule_slots: ScheduleSlotsTable;
  scan_coverage: ScanCoverageTable;
  account_directory: AccountDirectoryTable;
  digest_messages: DigestMessagesTable;
  jobs: JobsTable;
  scan_parts: ScanPartsTable;
  store_locks: StoreLocksTable;
}

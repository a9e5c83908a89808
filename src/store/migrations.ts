/**
 * Versioned migrations, defined in code so that a bundled build needs no folder at run time.
 * Names sort in order; never edit one that has shipped, add the next.
 */
import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  Migrator,
  type NO_MIGRATIONS,
  sql,
} from "kysely";
import { findingId } from "../domain/finding.js";
import type { Database } from "./schema.js";
import type { Engine } from "./types.js";

type AnyDb = Kysely<unknown>;

function identity(engine: Engine) {
  // The same integer sequence on both engines, spelled the way each one wants it.
  return engine === "sqlite"
    ? (col: ColumnDefinitionBuilder) => col.primaryKey().autoIncrement()
    : (col: ColumnDefinitionBuilder) => col.generatedByDefaultAsIdentity().primaryKey();
}

function initial(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("scans")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("trigger", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("started_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("pass_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("fail_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("error_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("new_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("reopened_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("resolved_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("fail_by_severity", "text")
        .addColumn("error", "text")
        .execute();

      await db.schema
        .createTable("findings")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("control_id", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("region", "text", (c) => c.notNull())
        .addColumn("resource_arn", "text", (c) => c.notNull())
        .addColumn("resource_type", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) =>
          c.notNull().check(sql`severity in ('critical', 'high', 'medium', 'low')`),
        )
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("detail", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('PASS', 'FAIL', 'ERROR')`))
        .addColumn("lifecycle", "text", (c) => c.notNull())
        .addColumn("remediation_id", "text")
        .addColumn("error", "text")
        .addColumn("first_seen_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .addColumn("last_failed_at", "text")
        .addColumn("last_error_at", "text")
        .addColumn("changed_at", "text", (c) => c.notNull())
        .addColumn("resolved_at", "text")
        .addColumn("resolved_reason", "text")
        .addColumn("last_scan_id", "text", (c) => c.notNull())
        .addColumn("observed_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("findings_account_control")
        .on("findings")
        .columns(["account_id", "control_id"])
        .execute();

      await db.schema
        .createTable("finding_history")
        .addColumn("id", "integer", identity(engine))
        .addColumn("finding_key", "text", (c) => c.notNull())
        .addColumn("scan_id", "text", (c) => c.notNull().references("scans.id"))
        .addColumn("from_state", "text")
        .addColumn("to_state", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("suppressions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("finding_key", "text")
        .addColumn("control_id", "text")
        .addColumn("resource_pattern", "text")
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("removed_at", "text")
        .addColumn("removed_by", "text")
        .addCheckConstraint(
          "suppressions_target",
          sql`(finding_key is not null and control_id is null) or (finding_key is null and control_id is not null)`,
        )
        .execute();

      await db.schema
        .createTable("remediation_requests")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("finding_key", "text", (c) => c.notNull())
        .addColumn("remediation_id", "text", (c) => c.notNull())
        .addColumn("plan", "text", (c) => c.notNull())
        .addColumn("plan_fingerprint", "text", (c) => c.notNull())
        .addColumn("requester", "text", (c) => c.notNull())
        .addColumn("approver", "text")
        .addColumn("rejecter", "text")
        .addColumn("reason", "text")
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("prior_state", "text")
        .addColumn("result", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("slack_channel", "text")
        .addColumn("slack_ts", "text")
        .execute();
      await db.schema
        .createIndex("remediation_requests_state")
        .on("remediation_requests")
        .columns(["state", "expires_at"])
        .execute();

      await db.schema
        .createTable("audit_log")
        .addColumn("id", "integer", identity(engine))
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text")
        .addColumn("detail", "text")
        .execute();
    },
  };
}

/** Schedule slots for work that exactly one replica must do, and the indexes the digest reads need. */
function slotsAndDigestIndexes(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("schedule_slots")
        .addColumn("job", "text", (c) => c.notNull())
        .addColumn("slot", "text", (c) => c.notNull())
        .addColumn("instance_id", "text", (c) => c.notNull())
        .addColumn("claimed_at", "text", (c) => c.notNull())
        .addColumn("done_at", "text")
        .addColumn("outcome", "text")
        .addPrimaryKeyConstraint("schedule_slots_pk", ["job", "slot"])
        .execute();
      await db.schema.createIndex("finding_history_at").on("finding_history").column("at").execute();
      await db.schema
        .createIndex("finding_history_key")
        .on("finding_history")
        .columns(["finding_key", "at"])
        .execute();
      await db.schema.createIndex("finding_history_scan").on("finding_history").column("scan_id").execute();
      await db.schema.createIndex("findings_lifecycle").on("findings").column("lifecycle").execute();
      await db.schema.createIndex("scans_started_at").on("scans").column("started_at").execute();
      await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
      await db.schema.createIndex("audit_log_target").on("audit_log").column("target").execute();
      await db.schema
        .createIndex("remediation_requests_finding")
        .on("remediation_requests")
        .column("finding_key")
        .execute();
      await appendOnlyAuditLog(db, engine);
    },
  };
}

/** The audit log refuses UPDATE and DELETE in the database itself, not only by having no API for them. */
async function appendOnlyAuditLog(db: AnyDb, engine: Engine): Promise<void> {
  if (engine === "sqlite") {
    for (const op of ["update", "delete"] as const) {
      await sql
        .raw(
          `create trigger audit_log_no_${op} before ${op} on audit_log ` +
            `begin select raise(abort, 'audit_log is append-only'); end`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      "create function audit_log_append_only() returns trigger language plpgsql as " +
        "$$ begin raise exception 'audit_log is append-only'; end $$",
    )
    .execute(db);
  await sql
    .raw(
      "create trigger audit_log_append_only before update or delete on audit_log " +
        "for each statement execute function audit_log_append_only()",
    )
    .execute(db);
}

/**
 * What each control, account and region last looked like to a scan, so that a scan which started earlier
 * but commits later cannot bring back a finding that the later scan saw gone.
 */
function scanCoverage(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("scan_coverage")
        .addColumn("control_id", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("region", "text", (c) => c.notNull())
        .addColumn("observed_at", "text", (c) => c.notNull())
        .addColumn("scan_id", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("scan_coverage_pk", ["account_id", "control_id", "region"])
        .execute();
    },
  };
}

/**
 * When each finding was last evaluated, whether the latest scans could re-check it, and the regions whose
 * listings lead to its resource. Rows from before: evaluated when last seen with PASS or FAIL (an ERROR row
 * when it last failed), and an ERROR row that was failing is not re-checked since then.
 */
function findingEvidence(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("findings").addColumn("checked_at", "text").execute();
      await db.schema.alterTable("findings").addColumn("not_rechecked_since", "text").execute();
      await db.schema.alterTable("findings").addColumn("scope_regions", "text").execute();
      await sql
        .raw(
          "update findings set checked_at = case when status <> 'ERROR' then last_seen_at else last_failed_at end",
        )
        .execute(db);
      await sql
        .raw(
          "update findings set not_rechecked_since = coalesce(last_failed_at, first_seen_at) " +
            "where status = 'ERROR' and lifecycle in ('new', 'open', 'reopened')",
        )
        .execute(db);
    },
  };
}

/**
 * Every finding carries its short id (`findingId`, a hash of its key) in an indexed column, so that a
 * finding typed as `f-…` or carried by a button is found without reading the table. The ids of existing
 * findings are computed here, in batches: the hash is SHA-256, which neither engine computes the same way.
 */
function findingIds(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("findings").addColumn("id", "text").execute();
      const typed = db as unknown as Kysely<Database>;
      for (;;) {
        const rows = await typed
          .selectFrom("findings")
          .select(["key", "control_id", "account_id", "region", "resource_arn"])
          .where("id", "is", null)
          .limit(500)
          .execute();
        if (rows.length === 0) break;
        const ids = rows.map((r) => ({
          key: r.key,
          id: findingId({
            controlId: r.control_id,
            accountId: r.account_id,
            region: r.region,
            resourceArn: r.resource_arn,
          }),
        }));
        await typed
          .updateTable("findings")
          .set({
            id: sql<string>`case ${sql.join(
              ids.map((r) => sql`when key = ${r.key} then ${r.id}`),
              sql` `,
            )} end`,
          })
          .where(
            "key",
            "in",
            ids.map((r) => r.key),
          )
          .execute();
      }
      await db.schema.createIndex("findings_id").on("findings").column("id").execute();
    },
  };
}

/**
 * Suppressions with the weight of a fix: requests that wait for an approver, who approved a suppression,
 * and an outbox of announcements (made, lifted or run out) for the approvals channel. Suppressions that
 * exist already count as announced, so an upgrade does not flood the channel with old news.
 */
function suppressionRequestsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("suppression_requests")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("finding_key", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("duration_days", "integer")
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("requester", "text", (c) => c.notNull())
        .addColumn("approver", "text")
        .addColumn("rejecter", "text")
        .addColumn("reject_reason", "text")
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("suppression_id", "text")
        .addColumn("slack_channel", "text")
        .addColumn("slack_ts", "text")
        .execute();
      await db.schema
        .createIndex("suppression_requests_state")
        .on("suppression_requests")
        .columns(["state", "expires_at"])
        .execute();
      await db.schema
        .createIndex("suppression_requests_finding")
        .on("suppression_requests")
        .column("finding_key")
        .execute();
      for (const column of ["approved_by", "request_id", "announced_at", "end_announced_at"]) {
        await db.schema.alterTable("suppressions").addColumn(column, "text").execute();
      }
      const now = new Date().toISOString();
      await sql`update suppressions set announced_at = created_at`.execute(db);
      await sql`update suppressions set end_announced_at = ${now}
        where removed_at is not null or (expires_at is not null and expires_at <= ${now})`.execute(db);
    },
  };
}

/** The account directory: names and OU paths of the accounts scans resolved (organization discovery). */
function accountDirectory(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("account_directory")
        .addColumn("account_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text")
        .addColumn("ou_id", "text")
        .addColumn("ou_path", "text")
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("seen_at", "text", (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * The in-process job runner's table (SQLite; pg-boss has its own schema on PostgreSQL) and the parts of a
 * fanned-out scan. The scheduler no longer writes `schedule_slots`: slots are keyed jobs now; the table stays
 * for Slack delivery de-duplication and the digest's per-channel record.
 */
function jobsAndScanParts(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("retry_limit", "integer", (c) => c.notNull())
        .addColumn("run_after", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("started_at", "text")
        .addColumn("finished_at", "text")
        .addColumn("last_error", "text")
        .execute();
      await db.schema
        .createIndex("jobs_state_run_after")
        .on("jobs")
        .columns(["state", "run_after"])
        .execute();
      await db.schema.createIndex("jobs_kind").on("jobs").columns(["kind", "created_at"]).execute();
      await db.schema
        .createTable("scan_parts")
        .addColumn("scan_id", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("counts", "text")
        .addColumn("detail", "text")
        .addColumn("error", "text")
        .addColumn("finished_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("scan_parts_pk", ["scan_id", "account_id"])
        .execute();
    },
  };
}

/**
 * Scans visible from their start: a heartbeat the running scan refreshes (a scan whose heartbeat is older
 * than the lease belongs to a process that stopped), where it was asked for, and the claim of the
 * announcement that it was interrupted. Scans already running count as announced: an upgrade posts no old news.
 */
function scanHeartbeats(): Migration {
  return {
    async up(db: AnyDb) {
      for (const column of ["heartbeat_at", "requested_in", "announced_at"]) {
        await db.schema.alterTable("scans").addColumn(column, "text").execute();
      }
      await sql`update scans set heartbeat_at = started_at, announced_at = started_at`.execute(db);
      await db.schema.createIndex("scans_running").on("scans").columns(["outcome", "heartbeat_at"]).execute();
    },
  };
}

/**
 * Each digest message (page 0: the channel message; 1…: its thread pages) is recorded as started before it is
 * posted and with its ts after: a re-run of a slot knows which pages to look up in Slack instead of posting
 * them again. Plus the indexes the digest's aggregate reads use.
 */
function digestMessages(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("digest_messages")
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("slot", "text", (c) => c.notNull())
        .addColumn("page", "integer", (c) => c.notNull())
        .addColumn("started_at", "text", (c) => c.notNull())
        .addColumn("as_of", "text")
        .addColumn("ts", "text")
        .addColumn("posted_at", "text")
        .addPrimaryKeyConstraint("digest_messages_pk", ["channel", "slot", "page"])
        .execute();
      await db.schema
        .createIndex("findings_lifecycle_account")
        .on("findings")
        .columns(["lifecycle", "account_id", "region", "severity"])
        .execute();
      await db.schema.createIndex("findings_resolved_at").on("findings").column("resolved_at").execute();
      // The digest's "missing permissions" reads the ERROR findings only.
      await db.schema.createIndex("findings_status").on("findings").column("status").execute();
      await db.schema
        .createIndex("suppressions_finding_key")
        .on("suppressions")
        .column("finding_key")
        .execute();
      await db.schema.createIndex("suppressions_control").on("suppressions").column("control_id").execute();
      await db.schema.createIndex("audit_log_action").on("audit_log").columns(["action", "at"]).execute();
    },
  };
}

/** The scan commit lock of SQLite (short write transactions need a lock that outlives each of them). */
function storeLocks(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("store_locks")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("holder", "text", (c) => c.notNull())
        .addColumn("renewed_at", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * One index the digest's reads of the failing findings can answer from alone (posture, trend, the lists'
 * keys): what they filter on (lifecycle, severity), group and sort by, and what the suppression probes
 * compare (control, resource ARN, key). On PostgreSQL the key rides along (INCLUDE), outside the sort order.
 * It starts with the lifecycle, so it replaces the two lifecycle indexes before it (one index to write per
 * finding update, not two).
 */
function digestCoveringIndex(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      const columns = ["lifecycle", "severity", "account_id", "region", "control_id", "resource_arn"];
      if (engine === "postgres") {
        await sql`create index findings_digest on findings (${sql.join(columns.map((c) => sql.ref(c)))}) include (key)`.execute(
          db,
        );
      } else {
        await db.schema
          .createIndex("findings_digest")
          .on("findings")
          .columns([...columns, "key"])
          .execute();
      }
      await db.schema.dropIndex("findings_lifecycle_account").execute();
      await db.schema.dropIndex("findings_lifecycle").execute();
    },
  };
}

/**
 * The digest asks, for every failing finding, whether its history has a `new` or `reopened` move since a time
 * (`exists … where finding_key = ? and to_state in (…) and at > ?`). With `to_state` in the history index the
 * probe never reads the history row itself: the "everything new" lists took half the time (docs/benchmarks.md).
 * Same name and leading columns, so every read by key and time still uses it.
 */
function historyCoveringIndex(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      if (engine === "postgres") {
        // Built under another name first: the build holds writes to the table (SHARE) but not reads; the old
        // index's drop, which locks the table whole until the migration commits, comes only after it.
        await sql`create index finding_history_key_0014 on finding_history (finding_key, at) include (to_state)`.execute(
          db,
        );
        await db.schema.dropIndex("finding_history_key").execute();
        await sql`alter index finding_history_key_0014 rename to finding_history_key`.execute(db);
      } else {
        // SQLite: the migration's transaction holds the whole database already.
        await db.schema.dropIndex("finding_history_key").execute();
        await db.schema
          .createIndex("finding_history_key")
          .on("finding_history")
          .columns(["finding_key", "at", "to_state"])
          .execute();
      }
    },
  };
}

/**
 * A commit reads the failing findings of each account it touches, a page of keys at a time. Without an index
 * that holds them in key order per account, every page read all of the account's findings and sorted the
 * failing ones (55–80 ms a page at 10,000–140,000 findings an account on SQLite, in one synchronous call that
 * blocked the committing thread). Partial: only failing findings are in it, so a passing or resolved finding's
 * write never touches it. The predicate is the one `streamCommit` writes as a literal (FAILING_LIFECYCLES).
 */
export const FAILING_FINDINGS_PREDICATE = sql<boolean>`lifecycle in ('new', 'open', 'reopened')`;

function failingFindingsIndex(): Migration {
  return {
    async up(db: AnyDb) {
      await sql`create index findings_failing_account on findings (account_id, key) where ${FAILING_FINDINGS_PREDICATE}`.execute(
        db,
      );
    },
  };
}

/**
 * Recovery of fixes cut off mid-way (0016). `interrupted_at`: when the recovery sweep last marked the request
 * cut off (`interrupted`, or `failed` when it had not started); `interrupt_announced_at`: when its Slack
 * message was redrawn to say so. The announcement is claimed (`interrupt_claimed_at`/`_by`) before the redraw
 * and written only after it, so a kill or a Slack error in between is announced again by the next sweep.
 */
function remediationRecovery(): Migration {
  return {
    async up(db: AnyDb) {
      for (const column of [
        "interrupted_at",
        "interrupt_claimed_at",
        "interrupt_claimed_by",
        "interrupt_announced_at",
      ]) {
        await db.schema.alterTable("remediation_requests").addColumn(column, "text").execute();
      }
    },
  };
}

/**
 * Durable outboxes (0017). `jobs.dead_letter_pending`: set in the transaction that fails a job for good and
 * cleared once its dead letter (audit entry, the kind's hook) is handled, so a kill or a store error between
 * the two is handled again at start-up or on the next poll. The announcement outboxes (`scans` for an
 * interruption, `suppressions` for one made and for one ended) get a claim with a lease — who claimed it and
 * when — so that `announced_at` is written only after the post, and a claim whose holder died is taken again
 * once the lease has passed. Rows already announced stay announced.
 */
function durableOutboxes(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("jobs")
        .addColumn("dead_letter_pending", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      for (const column of ["announce_claimed_at", "announce_claimed_by"]) {
        await db.schema.alterTable("scans").addColumn(column, "text").execute();
      }
      for (const column of [
        "announce_claimed_at",
        "announce_claimed_by",
        "end_announce_claimed_at",
        "end_announce_claimed_by",
      ]) {
        await db.schema.alterTable("suppressions").addColumn(column, "text").execute();
      }
      // Read on every poll of the in-process runner: only the few pending rows are in it.
      await sql`create index jobs_dead_letter_pending on jobs (finished_at) where dead_letter_pending = 1`.execute(
        db,
      );
    },
  };
}

/**
 * What a scan could not read (0019): `scans.unscanned`, JSON, the accounts and regions whose collection failed
 * as a whole, written with the scan's outcome in its last transaction. A retried scheduled-slot job whose
 * earlier attempt died after the commit and before the slot's report rebuilds the report from the row, and
 * must not report a partial scan as if every scope had been read. Rows written before stay null (unknown).
 */
function scanUnscannedScopes(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("scans").addColumn("unscanned", "text").execute();
    },
  };
}

/**
 * At most one pending request per finding, for fixes and for suppressions, decided by the database: two
 * submissions at once (two replicas) make one request and one refusal, where a check before the insert let
 * both through. Duplicates already stored are resolved first: the newest stays pending, the others expire,
 * each with its audit entry.
 */
function onePendingRequestPerFinding(): Migration {
  return {
    async up(db: AnyDb) {
      const now = new Date().toISOString();
      for (const [table, action] of [
        ["remediation_requests", "request.expired"],
        ["suppression_requests", "suppression-request.expired"],
      ] as const) {
        const pending = await sql<{
          id: string;
          finding_key: string;
        }>`select id, finding_key from ${sql.table(
          table,
        )} where state = 'pending' order by finding_key, created_at desc, id desc`.execute(db);
        let previous: string | undefined;
        for (const row of pending.rows) {
          const duplicate = row.finding_key === previous;
          previous = row.finding_key;
          if (!duplicate) continue;
          await sql`update ${sql.table(table)} set state = 'expired', updated_at = ${now} where id = ${row.id}`.execute(
            db,
          );
          const detail = JSON.stringify({
            from: ["pending"],
            to: "expired",
            reason: "a newer request for the same finding was pending (migration 0018)",
          });
          await sql`insert into audit_log (at, actor, action, target, detail) values (${now}, 'system', ${action}, ${row.id}, ${detail})`.execute(
            db,
          );
        }
        await sql`create unique index ${sql.raw(`${table}_one_pending`)} on ${sql.table(
          table,
        )} (finding_key) where state = 'pending'`.execute(db);
      }
    },
  };
}

export const MIGRATION_NAMES = [
  "0001_initial",
  "0002_schedule_slots_and_indexes",
  "0003_scan_coverage",
  "0004_finding_evidence",
  "0005_suppression_requests",
  "0006_finding_ids",
  "0008_account_directory",
  "0009_jobs_and_scan_parts",
  "0010_scan_heartbeats",
  "0011_digest_messages",
  "0012_store_locks",
  "0013_findings_digest_index",
  "0014_history_covering_index",
  "0015_failing_findings_index",
  "0016_remediation_recovery",
  "0017_durable_outboxes",
  "0018_one_pending_request_per_finding",
  "0019_scan_unscanned_scopes",
] as const;

export function buildMigrations(engine: Engine): Record<(typeof MIGRATION_NAMES)[number], Migration> {
  return {
    "0001_initial": initial(engine),
    "0002_schedule_slots_and_indexes": slotsAndDigestIndexes(engine),
    "0003_scan_coverage": scanCoverage(),
    "0004_finding_evidence": findingEvidence(),
    "0005_suppression_requests": suppressionRequestsMigration(),
    "0006_finding_ids": findingIds(),
    "0008_account_directory": accountDirectory(),
    "0009_jobs_and_scan_parts": jobsAndScanParts(),
    "0010_scan_heartbeats": scanHeartbeats(),
    "0011_digest_messages": digestMessages(),
    "0012_store_locks": storeLocks(),
    "0013_findings_digest_index": digestCoveringIndex(engine),
    "0014_history_covering_index": historyCoveringIndex(engine),
    "0015_failing_findings_index": failingFindingsIndex(),
    "0016_remediation_recovery": remediationRecovery(),
    "0017_durable_outboxes": durableOutboxes(),
    "0018_one_pending_request_per_finding": onePendingRequestPerFinding(),
    "0019_scan_unscanned_scopes": scanUnscannedScopes(),
  };
}

/** Migrates to `target` (default: the latest); throws with the failing migration's name. */
export async function migrate(
  db: Kysely<Database>,
  engine: Engine,
  target?: (typeof MIGRATION_NAMES)[number] | typeof NO_MIGRATIONS,
): Promise<string[]> {
  const migrations = buildMigrations(engine);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } =
    target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Store migration ${failed} failed: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

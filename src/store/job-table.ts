/**
 * The `jobs` table of the in-process job runner (SQLite, one process). Claims and settles jobs with single
 * statements guarded by the job's state, so a settle never overwrites a job that was already settled. A job
 * failed for good is marked "dead letter pending" in the same statement (migration 0017) and keeps the mark
 * until its dead letter has been handled, so a kill or a store error in between is handled again.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, JobsTable } from "./schema.js";

type JobRow = Selectable<JobsTable>;

export type StoredJobState = "created" | "active" | "completed" | "failed";

export interface StoredJob {
  id: string;
  kind: string;
  payload: unknown;
  state: StoredJobState;
  /** Attempts started so far (the running attempt included). */
  attempts: number;
  retryLimit: number;
  lastError: string | undefined;
  /** Failed for good, and its dead letter (audit entry, the kind's hook) not handled yet. */
  deadLetterPending: boolean;
}

export interface NewStoredJob {
  id: string;
  kind: string;
  payload: unknown;
  retryLimit: number;
}

function fromRow(row: JobRow): StoredJob {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state as StoredJobState,
    attempts: Number(row.attempts),
    retryLimit: Number(row.retry_limit),
    lastError: row.last_error ?? undefined,
    deadLetterPending: Number(row.dead_letter_pending) === 1,
  };
}

export interface JobTable {
  /** Inserts the job unless one with its id exists (whatever its state); true when inserted. */
  insert(job: NewStoredJob, now: string): Promise<boolean>;
  /** Claims the oldest due job of these kinds: created → active, one more attempt. */
  claimNext(kinds: readonly string[], now: string): Promise<StoredJob | undefined>;
  complete(id: string, now: string): Promise<boolean>;
  /**
   * Back to created (to run after `runAfter`) when attempts remain, else failed with its dead letter pending
   * (in the same statement); returns the new state.
   */
  fail(id: string, error: string, now: string, runAfter: string): Promise<StoredJobState | undefined>;
  /**
   * Start-up: every job left active by a process that stopped runs again; one whose last attempt it was
   * fails with its dead letter pending (see `pendingDeadLetters`).
   */
  requeueActive(now: string): Promise<void>;
  /** Jobs failed for good whose dead letter was not handled yet (oldest first). */
  pendingDeadLetters(limit?: number): Promise<StoredJob[]>;
  /** The job's dead letter has been handled: it is no longer pending. */
  settleDeadLetter(id: string): Promise<void>;
  get(id: string): Promise<StoredJob | undefined>;
  /** True when a job of these kinds is due (created, `run_after` passed). */
  hasDue(kinds: readonly string[], now: string): Promise<boolean>;
  hasKind(kind: string): Promise<boolean>;
}

export function createJobTable(base: Kysely<Database>): JobTable {
  const db = base;
  return {
    async insert(job, now) {
      const result = await db
        .insertInto("jobs")
        .values({
          id: job.id,
          kind: job.kind,
          payload: JSON.stringify(job.payload ?? {}),
          state: "created",
          attempts: 0,
          retry_limit: job.retryLimit,
          run_after: now,
          created_at: now,
          started_at: null,
          finished_at: null,
          last_error: null,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async claimNext(kinds, now) {
      if (kinds.length === 0) return undefined;
      return db.transaction().execute(async (trx) => {
        const next = await trx
          .selectFrom("jobs")
          .select("id")
          .where("state", "=", "created")
          .where("kind", "in", [...kinds])
          .where("run_after", "<=", now)
          .orderBy("created_at")
          .limit(1)
          .executeTakeFirst();
        if (!next) return undefined;
        const row = await trx
          .updateTable("jobs")
          .set((eb) => ({ state: "active", attempts: eb("attempts", "+", 1), started_at: now }))
          .where("id", "=", next.id)
          .where("state", "=", "created")
          .returningAll()
          .executeTakeFirst();
        return row && fromRow(row);
      });
    },
    async complete(id, now) {
      const result = await db
        .updateTable("jobs")
        .set({ state: "completed", finished_at: now })
        .where("id", "=", id)
        .where("state", "=", "active")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async fail(id, error, now, runAfter) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
        if (row?.state !== "active") return undefined;
        const exhausted = Number(row.attempts) > Number(row.retry_limit);
        const state: StoredJobState = exhausted ? "failed" : "created";
        await trx
          .updateTable("jobs")
          .set({
            state,
            last_error: error.slice(0, 2000),
            ...(exhausted ? { finished_at: now, dead_letter_pending: 1 } : { run_after: runAfter }),
          })
          .where("id", "=", id)
          .execute();
        return state;
      });
    },
    async requeueActive(now) {
      const error = "the process running it stopped";
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("jobs")
          .set({ state: "failed", last_error: error, finished_at: now, dead_letter_pending: 1 })
          .where("state", "=", "active")
          .whereRef("attempts", ">", "retry_limit")
          .execute();
        await trx
          .updateTable("jobs")
          .set({ state: "created", last_error: error, run_after: now })
          .where("state", "=", "active")
          .execute();
      });
    },
    async pendingDeadLetters(limit = 50) {
      const rows = await db
        .selectFrom("jobs")
        .selectAll()
        .where("dead_letter_pending", "=", 1)
        .where("state", "=", "failed")
        .orderBy("finished_at")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    async settleDeadLetter(id) {
      await db.updateTable("jobs").set({ dead_letter_pending: 0 }).where("id", "=", id).execute();
    },
    async get(id) {
      const row = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
      return row && fromRow(row);
    },
    async hasDue(kinds, now) {
      if (kinds.length === 0) return false;
      const row = await db
        .selectFrom("jobs")
        .select("id")
        .where("state", "=", "created")
        .where("kind", "in", [...kinds])
        .where("run_after", "<=", now)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    async hasKind(kind) {
      const row = await db
        .selectFrom("jobs")
        .select("id")
        .where("kind", "=", kind)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

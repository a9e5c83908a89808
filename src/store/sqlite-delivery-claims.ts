/**
 * SQLite: Slack delivery claims on a connection of their own, so that a claim never stops the Slack thread's
 * event loop. better-sqlite3 is synchronous: on the store's connection a claim that meets the write lock held
 * by a scan worker's commit waits for it *inside* the call (busy_timeout), and every request behind it waits
 * too. Here the busy timeout is 0 and a busy claim waits on a timer instead, asking the write gate to let it go
 * before the commit's next transaction. The connection syncs at WAL checkpoints rather than at each commit
 * (`synchronous = NORMAL`): a claim survives a crash of the process, and only a power cut in the seconds after
 * it can lose one — then a Slack retry of that delivery could be handled twice, which scans (they join) and
 * fix requests (compare-and-set) tolerate, as they do when the database cannot be reached for a claim.
 */
import type BetterSqlite3 from "better-sqlite3";
import { loadBetterSqlite3, SQLITE_BUSY_TIMEOUT_MS } from "./connect.js";

const BUSY = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"]);

export class SqliteDeliveryClaims {
  readonly #db: BetterSqlite3.Database;
  readonly #insert: BetterSqlite3.Statement;

  private constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `insert into schedule_slots (job, slot, instance_id, claimed_at, done_at, outcome)
       values (?, ?, ?, ?, null, null) on conflict (job, slot) do nothing`,
    );
  }

  /** A second connection to the store's file (after its migrations: the table exists). */
  static async open(path: string): Promise<SqliteDeliveryClaims> {
    const Sqlite = await loadBetterSqlite3();
    const db = new Sqlite(path, { timeout: 0 });
    db.pragma("busy_timeout = 0");
    db.pragma("synchronous = NORMAL");
    return new SqliteDeliveryClaims(db);
  }

  /** True when this call inserted the claim; waits on a timer (never in the call) while the file is busy. */
  async claim(job: string, slot: string, instanceId: string, claimedAt: string): Promise<boolean> {
    const deadline = performance.now() + SQLITE_BUSY_TIMEOUT_MS;
    for (let wait = 1; ; wait = Math.min(wait * 2, 16)) {
      try {
        return this.#insert.run(job, slot, instanceId, claimedAt).changes === 1;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== "string" || !BUSY.has(code) || performance.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  close(): void {
    this.#db.close();
  }
}

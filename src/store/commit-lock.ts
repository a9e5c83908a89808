/**
 * SQLite only: one scan commit at a time per database file, across threads and processes. A commit on SQLite
 * is written in short transactions (so that a Slack delivery claim never waits long for the write lock), so
 * the write lock alone no longer keeps two commits apart; this row does. Every write transaction of the
 * commit first renews the row and checks it still holds it (a fence): a commit whose holder was declared
 * dead cannot write after the next one took over. A holder that died mid-commit is taken over once its row
 * has not been renewed for `STALE_MS` (renewed every few tens of milliseconds while it writes), or at once
 * when the process that held it is gone (SQLite files are local: the holder's pid is a process of this host).
 */
import type { Db } from "./scan-commit.js";

export const COMMIT_LOCK = "scan-commit";
/** A commit renews its row at least this often (loading and planning 30,000 findings takes about 1 s). */
export const COMMIT_LOCK_STALE_MS = 60_000;
const POLL_MS = 25;
/** A commit waiting this long for another one is given up (a stuck commit, not a busy one). */
const MAX_WAIT_MS = 15 * 60_000;

export class CommitLockLostError extends Error {
  override readonly name = "CommitLockLostError";
  readonly code = "CommitLockLost";
  constructor() {
    super(
      "This scan's commit was taken over after it stopped renewing its lock; its remaining writes were not made.",
    );
  }
}

export class CommitLockTimeoutError extends Error {
  override readonly name = "CommitLockTimeoutError";
  readonly code = "CommitLockTimeout";
  constructor() {
    super("Another scan's commit held the store for too long; this scan's results were not stored.");
  }
}

/** A lock holder's name: `<pid>:<unique>`, so that a holder whose process died is recognised as gone. */
export function commitLockHolderName(unique: string): string {
  return `${process.pid}:${unique}`;
}

function holderAlive(holder: string): boolean {
  const pid = Number(holder.split(":")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists (another user's); only ESRCH says it is gone.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export async function acquireCommitLock(
  db: Db & { transaction: Db["transaction"] },
  holder: string,
  options: { now?: () => number; staleMs?: number } = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? COMMIT_LOCK_STALE_MS;
  const began = now();
  for (;;) {
    const acquired = await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("store_locks")
        .select(["holder", "renewed_at"])
        .where("name", "=", COMMIT_LOCK)
        .executeTakeFirst();
      const at = now();
      if (row && row.holder !== holder && at - Number(row.renewed_at) < staleMs && holderAlive(row.holder))
        return false;
      await trx
        .insertInto("store_locks")
        .values({ name: COMMIT_LOCK, holder, renewed_at: at })
        .onConflict((oc) => oc.column("name").doUpdateSet({ holder, renewed_at: at }))
        .execute();
      return true;
    });
    if (acquired) return;
    if (now() - began > MAX_WAIT_MS) throw new CommitLockTimeoutError();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Inside a write transaction: renews the lock, or throws when another commit holds it now. */
export async function renewCommitLock(db: Db, holder: string, now: () => number = Date.now): Promise<void> {
  const renewed = await db
    .updateTable("store_locks")
    .set({ renewed_at: now() })
    .where("name", "=", COMMIT_LOCK)
    .where("holder", "=", holder)
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) !== 1) throw new CommitLockLostError();
}

export async function releaseCommitLock(db: Db, holder: string): Promise<void> {
  await db.deleteFrom("store_locks").where("name", "=", COMMIT_LOCK).where("holder", "=", holder).execute();
}

/** For tests and diagnostics: who holds the lock now. */
export async function commitLockHolder(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom("store_locks")
    .select("holder")
    .where("name", "=", COMMIT_LOCK)
    .executeTakeFirst();
  return row?.holder;
}

import { describe, expect, it } from "vitest";
import {
  acquireCommitLock,
  CommitLockLostError,
  commitLockHolder,
  commitLockHolderName,
  releaseCommitLock,
  renewCommitLock,
} from "./commit-lock.js";
import { createKysely } from "./connect.js";
import { migrate } from "./migrations.js";

async function memoryDb() {
  const db = await createKysely({ engine: "sqlite", path: ":memory:" });
  await migrate(db, "sqlite");
  return db;
}

describe("the SQLite scan commit lock", () => {
  it("keeps a second commit waiting while a live holder renews it, and lets it in once released", async () => {
    const db = await memoryDb();
    const first = commitLockHolderName("first");
    const second = commitLockHolderName("second");
    await acquireCommitLock(db, first);
    let entered = false;
    const waiting = acquireCommitLock(db, second).then(() => {
      entered = true;
    });
    await db.transaction().execute((trx) => renewCommitLock(trx, first));
    expect(entered).toBe(false);
    expect(await commitLockHolder(db)).toBe(first);
    await releaseCommitLock(db, first);
    await waiting;
    expect(await commitLockHolder(db)).toBe(second);
    await db.destroy();
  });

  it("fences a holder that was taken over: its next write transaction fails and writes nothing", async () => {
    const db = await memoryDb();
    let clock = 1_000_000;
    const now = () => clock;
    const stalled = commitLockHolderName("stalled");
    await acquireCommitLock(db, stalled, { now });
    clock += 61_000; // the stalled holder has not renewed for longer than the stale time
    await acquireCommitLock(db, commitLockHolderName("next"), { now });
    await expect(
      db.transaction().execute(async (trx) => {
        await renewCommitLock(trx, stalled, now);
        await trx.insertInto("audit_log").values({ at: "x", actor: "a", action: "b" }).execute();
      }),
    ).rejects.toBeInstanceOf(CommitLockLostError);
    expect(await db.selectFrom("audit_log").selectAll().execute()).toEqual([]);
    await db.destroy();
  });

  it("takes over at once from a holder whose process is gone", async () => {
    const db = await memoryDb();
    // A pid that no process has (above the kernel's pid_max).
    await acquireCommitLock(db, "2147483646:dead-process");
    await acquireCommitLock(db, commitLockHolderName("alive"));
    expect(await commitLockHolder(db)).toBe(commitLockHolderName("alive"));
    await db.destroy();
  });
});

/**
 * Two replicas on one database, each with its own store, sweeping for fixes whose lease ran out and claiming
 * their announcements at the same time: a fix whose lease is renewed is never marked, a dead one is marked
 * once, and each announcement is claimed by one replica until settled. Both engines, on a virtual clock.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { FIX_LEASE_MS, recoverCutOffFixes } from "../../src/remediation-flow/lease.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { VirtualClock } from "../support/virtual-clock.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const engines = [
  {
    engine: "sqlite",
    available: true,
    async database() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-fix-lease-"));
      return {
        url: `sqlite:${join(dir, "state.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    async database() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
] as const;

const KEY = (bucket: string) => `111111111111|us-east-1|s3-bucket-tls-enforced|arn:aws:s3:::${bucket}`;

describe.each(engines)("fix leases across two replicas on $engine", (e) => {
  const run = e.available ? it : it.skip;

  run("marks only the dead fix, once, and hands its announcement to one replica", async () => {
    const clock = new VirtualClock("2026-03-01T08:00:00.000Z");
    const db = await e.database();
    const stores: Store[] = [];
    onTestFinished(async () => {
      for (const s of stores) await s.close();
      await db.cleanup();
    });
    const a = await openStore({ databaseUrl: db.url, now: clock.now });
    const b = await openStore({ databaseUrl: db.url, now: clock.now });
    stores.push(a, b);
    const together = async <T>(work: Array<() => Promise<T>>): Promise<T[]> => {
      if (e.engine === "postgres") return Promise.all(work.map((w) => w()));
      const out: T[] = [];
      for (const w of work) out.push(await w());
      return out;
    };
    const inFlight = async (bucket: string) => {
      const request = await a.createRequest({
        findingKey: KEY(bucket),
        remediationId: "s3-bucket-enforce-tls",
        plan: {},
        planFingerprint: "f",
        requester: "U0ALICE",
        expiresAt: "2026-03-02T08:00:00.000Z",
      });
      await a.transitionRequest(request.id, "pending", "approved", { approver: "U0BOB" });
      await a.transitionRequest(request.id, "approved", "applying");
      return request.id;
    };
    const live = await inFlight("live");
    const dead = await inFlight("dead");
    const unstarted = await a.createRequest({
      findingKey: KEY("unstarted"),
      remediationId: "s3-bucket-enforce-tls",
      plan: {},
      planFingerprint: "f",
      requester: "U0ALICE",
      expiresAt: "2026-03-02T08:00:00.000Z",
    });
    await a.transitionRequest(unstarted.id, "pending", "approved", { approver: "U0BOB" });
    for (let i = 0; i < 8; i++) {
      await clock.advanceTo(new Date(clock.now().getTime() + 30_000));
      expect(await a.touchRequest(live)).toBe(true);
      // Both replicas sweep (at once on PostgreSQL; SQLite serves one process, its writers take turns).
      await together([
        () => recoverCutOffFixes(a, clock.now(), FIX_LEASE_MS),
        () => recoverCutOffFixes(b, clock.now(), FIX_LEASE_MS),
      ]);
    }
    expect((await a.getRequest(live))?.state).toBe("applying");
    expect((await a.getRequest(dead))?.state).toBe("interrupted");
    expect((await a.getRequest(unstarted.id))?.state).toBe("failed");
    const marked = await a.listAudit({ action: "request.interrupted", target: dead });
    expect(marked).toHaveLength(1);
    // A fix that lost its lease can no longer renew it.
    expect(await a.touchRequest(dead)).toBe(false);

    const stale = new Date(clock.now().getTime() - FIX_LEASE_MS).toISOString();
    const [byA = [], byB = []] = await together([
      () => a.claimInterruptedAnnouncements("a", stale),
      () => b.claimInterruptedAnnouncements("b", stale),
    ]);
    const claimed = [...byA, ...byB].map((r) => r.id).sort();
    expect(claimed).toEqual([dead, unstarted.id].sort());
    // B's settle of A's claim counts for nothing; A gives one back, which B then takes.
    for (const r of byA) await b.settleInterruptedAnnouncement(r.id, "b", true);
    for (const r of byA) await a.settleInterruptedAnnouncement(r.id, "a", false);
    for (const r of byB) await b.settleInterruptedAnnouncement(r.id, "b", true);
    const again = await b.claimInterruptedAnnouncements("b", stale);
    expect(again.map((r) => r.id).sort()).toEqual(byA.map((r) => r.id).sort());
    for (const r of again) await b.settleInterruptedAnnouncement(r.id, "b", true);
    await clock.advanceTo(new Date(clock.now().getTime() + 10 * FIX_LEASE_MS));
    expect(
      await a.claimInterruptedAnnouncements(
        "a",
        new Date(clock.now().getTime() - FIX_LEASE_MS).toISOString(),
      ),
    ).toEqual([]);
  });
});

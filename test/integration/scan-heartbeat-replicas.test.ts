/**
 * Two replicas on one database, each with its own store: replica A runs a scan whose heartbeat its timers
 * refresh; replica B sweeps for interrupted scans on every tick, as its start-up and periodic sweep do. A's
 * live scan is never marked; once A's process stops (its timers never fire again), B marks it after the lease.
 * Both engines (SQLite: two connections to one file), on a virtual clock.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { beginScanRow, scanLeaseMs } from "../../src/scan/scan-row.js";
import { openStore } from "../../src/store/open-store.js";
import type { ScanScope, Store } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { VirtualClock } from "../support/virtual-clock.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const SCOPE: ScanScope = {
  accounts: ["111111111111"],
  regions: ["us-east-1"],
  controls: ["kms-key-rotation-enabled"],
};
const HEARTBEAT_MS = 15_000;
const LEASE_MS = scanLeaseMs(HEARTBEAT_MS);

const engines = [
  {
    engine: "sqlite",
    available: true,
    async database() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-replicas-"));
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

describe.each(engines)("scan heartbeats across two replicas on $engine", (e) => {
  const run = e.available ? it : it.skip;

  run("never marks a live replica's scan, and marks it once that replica stops", async () => {
    const clock = new VirtualClock("2026-03-01T08:00:00.000Z");
    const db = await e.database();
    const stores: Store[] = [];
    onTestFinished(async () => {
      for (const s of stores) await s.close();
      await db.cleanup();
    });
    const replicaA = await openStore({ databaseUrl: db.url, now: clock.now });
    const replicaB = await openStore({ databaseUrl: db.url, now: clock.now });
    stores.push(replicaA, replicaB);
    const row = await beginScanRow(
      replicaA,
      {
        scope: SCOPE,
        trigger: "slack:U0ALICE",
        origin: { kind: "slack", channel: "C0SCANS", user: "U0ALICE" },
      },
      { heartbeatMs: HEARTBEAT_MS, clock, timers: clock },
    );
    const sweep = () =>
      replicaB.markScansInterrupted(new Date(clock.now().getTime() - LEASE_MS).toISOString());
    // Each heartbeat the clock fires is written before time moves on.
    const settle = () => row.settled();

    // Ten minutes of a long scan, replica B sweeping every 5 s.
    for (let i = 0; i < 120; i++) {
      await clock.advanceTo(new Date(clock.now().getTime() + 5_000), settle);
      expect(await sweep()).toEqual([]);
    }
    expect((await replicaB.getScan(row.scan.id))?.outcome).toBe("running");
    expect(await replicaB.leaseInterruptedScanAnnouncements("b", clock.now().toISOString())).toEqual([]);

    // Replica A is killed: its timers never fire again.
    row.stop();
    const lastBeat = (await replicaB.getScan(row.scan.id))?.heartbeatAt;
    let marked: Awaited<ReturnType<typeof sweep>> = [];
    for (let i = 0; i < 12 && marked.length === 0; i++) {
      await clock.advanceTo(new Date(clock.now().getTime() + 5_000), settle);
      marked = await sweep();
    }
    expect(marked.map((s) => [s.id, s.outcome, s.heartbeatAt])).toEqual([
      [row.scan.id, "interrupted", lastBeat],
    ]);
    // Not before the lease had passed since its last heartbeat.
    expect(clock.now().getTime() - Date.parse(lastBeat!)).toBeGreaterThan(LEASE_MS);
    expect(clock.now().getTime() - Date.parse(lastBeat!)).toBeLessThanOrEqual(LEASE_MS + 5_000);
    expect(
      (await replicaA.leaseInterruptedScanAnnouncements("a", clock.now().toISOString())).map((s) => s.id),
    ).toEqual([row.scan.id]);
  });
});

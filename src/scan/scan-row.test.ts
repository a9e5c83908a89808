import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import { openStore } from "../store/open-store.js";
import type { RecordScanInput, ScanScope, Store } from "../store/types.js";
import { beginScanRow, type ScanRow, scanLeaseMs, withScanRow } from "./scan-row.js";

const SCOPE: ScanScope = {
  accounts: ["111111111111"],
  regions: ["us-east-1"],
  controls: ["kms-key-rotation-enabled"],
};
const START = "2026-03-01T08:00:00.000Z";
const HEARTBEAT_MS = 15_000;

let dir: string;
let store: Store;
let clock: VirtualClock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-scan-row-"));
  clock = new VirtualClock(START);
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}`, now: clock.now });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Moves the clock; each heartbeat it fires is written before time moves on. */
const advance = (ms: number, row?: ScanRow) =>
  clock.advanceTo(new Date(clock.now().getTime() + ms), () => row?.settled() ?? Promise.resolve());
const record = (findings: RecordScanInput["findings"] = []): RecordScanInput => ({
  scope: SCOPE,
  trigger: "cli:alice",
  findings,
});

describe("a scan's row", () => {
  it("exists, running, from before the scan runs, and its heartbeat moves while it runs", async () => {
    const row = await beginScanRow(
      store,
      { scope: SCOPE, trigger: "cli:alice", origin: { kind: "cli", user: "alice" } },
      { heartbeatMs: HEARTBEAT_MS, clock, timers: clock },
    );
    expect(await store.getScan(row.scan.id)).toMatchObject({
      outcome: "running",
      startedAt: START,
      heartbeatAt: START,
    });
    await advance(HEARTBEAT_MS * 4, row);
    expect((await store.getScan(row.scan.id))?.heartbeatAt).toBe("2026-03-01T08:01:00.000Z");
    // Alive: a sweep with the lease leaves it alone.
    expect(
      await store.markScansInterrupted(
        new Date(clock.now().getTime() - scanLeaseMs(HEARTBEAT_MS)).toISOString(),
      ),
    ).toEqual([]);
    const done = await row.complete(record());
    expect(done.scan.outcome).toBe("succeeded");
    expect(clock.pendingTimers).toBe(0);
  });

  it("ends failed, with the error, when the scan throws; and the heartbeat stops", async () => {
    await expect(
      withScanRow(
        store,
        { scope: SCOPE, trigger: "cli:alice" },
        { heartbeatMs: HEARTBEAT_MS, clock, timers: clock },
        async () => {
          await advance(HEARTBEAT_MS);
          throw new Error("AccessDenied: sts:AssumeRole");
        },
        () => record(),
      ),
    ).rejects.toThrow("AccessDenied");
    const [scan] = await store.listScans();
    expect(scan).toMatchObject({ outcome: "failed", error: "AccessDenied: sts:AssumeRole" });
    expect(clock.pendingTimers).toBe(0);
    const log = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
    expect(log.map((e) => e.action)).toEqual(["scan.started", "scan.failed"]);
  });

  it("is marked interrupted once abandoned (no more heartbeats) past the lease", async () => {
    const row = await beginScanRow(
      store,
      { scope: SCOPE, trigger: "cli:alice" },
      { heartbeatMs: HEARTBEAT_MS, clock, timers: clock },
    );
    // The process "dies": its timers never fire again.
    row.stop();
    await advance(scanLeaseMs(HEARTBEAT_MS) - 1);
    const cutoff = () => new Date(clock.now().getTime() - scanLeaseMs(HEARTBEAT_MS)).toISOString();
    expect(await store.markScansInterrupted(cutoff())).toEqual([]);
    await advance(2);
    expect((await store.markScansInterrupted(cutoff())).map((s) => s.id)).toEqual([row.scan.id]);
    expect((await store.getScan(row.scan.id))?.outcome).toBe("interrupted");
  });

  it("stops beating once the store says the scan is no longer running, and its results are refused", async () => {
    const warnings: string[] = [];
    const row = await beginScanRow(
      store,
      { scope: SCOPE, trigger: "cli:alice" },
      { heartbeatMs: HEARTBEAT_MS, clock, timers: clock, logger: { warn: (_o, m) => warnings.push(m) } },
    );
    // A process stalled past its lease is taken for dead by a sweep.
    await store.markScansInterrupted(new Date(clock.now().getTime() + 1).toISOString());
    await advance(HEARTBEAT_MS, row);
    expect(warnings).toEqual(["the scan is no longer running in the store"]);
    expect(clock.pendingTimers).toBe(0);
    await expect(row.complete(record())).rejects.toThrow();
  });
});

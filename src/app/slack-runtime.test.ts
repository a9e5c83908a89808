import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import type { ScanCoordinator } from "../scan/scan-coordinator.js";
import type { RemediationRequest, Store } from "../store/types.js";
import { createScanPort, recoverAtStartup, STALE_FIX_MS } from "./slack-runtime.js";

const NOW = new Date("2026-11-28T12:00:00.000Z");

function fakeStore(
  engine: "sqlite" | "postgres",
  approved: Array<Pick<RemediationRequest, "id" | "updatedAt">>,
) {
  const calls: {
    markInterrupted?: { updatedBefore?: string };
    failed: string[];
    scansHeartbeatBefore?: string;
  } = { failed: [] };
  const store = {
    engine,
    markScansInterrupted: async (heartbeatBefore: string) => {
      calls.scansHeartbeatBefore = heartbeatBefore;
      return [];
    },
    expirePendingRequests: async () => [],
    markInterrupted: async (options: { updatedBefore?: string } = {}) => {
      calls.markInterrupted = options;
      return [];
    },
    listRequests: async () => approved,
    transitionRequest: async (id: string) => {
      calls.failed.push(id);
      return true;
    },
  } as unknown as Store;
  return { store, calls };
}

describe("recoverAtStartup", () => {
  it("on SQLite (one instance) treats every fix left applying or approved as cut off", async () => {
    const { store, calls } = fakeStore("sqlite", [{ id: "r1", updatedAt: NOW.toISOString() }]);
    await recoverAtStartup(store, pino({ level: "silent" }), NOW);
    expect(calls.markInterrupted).toEqual({});
    expect(calls.failed).toEqual(["r1"]);
  });

  it("marks interrupted only the scans whose heartbeat is older than the lease, not by their start", async () => {
    const { store, calls } = fakeStore("postgres", []);
    await recoverAtStartup(store, pino({ level: "silent" }), NOW, 45_000);
    expect(calls.scansHeartbeatBefore).toBe(new Date(NOW.getTime() - 45_000).toISOString());
  });

  it("on PostgreSQL leaves alone what another replica may be applying right now", async () => {
    const fresh = new Date(NOW.getTime() - 60_000).toISOString();
    const stale = new Date(NOW.getTime() - STALE_FIX_MS - 1).toISOString();
    const { store, calls } = fakeStore("postgres", [
      { id: "busy", updatedAt: fresh },
      { id: "stuck", updatedAt: stale },
    ]);
    await recoverAtStartup(store, pino({ level: "silent" }), NOW);
    expect(calls.markInterrupted).toEqual({
      updatedBefore: new Date(NOW.getTime() - STALE_FIX_MS).toISOString(),
    });
    expect(calls.failed).toEqual(["stuck"]);
  });
});

describe("createScanPort", () => {
  it("refuses a region Forecast does not run in before anything starts", () => {
    const started: unknown[] = [];
    const coordinator = {
      start: (...args: unknown[]) => {
        started.push(args);
        throw new Error("must not start");
      },
    } as unknown as ScanCoordinator;
    const config = parseConfig({ accounts: [{ id: "123456789012" }] });
    const port = createScanPort({ config, coordinator } as unknown as Parameters<typeof createScanPort>[0], [
      "us-east-1",
    ]);
    expect(() =>
      port.start({
        accounts: ["123456789012"],
        regions: ["us-east-9"],
        trigger: { kind: "slack", userId: "U1" },
      } as never),
    ).toThrow(/"us-east-9" is not an AWS region where Amazon Forecast runs: us-east-1/);
    expect(started).toEqual([]);
  });
});

import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import { FIX_LEASE_MS } from "../remediation-flow/lease.js";
import type { ScanCoordinator } from "../scan/scan-coordinator.js";
import type { Store } from "../store/types.js";
import { createScanPort, recoverAtStartup } from "./slack-runtime.js";

const NOW = new Date("2026-11-28T12:00:00.000Z");

function fakeStore(engine: "sqlite" | "postgres") {
  const calls: {
    markInterrupted?: { updatedBefore?: string };
    failUnstarted?: { updatedBefore?: string | undefined };
    scansHeartbeatBefore?: string;
  } = {};
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
    failUnstartedRequests: async (options: { updatedBefore?: string }) => {
      calls.failUnstarted = { updatedBefore: options.updatedBefore };
      return [];
    },
  } as unknown as Store;
  return { store, calls };
}

describe("recoverAtStartup", () => {
  it.each(["sqlite", "postgres"] as const)(
    "on %s marks cut off only the fixes whose lease ran out (a live holder keeps it fresh)",
    async (engine) => {
      const { store, calls } = fakeStore(engine);
      await recoverAtStartup(store, pino({ level: "silent" }), NOW);
      const updatedBefore = new Date(NOW.getTime() - FIX_LEASE_MS).toISOString();
      expect(calls.markInterrupted).toEqual({ updatedBefore });
      expect(calls.failUnstarted).toEqual({ updatedBefore });
    },
  );

  it("marks interrupted only the scans whose heartbeat is older than the lease, not by their start", async () => {
    const { store, calls } = fakeStore("postgres");
    await recoverAtStartup(store, pino({ level: "silent" }), NOW, 45_000);
    expect(calls.scansHeartbeatBefore).toBe(new Date(NOW.getTime() - 45_000).toISOString());
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

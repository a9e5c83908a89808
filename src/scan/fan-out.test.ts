import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { SCAN_PART_JOB, ScanFanOut } from "./fan-out.js";

const logger = pino({ level: "silent" });
let store: Store;
beforeEach(async () => {
  store = await openStore({ databaseUrl: "sqlite::memory:" });
});
afterEach(async () => {
  await store.close();
});

describe("ScanFanOut", () => {
  it("starts the scan once, enqueues one keyed part per account, and keeps the scan alive until its parts end", async () => {
    const sent: [string, Record<string, unknown>, string | undefined][] = [];
    const kept: string[] = [];
    const fanOut = new ScanFanOut({
      queue: {
        work() {},
        send: async (kind, payload, options) => {
          sent.push([kind, payload, options?.key]);
          return "id";
        },
      },
      store,
      collect: async () => {
        throw new Error("not here");
      },
      config: { requireFips: false, accounts: [{ id: "111111111111" }, { id: "222222222222" }] },
      logger,
      keepAlive: async (scanId) => {
        kept.push(scanId);
        // The parts end while the slot job waits.
        if (kept.length === 2) {
          await store.commitScanPart(scanId, { accountId: "111111111111", findings: [] });
          await store.failScanPart(scanId, "222222222222", "boom");
          await store.finishScanFromParts(scanId);
        }
      },
    });
    const request = {
      scanId: "s1",
      trigger: "schedule",
      accounts: [{ id: "111111111111" }, { id: "222222222222" }],
      regions: ["us-east-1"],
      slot: "2026-06-01T07:00:00.000Z",
    };
    await fanOut.start(request);
    await fanOut.start(request);
    expect((await store.listScans()).map((s) => s.id)).toEqual(["s1"]);
    expect(sent.map(([kind, , key]) => [kind, key])).toEqual([
      [SCAN_PART_JOB, "s1|111111111111"],
      [SCAN_PART_JOB, "s1|222222222222"],
      [SCAN_PART_JOB, "s1|111111111111"],
      [SCAN_PART_JOB, "s1|222222222222"],
    ]);
    const ended = await fanOut.waitForEnd("s1", 1);
    expect(ended?.outcome).toBe("partial");
    expect(kept).toEqual(["s1", "s1"]);
    // An ended scan is not started again.
    await fanOut.start(request);
    expect(sent).toHaveLength(4);
  });
});

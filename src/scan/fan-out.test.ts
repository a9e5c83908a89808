import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobHandler } from "../jobs/job-queue.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { type FanOutDeps, SCAN_PART_JOB, ScanFanOut } from "./fan-out.js";

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

/** A fan-out on the real store whose queue records what is sent and hands the part handler to the test. */
function harness(options: Pick<FanOutDeps, "afterScan"> & { configured?: { id: string }[] } = {}) {
  const sent: Record<string, unknown>[] = [];
  const scopes: unknown[] = [];
  let handler: JobHandler | undefined;
  const fanOut = new ScanFanOut({
    queue: {
      work(_kind, h) {
        handler = h;
      },
      send: async (_kind, payload) => {
        sent.push(payload);
        return "id";
      },
    },
    store,
    collect: async (scope, { now }) => {
      scopes.push(scope);
      return { schemaVersion: 1, collectedAt: now.toISOString(), accounts: [] };
    },
    config: { requireFips: false, accounts: options.configured ?? [] },
    logger,
    ...(options.afterScan ? { afterScan: options.afterScan } : {}),
  });
  const run = async (payload: Record<string, unknown> | undefined) => {
    if (!handler) throw new Error("no part handler");
    await handler(payload ?? {}, { jobId: "j", attempt: 1 });
  };
  return { fanOut, sent, scopes, run };
}

describe("an organization's scheduled scan, fanned out", () => {
  const member = {
    id: "444444444444",
    name: "payments",
    roleArn: "arn:aws:iam::444444444444:role/ForecastAudit",
    externalId: "ext-1",
    placement: { ouId: "ou-ab12-cdef3456", ouPath: "Root/Prod" },
  };
  const other = { id: "555555555555", roleArn: "arn:aws:iam::555555555555:role/ForecastAudit" };

  const request = (accounts: (typeof member | typeof other)[]) => ({
    scanId: "org-scan",
    trigger: "schedule",
    accounts,
    regions: ["us-east-1"],
    slot: "2026-06-01T07:00:00.000Z",
  });

  it("gives each part its account as listed (role, external id, OU) and collects it without listing again", async () => {
    const { fanOut, sent, scopes, run } = harness();
    await fanOut.start(request([member, other]));
    expect(sent.map((p) => p.account)).toEqual([member, other]);
    await run(sent[0] as Record<string, unknown>);
    expect(scopes).toEqual([{ accounts: [member], regions: ["us-east-1"], resolved: true }]);
    expect((await store.scanParts("org-scan")).map((p) => [p.accountId, p.outcome])).toEqual([
      ["444444444444", "succeeded"],
    ]);
  });

  it("fails, without scanning it, an account the retried slot job no longer finds in the organization", async () => {
    const { fanOut, sent, scopes, run } = harness();
    await fanOut.start(request([member, other]));
    // The slot's job died after starting the scan; its retry lists the organization again, without `other`.
    await fanOut.start(request([member]));
    const retried = sent.slice(2);
    expect(retried.map((p) => [p.accountId, p.account, p.unresolved])).toEqual([
      ["444444444444", member, undefined],
      ["555555555555", undefined, true],
    ]);
    await run(retried[1] as Record<string, unknown>);
    expect(scopes).toEqual([]);
    await run(retried[0] as Record<string, unknown>);
    const parts = await store.scanParts("org-scan");
    expect(parts.map((p) => [p.accountId, p.outcome])).toEqual([
      ["444444444444", "succeeded"],
      ["555555555555", "failed"],
    ]);
    expect(parts[1]?.error).toMatch(/no longer listed/);
    expect((await store.getScan("org-scan"))?.outcome).not.toBe("running");
  });

  it("refuses a part whose account is not the one it names", async () => {
    const { fanOut, sent, run } = harness();
    await fanOut.start(request([member]));
    await expect(run({ ...(sent[0] as Record<string, unknown>), accountId: "555555555555" })).rejects.toThrow(
      /not its accountId/,
    );
  });
});

describe("after a fanned-out scan", () => {
  it("runs `afterScan` once, when the part that ends the scan has finished it, and a failure there ends nothing", async () => {
    const after: string[] = [];
    const configured = [{ id: "111111111111" }, { id: "222222222222" }];
    const { fanOut, sent, run } = harness({
      configured,
      afterScan: async (scanId) => {
        after.push(scanId);
        throw new Error("Security Hub unreachable");
      },
    });
    await fanOut.start({ scanId: "s2", trigger: "schedule", accounts: configured, regions: ["us-east-1"] });
    await run(sent[0]);
    expect(after).toEqual([]);
    await run(sent[1]);
    expect(after).toEqual(["s2"]);
    expect((await store.getScan("s2"))?.outcome).toBe("succeeded");
    // A part retried after the scan ended does not run it again.
    await run(sent[1]);
    expect(after).toEqual(["s2"]);
  });
});

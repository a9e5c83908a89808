import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAccount, buildRegion, denied } from "../../test/support/inventory-builders.js";
import { SCHEDULED_SCAN_ACTION } from "../digest/digest-data.js";
import { FORECAST_RESOURCE_TYPES, type ForecastInventory } from "../domain/inventory.js";
import { recordScanResult, toRecordScanInput } from "../scan/record-scan.js";
import { finishScan } from "../scan/run-scan.js";
import { ScanCoordinator } from "../scan/scan-coordinator.js";
import { summarizeScan } from "../scan/scan-summary.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { runScheduledScan, scheduledScanId } from "./scheduled-scan.js";

const logger = pino({ level: "silent" });
const SLOT = "2026-06-01T07:00:00.000Z";
let store: Store;
let executed: string[];

beforeEach(async () => {
  store = await openStore({ databaseUrl: "sqlite::memory:" });
  executed = [];
});
afterEach(async () => {
  await store.close();
});

/** An account whose second region could not be read at all: every Forecast listing there was denied. */
function accountWithUnreadRegion() {
  const forecast = Object.fromEntries(
    FORECAST_RESOURCE_TYPES.map((t) => [t, denied("forecast:ListDatasetGroups")]),
  ) as unknown as ForecastInventory;
  return buildAccount({ regions: [buildRegion(), buildRegion("eu-west-1", { forecast })] });
}

function deps(account = buildAccount()) {
  const coordinator = new ScanCoordinator(async ({ scanId, scope, trigger }) => {
    executed.push(scanId);
    const inventory = { schemaVersion: 1 as const, collectedAt: SLOT, accounts: [account] };
    const result = finishScan(
      { config: { requireFips: false } },
      { scope, trigger, inventory, startedAt: new Date(SLOT), scanId },
    );
    const recorded = await recordScanResult(store, toRecordScanInput(result));
    return summarizeScan(result, recorded.scan.counts);
  });
  return { coordinator, accounts: [], regions: ["us-east-1"], store, logger };
}

describe("the scheduled scan of a slot, run again by a retried job", () => {
  it("scans once under the slot's id; a second run reports the recorded scan", async () => {
    const first = await runScheduledScan(deps(), SLOT);
    const second = await runScheduledScan(deps(), SLOT);
    expect(executed).toEqual([scheduledScanId(SLOT)]);
    expect(second).toEqual(first);
    expect(await store.listAudit({ action: SCHEDULED_SCAN_ACTION })).toHaveLength(1);
  });

  it("completes the row a dead attempt left running instead of starting another", async () => {
    await store.startScan({
      id: scheduledScanId(SLOT),
      trigger: "schedule",
      scope: { accounts: [], regions: ["us-east-1"], controls: [] },
    });
    const report = await runScheduledScan(deps(), SLOT);
    expect(report.outcome).toBe("succeeded");
    expect((await store.listScans()).map((s) => [s.id, s.outcome])).toEqual([
      [scheduledScanId(SLOT), "succeeded"],
    ]);
  });

  it("reports a slot whose scan ended without results as failed, once", async () => {
    const scanId = scheduledScanId(SLOT);
    await store.startScan({
      id: scanId,
      trigger: "schedule",
      scope: { accounts: [], regions: ["us-east-1"], controls: [] },
    });
    await store.failScan(scanId, "the replica running it stopped");
    const report = await runScheduledScan(deps(), SLOT);
    expect(executed).toEqual([]);
    expect(report).toMatchObject({ outcome: "failed", error: "the replica running it stopped", scanId });
    await runScheduledScan(deps(), SLOT);
    expect(await store.listAudit({ action: SCHEDULED_SCAN_ACTION })).toHaveLength(1);
  });
});

describe("the report of a slot whose job died between the scan's commit and the report", () => {
  it("is rebuilt from the scan's row with the scopes the scan could not read, not as if all were read", async () => {
    const account = accountWithUnreadRegion();
    // The first attempt's report is lost: the store refuses the audit entry (a kill at that point is the same).
    const failing: Store = Object.create(store, {
      appendAudit: { value: () => Promise.reject(new Error("the store went away")) },
    });
    const first = await runScheduledScan({ ...deps(account), store: failing }, SLOT);
    expect(first.outcome).toBe("partial");
    expect(first.unscanned).toEqual([
      expect.objectContaining({
        accountId: account.accountId,
        region: "eu-west-1",
        code: "AccessDeniedException",
      }),
    ]);
    expect(await store.listAudit({ action: SCHEDULED_SCAN_ACTION })).toEqual([]);

    const retried = await runScheduledScan(deps(account), SLOT);
    expect(executed).toHaveLength(1);
    expect(retried.outcome).toBe("partial");
    expect(retried.unscanned).toEqual(first.unscanned);
    const [recorded] = await store.listAudit({ action: SCHEDULED_SCAN_ACTION });
    expect(recorded?.detail).toMatchObject({ unscanned: first.unscanned });
  });

  it("keeps an empty list when the scan read everything", async () => {
    const failing: Store = Object.create(store, {
      appendAudit: { value: () => Promise.reject(new Error("the store went away")) },
    });
    await runScheduledScan({ ...deps(), store: failing }, SLOT);
    const retried = await runScheduledScan(deps(), SLOT);
    expect(retried).toMatchObject({ outcome: "succeeded", unscanned: [] });
    expect((await store.getScan(scheduledScanId(SLOT)))?.unscanned).toEqual([]);
  });
});

describe("the report of a slot whose scan failed as a whole", () => {
  it("names the scan it failed, so that the retried job reports it once instead of writing a second report", async () => {
    const scanId = scheduledScanId(SLOT);
    let runs = 0;
    // The scan's row is written, then the scan fails (its job fails with it, and the queue retries the job).
    const coordinator = {
      start: () => ({
        done: (async () => {
          runs += 1;
          await store.startScan({
            id: scanId,
            trigger: "schedule",
            scope: { accounts: [], regions: ["us-east-1"], controls: [] },
          });
          await store.failScan(scanId, "AccessDenied: sts:AssumeRole");
          throw new Error("AccessDenied: sts:AssumeRole");
        })(),
      }),
    } as unknown as ReturnType<typeof deps>["coordinator"];
    const first = await runScheduledScan({ ...deps(), coordinator }, SLOT);
    expect(first).toMatchObject({ outcome: "failed", scanId, error: "AccessDenied: sts:AssumeRole" });
    const retried = await runScheduledScan({ ...deps(), coordinator }, SLOT);
    expect(runs).toBe(1);
    expect(retried).toEqual(first);
    const reports = await store.listAudit({ action: SCHEDULED_SCAN_ACTION });
    expect(reports.map((r) => r.target)).toEqual([scanId]);
  });
});

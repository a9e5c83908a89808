import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syntheticFindings } from "../../test/support/store-child.js";
import { openStore } from "./open-store.js";
import type { Store } from "./types.js";

const A = "111111111111";
const B = "222222222222";
const SCOPE = { regions: ["us-east-1"], controls: ["kms-key-rotation-enabled"] };

let store: Store;
beforeEach(async () => {
  store = await openStore({ databaseUrl: "sqlite::memory:" });
});
afterEach(async () => {
  await store.close();
});

describe("a fanned-out scan's per-account commits", () => {
  it("apply only their account's lifecycle, once each, and the scan ends when every account has a part", async () => {
    await store.recordScan({
      scope: { accounts: [A, B], ...SCOPE },
      trigger: "schedule",
      findings: [...syntheticFindings(2, "FAIL", A), ...syntheticFindings(2, "FAIL", B)],
    });
    const scan = await store.startScan({
      id: "fan",
      scope: { accounts: [A, B], ...SCOPE },
      trigger: "schedule",
    });

    // A's keys are gone now: its part resolves A's findings and must not touch B's.
    const first = await store.commitScanPart(scan.id, { accountId: A, findings: [] });
    expect(first.committed).toBe(true);
    expect(first.part.counts?.resolved).toBe(2);
    const lifecycles = async (account: string) =>
      (await store.listFindings({ limit: 100 }))
        .filter((f) => f.accountId === account)
        .map((f) => f.lifecycle);
    expect(await lifecycles(A)).toEqual(["resolved", "resolved"]);
    expect(await lifecycles(B)).toEqual(["new", "new"]);
    expect(await store.finishScanFromParts(scan.id)).toBeUndefined();
    expect((await store.getScan(scan.id))?.outcome).toBe("running");

    // A retried part job after its commit: nothing applied twice.
    const again = await store.commitScanPart(scan.id, {
      accountId: A,
      findings: syntheticFindings(2, "FAIL", A),
    });
    expect(again.committed).toBe(false);
    expect(await lifecycles(A)).toEqual(["resolved", "resolved"]);

    await store.commitScanPart(scan.id, { accountId: B, findings: syntheticFindings(2, "FAIL", B) });
    const finished = await store.finishScanFromParts(scan.id);
    expect(finished?.outcome).toBe("succeeded");
    expect(finished?.counts).toMatchObject({ fail: 2, resolved: 2 });
    expect(await lifecycles(B)).toEqual(["open", "open"]);
    // Exactly one caller finishes it.
    expect(await store.finishScanFromParts(scan.id)).toBeUndefined();
    await expect(store.commitScanPart(scan.id, { accountId: B, findings: [] })).rejects.toThrow();
  });

  it("ends partial when a part failed, and failed when every part did", async () => {
    const one = await store.startScan({
      id: "one",
      scope: { accounts: [A, B], ...SCOPE },
      trigger: "schedule",
    });
    await store.commitScanPart(one.id, { accountId: A, findings: syntheticFindings(1, "PASS", A) });
    expect(await store.failScanPart(one.id, B, "collector crashed")).toBe(true);
    expect(await store.failScanPart(one.id, B, "again")).toBe(false);
    expect((await store.finishScanFromParts(one.id))?.outcome).toBe("partial");

    const two = await store.startScan({ id: "two", scope: { accounts: [A], ...SCOPE }, trigger: "schedule" });
    await store.failScanPart(two.id, A, "collector crashed");
    const failed = await store.finishScanFromParts(two.id);
    expect(failed).toMatchObject({ outcome: "failed", error: `${A}: collector crashed` });
  });
});

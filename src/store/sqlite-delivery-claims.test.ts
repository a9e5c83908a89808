import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "./open-store.js";
import type { Store } from "./types.js";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-claims-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}`, deliveryClaims: true });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("SQLite delivery claims", () => {
  it("claim a key once, as claimSlot does, whichever of the two asks first", async () => {
    expect(await store.claimDelivery("slack-delivery", "trigger:1", "a")).toBe(true);
    expect(await store.claimDelivery("slack-delivery", "trigger:1", "b")).toBe(false);
    expect(await store.claimSlot("slack-delivery", "trigger:1", "b")).toBe(false);
    expect(await store.claimSlot("slack-delivery", "trigger:2", "b")).toBe(true);
    expect(await store.claimDelivery("slack-delivery", "trigger:2", "a")).toBe(false);
    expect((await store.slotClaim("slack-delivery", "trigger:1"))?.instanceId).toBe("a");
  });

  it("wait for a write lock held elsewhere on a timer, never inside the call: the event loop keeps turning", async () => {
    // Another connection (a scan worker's commit) holds the write lock.
    const other = new Database(join(dir, "state.db"));
    other.exec("begin immediate");
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 5);
    try {
      const claim = store.claimDelivery("slack-delivery", "trigger:held", "a");
      await new Promise((r) => setTimeout(r, 200));
      // The loop ran its timers all along (a blocking busy wait would have held it for the whole 200 ms).
      expect(ticks).toBeGreaterThan(10);
      let settled = false;
      void claim.then(() => {
        settled = true;
      });
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      other.exec("commit");
      expect(await claim).toBe(true);
    } finally {
      clearInterval(ticker);
      other.close();
    }
    expect(await store.claimSlot("slack-delivery", "trigger:held", "b")).toBe(false);
  });
});

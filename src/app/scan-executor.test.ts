/** The scan executor `serve` runs (Slack and scheduled scans): the scan's row exists from its start. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAccount, buildInventory } from "../../test/support/inventory-builders.js";
import { parseConfig } from "../config/load-config.js";
import type { Inventory } from "../domain/inventory.js";
import { ScanCoordinator } from "../scan/scan-coordinator.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import type { AuditRuntime } from "./audit-runtime.js";
import { createScanExecutor, type SlackRuntimeParts, withScanRows } from "./slack-runtime.js";

const ACCOUNT = "123456789012";
const SLOT = "2026-03-01T08:00:00.000Z";

let dir: string;
let store: Store;
let finish: (inventory: Inventory) => void;
let fail: (error: Error) => void;
let coordinator: ScanCoordinator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-executor-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
  const audit = {
    collect: () =>
      new Promise<Inventory>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
  } as unknown as AuditRuntime;
  const parts: SlackRuntimeParts = {
    config: parseConfig({ accounts: [{ id: ACCOUNT }], regions: ["us-east-1"] }),
    logger: pino({ level: "silent" }),
    store,
    audit,
    coordinator: new ScanCoordinator((input) => executor(input)),
  };
  // As serve composes it: the row and its heartbeat around the executor (here in-process).
  const executor = withScanRows(parts, createScanExecutor(parts));
  coordinator = parts.coordinator;
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function rowWritten(): Promise<void> {
  for (let i = 0; i < 500 && (await store.listScans()).length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a scheduled scan run by serve", () => {
  it("is recorded running, with where it was asked for, before collection ends; then succeeded", async () => {
    const ticket = coordinator.start(
      { accounts: [{ id: ACCOUNT }], regions: ["us-east-1"] },
      { kind: "schedule", slot: SLOT },
    );
    await rowWritten();
    expect(await store.getScan(ticket.id)).toMatchObject({
      outcome: "running",
      trigger: "schedule",
      origin: { kind: "schedule", slot: SLOT },
      scope: { accounts: [ACCOUNT], regions: ["us-east-1"] },
    });
    finish(buildInventory(buildAccount()));
    await ticket.done;
    expect((await store.getScan(ticket.id))?.outcome).toBe("succeeded");
    const log = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
    expect(log.map((e) => [e.action, e.target])).toEqual([
      ["scan.started", ticket.id],
      ["scan.completed", ticket.id],
    ]);
    expect(log[0]!.at <= log[1]!.at).toBe(true);
  });

  it("ends failed, with the reason, when collection throws", async () => {
    const ticket = coordinator.start(
      { accounts: [{ id: ACCOUNT }], regions: ["us-east-1"] },
      { kind: "schedule", slot: SLOT },
    );
    await rowWritten();
    fail(new Error("ExpiredToken: the credentials expired"));
    await expect(ticket.done).rejects.toThrow("ExpiredToken");
    expect(await store.getScan(ticket.id)).toMatchObject({
      outcome: "failed",
      error: "ExpiredToken: the credentials expired",
    });
  });
});

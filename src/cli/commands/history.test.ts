import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStoreCli, kmsFinding, SCOPE, type StoreCli } from "../../../test/support/store-cli.js";
import { findingKey } from "../../domain/finding.js";
import { CliError } from "../errors.js";
import { registerHistoryCommand } from "./history.js";

let cli: StoreCli;
const run = (...args: string[]) => cli.run(registerHistoryCommand, "history", ...args);

beforeEach(async () => {
  cli = await createStoreCli();
});
afterEach(async () => {
  await cli.cleanup();
});

describe("forecast-audit history", () => {
  it("says so before any scan", async () => {
    expect(await run()).toBe("No scans stored yet.\n");
  });

  it("lists recent scans, newest first, with their counts", async () => {
    const store = await cli.store();
    await store.recordScan({
      scope: SCOPE,
      trigger: "schedule",
      findings: [kmsFinding("a", "FAIL"), kmsFinding("b", "ERROR")],
    });
    cli.clock.now = new Date("2026-03-02T08:00:00.000Z");
    const second = await store.recordScan({
      scope: SCOPE,
      trigger: "cli:alice",
      findings: [kmsFinding("a", "PASS")],
    });
    const out = await run();
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^SCAN\s+STARTED\s+TOOK\s+TRIGGER\s+OUTCOME\s+HEARTBEAT\s+ACCOUNTS\s+REGIONS\s+FAIL\s+ERROR\s+PASS\s+NEW\s+REOPENED\s+RESOLVED$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${second.scan.id}\\s+2026-03-02T08:00:00Z\\s+0s\\s+cli:alice\\s+succeeded\\s+111111111111\\s+us-east-1\\s+0\\s+0\\s+1\\s+0\\s+0\\s+1$`,
      ),
    );
    expect(lines[2]).toMatch(/schedule\s+partial\s+111111111111\s+us-east-1\s+1\s+1\s+0\s+1\s+0\s+0$/);
    const json = JSON.parse(await run("--format", "json", "--limit", "1")) as { scans: { id: string }[] };
    expect(json.scans.map((s) => s.id)).toEqual([second.scan.id]);
  });

  it("shows a running scan with its last heartbeat, and one whose process stopped as interrupted", async () => {
    const store = await cli.store();
    // A CLI scan killed after its row was written: its heartbeat stops at 08:00:15.
    const killed = await store.startScan({
      scope: SCOPE,
      trigger: "cli:alice",
      origin: { kind: "cli", user: "alice" },
    });
    await store.heartbeatScan(killed.id, "2026-03-01T08:00:15.000Z");
    cli.clock.now = new Date("2026-03-01T08:00:40.000Z");
    const live = await store.startScan({ scope: SCOPE, trigger: "schedule" });
    // Within the lease (3 × 15 s) the killed scan still counts as running.
    let lines = (await run()).trim().split("\n");
    expect(lines[1]).toMatch(
      new RegExp(`^${live.id}\\s+2026-03-01T08:00:40Z\\s+schedule\\s+running\\s+2026-03-01T08:00:40Z\\s`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${killed.id}\\s+.*cli:alice\\s+running\\s+2026-03-01T08:00:15Z\\s`),
    );
    cli.clock.now = new Date("2026-03-01T08:01:01.000Z");
    await store.heartbeatScan(live.id, "2026-03-01T08:01:00.000Z");
    lines = (await run()).trim().split("\n");
    expect(lines[1]).toMatch(/schedule\s+running\s+2026-03-01T08:01:00Z\s/);
    expect(lines[2]).toMatch(
      new RegExp(`^${killed.id}\\s+.*cli:alice\\s+interrupted\\s+2026-03-01T08:00:15Z\\s`),
    );
    expect((await store.listAudit({ action: "scan.interrupted" })).map((e) => e.target)).toEqual([killed.id]);
  });

  it("shows one finding's lifecycle", async () => {
    const store = await cli.store();
    await store.recordScan({ scope: SCOPE, trigger: "schedule", findings: [kmsFinding("a", "FAIL")] });
    await store.recordScan({ scope: SCOPE, trigger: "schedule", findings: [] });
    const out = await run("--finding", findingKey(kmsFinding("a", "FAIL")));
    expect(out).toMatch(/-\s+new/);
    expect(out).toMatch(/new\s+resolved\s+gone/);
  });

  it("rejects a malformed finding key and a bad limit, naming the option", async () => {
    await expect(run("--finding", "nope")).rejects.toThrow(CliError);
    await expect(run("--finding", "nope")).rejects.toThrow(/--finding/);
    await expect(run("--limit", "many")).rejects.toThrow(/--limit/);
  });
});

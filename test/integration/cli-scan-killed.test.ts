/**
 * The reporter's case: a `forecast-audit scan` killed in the middle of collecting. Its row was written when it
 * started and its heartbeat moved while it ran (a separate process). Killed outright (SIGKILL: nothing of the
 * CLI runs after it), `history` shows it interrupted once its heartbeat is older than the lease, with its last
 * heartbeat; asked to stop (Ctrl-C, SIGTERM), it records itself interrupted at once and exits 130 / 143.
 * Either way the audit log has scan.started then scan.interrupted.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { ScanRecord, Store } from "../../src/store/types.js";
import { runCli, startCliProcess } from "../support/cli-runner.js";

let dir: string;
let hang: Server;
const sockets = new Set<Socket>();
let port = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-killed-"));
  // An AWS endpoint that accepts every connection and never answers: the scan stays in collection.
  hang = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
  port = (hang.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hang.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A CLI scan stuck in collection against the endpoint that never answers, its store in `name`. */
async function startStuckScan(name: string) {
  const config = join(dir, "forecast-audit.yml");
  await writeFile(
    config,
    "accounts: [{ id: '123456789012' }]\nregions: [us-east-1]\nstore: { scanHeartbeatSeconds: 1 }\n",
  );
  const databaseUrl = `sqlite:${join(dir, name)}`;
  const env = {
    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_EC2_METADATA_DISABLED: "true",
    FORECAST_AUDIT_CONFIG: undefined,
    DATABASE_URL: databaseUrl,
  };
  const child = await startCliProcess(["--config", config, "scan", "--format", "json"], {
    env,
    cwd: dir,
    direct: true,
  });
  const store = (await until(
    async () => {
      try {
        return await openStore({ databaseUrl });
      } catch {
        return undefined;
      }
    },
    (s) => s !== undefined,
    "the store",
  )) as Store;
  const running = await until(
    () => store.listScans(),
    (scans) => scans.length === 1 && scans[0]!.heartbeatAt! > scans[0]!.startedAt,
    `a running scan whose heartbeat moved (CLI output: ${child.output()})`,
  );
  expect(running[0]).toMatchObject({ outcome: "running", trigger: expect.stringMatching(/^cli:/) });
  return { child, store, config, env };
}

describe("a CLI scan asked to stop mid-collection", () => {
  it.each([
    ["SIGINT", 130, "Ctrl-C (SIGINT)"],
    ["SIGTERM", 143, "SIGTERM"],
  ] as const)("records itself interrupted at once on %s and exits %i", async (signal, code, reason) => {
    const { child, store } = await startStuckScan(`stopped-${signal}.db`);
    try {
      child.kill(signal);
      expect(await child.exited, child.output()).toBe(code);
      const [scan] = (await store.listScans()) as [ScanRecord];
      // Not after the lease: the row says so as the process ends.
      expect(scan.outcome).toBe("interrupted");
      const log = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
      expect(log.map((e) => [e.action, e.target])).toEqual([
        ["scan.started", scan.id],
        ["scan.interrupted", scan.id],
      ]);
      expect(log[1]?.detail).toMatchObject({ reason });
      expect(child.output()).toContain(`scan ${scan.id} is recorded as interrupted`);
    } finally {
      child.kill("SIGKILL");
      await store.close();
    }
  });
});

describe("a CLI scan killed mid-collection", () => {
  it("leaves its row, shown interrupted by history once its heartbeat is older than the lease", async () => {
    const { child, store: opened, config, env } = await startStuckScan("state.db");
    // Killed while collecting: nothing of the CLI runs after SIGKILL.
    child.kill("SIGKILL");
    await child.exited;
    const [scan] = (await opened.listScans()) as [ScanRecord];
    expect(scan.outcome).toBe("running");
    // Later than the lease (3 × 1 s) after its last heartbeat: `history` records and shows it interrupted.
    const later = new Date(Date.parse(scan.heartbeatAt!) + 10_000);
    const history = await runCli(["--config", config, "history"], { env, cwd: dir, now: () => later });
    expect(history.exitCode, history.stderr).toBe(0);
    const line = history.stdout.split("\n").find((l) => l.startsWith(scan.id));
    expect(line).toMatch(/\sinterrupted\s/);
    expect(line).toContain(scan.heartbeatAt!.replace(/\.\d+Z$/, "Z"));
    const log = await opened.listAudit({ actionPrefix: "scan.", order: "asc" });
    expect(log.map((e) => [e.action, e.target])).toEqual([
      ["scan.started", scan.id],
      ["scan.interrupted", scan.id],
    ]);
    await opened.close();
  });
});

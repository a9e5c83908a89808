/**
 * Scans in worker threads (`serve`): the worker path records exactly what the in-process path records, errors
 * come back with their codes, and a worker thread that dies fails its scan instead of hanging it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { executeScan } from "../../src/app/execute-scan.js";
import { createScanWorkerPool, ScanWorkerFailure } from "../../src/app/scan-worker-pool.js";
import { parseConfig } from "../../src/config/load-config.js";
import { collectAndCommitPart } from "../../src/scan/fan-out.js";
import { filterInventory, readInventoryFile } from "../../src/scan/inventory-file.js";
import type { ScanProgress } from "../../src/scan/progress.js";
import type { ScanSummary } from "../../src/scan/scan-summary.js";
import { openStore } from "../../src/store/open-store.js";
import type { FindingRecord, Store } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const DEMO = fileURLToPath(new URL("../../examples/demo-inventory.json", import.meta.url));
const CRASHING = fileURLToPath(new URL("../support/crashing-scan-worker.ts", import.meta.url));
const config = parseConfig({});
const logger = pino({ level: "silent" });
const scope = { accounts: [], regions: ["us-east-1", "eu-west-1"] };
const trigger = { kind: "slack" as const, userId: "U0TEST", channelId: "C0TEST" };

const server = await startPostgres();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await server?.stop();
});

async function sqliteUrl(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fa-worker-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, "store.db")}`;
}

async function databaseUrl(engine: "sqlite" | "postgres"): Promise<string> {
  if (engine === "sqlite") return sqliteUrl();
  const db = await createTestDatabase(server!.url);
  cleanups.push(db.drop);
  return db.url;
}

async function open(url: string): Promise<Store> {
  const store = await openStore({ databaseUrl: url, logger });
  cleanups.push(() => store.close());
  return store;
}

/** What a scan left in the store, without the ids and times that differ from run to run. */
function stateOf(records: FindingRecord[]) {
  return records.map((r) => [r.key, r.status, r.lifecycle, r.severity, r.detail].join("|")).sort();
}

function comparable(summary: ScanSummary) {
  const { scanId: _id, startedAt: _s, finishedAt: _f, ...rest } = summary;
  return { ...rest, notable: rest.notable.map((f) => `${f.controlId}|${f.resourceArn}|${f.status}`).sort() };
}

const engines: Array<"sqlite" | "postgres"> = ["sqlite", ...(server ? (["postgres"] as const) : [])];

describe.each(engines)("scans in worker threads (%s)", (engine) => {
  it("record the same findings and return the same summary as a scan on the calling thread", async () => {
    const inProcessStore = await open(await databaseUrl(engine));
    const inventory = await readInventoryFile(DEMO);
    const local = await executeScan(
      {
        config,
        collect: async (s) => filterInventory(inventory, [], s.regions),
        store: inProcessStore,
        logger,
      },
      { scanId: "local-scan", scope, trigger, onProgress: () => {} },
    );

    const url = await databaseUrl(engine);
    const store = await open(url);
    const pool = createScanWorkerPool({
      config,
      databaseUrl: url,
      logLevel: "silent",
      threads: 1,
      inventoryFile: DEMO,
      store,
    });
    cleanups.push(() => pool.close());
    const threaded = await pool.execute({ scanId: "worker-scan", scope, trigger, onProgress: () => {} });

    expect(comparable(threaded)).toEqual(comparable(local));
    expect(threaded.scanId).toBe("worker-scan");
    expect(threaded.counts.total).toBeGreaterThan(0);
    expect(threaded.notable.every((f) => f.status !== "PASS")).toBe(true);
    expect(stateOf(await store.listFindings({ includeSuppressed: true }))).toEqual(
      stateOf(await inProcessStore.listFindings({ includeSuppressed: true })),
    );
    expect((await store.getScan("worker-scan"))?.outcome).toMatch(/succeeded|partial/);
  });
});

/** Each thread of this process and its nice value (field 19 of `/proc/self/task/<tid>/stat`). */
async function threadNices(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir("/proc/self/task")) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, "utf8").catch(() => "");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const nice = fields[16];
    if (nice !== undefined) out.set(Number(tid), Number(nice));
  }
  return out;
}

describe.runIf(existsSync("/proc/thread-self"))("the priority of scan worker threads (Linux)", () => {
  it("lowers the worker thread's priority only, leaving the Slack thread's as it was", async () => {
    const before = await threadNices();
    const mainNice = before.get(process.pid);
    expect(mainNice).toBeDefined();
    const url = await sqliteUrl();
    const store = await open(url);
    const pool = createScanWorkerPool({
      config: parseConfig({ scanWorkerNice: 12 }),
      databaseUrl: url,
      logLevel: "silent",
      threads: 1,
      inventoryFile: DEMO,
      store,
    });
    cleanups.push(() => pool.close());
    await pool.execute({ scanId: "nice-scan", scope, trigger, onProgress: () => {} });
    // The pool keeps its idle thread for a minute: it is still there, at the configured nice value.
    const after = await threadNices();
    const lowered = [...after].filter(([tid, nice]) => !before.has(tid) && nice === Math.max(12, mainNice!));
    expect(lowered.length).toBe(1);
    expect(after.get(process.pid)).toBe(mainNice);
    expect(
      [...after].filter(([tid]) => before.has(tid)).every(([tid, nice]) => nice === before.get(tid)),
    ).toBe(true);
  });
});

describe.each(engines)("fanned-out scan parts in worker threads (%s)", (engine) => {
  it("commit the same part and findings as a part run on the calling thread", async () => {
    const DEMO_ACCOUNT = "111122223333";
    const regions = ["us-east-1", "eu-west-1"];
    const started = async (store: Store, id: string) =>
      store.startScan({
        id,
        trigger: "schedule",
        scope: { accounts: [DEMO_ACCOUNT], regions, controls: [] },
        startedAt: "2026-03-01T08:00:00.000Z",
      });
    const work = (scanId: string) => ({
      scanId,
      account: { id: DEMO_ACCOUNT },
      regions,
      startedAt: "2026-03-01T08:00:00.000Z",
      trigger: "schedule",
      slot: "2026-03-01T08:00:00.000Z",
    });

    const inProcessStore = await open(await databaseUrl(engine));
    await started(inProcessStore, "local-part");
    const inventory = await readInventoryFile(DEMO);
    await collectAndCommitPart(
      {
        config,
        collect: async (s) => filterInventory(inventory, [], s.regions),
        store: inProcessStore,
        logger,
      },
      work("local-part"),
    );

    const url = await databaseUrl(engine);
    const store = await open(url);
    await started(store, "worker-part");
    const pool = createScanWorkerPool({
      config,
      databaseUrl: url,
      logLevel: "silent",
      threads: 1,
      inventoryFile: DEMO,
    });
    cleanups.push(() => pool.close());
    await pool.executePart(work("worker-part"));

    const [local] = await inProcessStore.scanParts("local-part");
    const [threaded] = await store.scanParts("worker-part");
    expect(threaded).toMatchObject({
      accountId: DEMO_ACCOUNT,
      outcome: local?.outcome,
      counts: local?.counts,
    });
    expect(threaded?.counts?.pass ?? 0).toBeGreaterThan(0);
    expect(stateOf(await store.listFindings({ includeSuppressed: true }))).toEqual(
      stateOf(await inProcessStore.listFindings({ includeSuppressed: true })),
    );
    // Run again (a retried part job): nothing is applied twice.
    await pool.executePart(work("worker-part"));
    expect(await store.scanParts("worker-part")).toHaveLength(1);
  });

  it("reject with the worker's error, so that the part's job is retried", async () => {
    const url = await databaseUrl(engine);
    const store = await open(url);
    const pool = createScanWorkerPool({
      config,
      databaseUrl: url,
      logLevel: "silent",
      threads: 1,
      inventoryFile: DEMO,
    });
    cleanups.push(() => pool.close());
    // No scan row: the commit refuses the part.
    const done = pool.executePart({
      scanId: "no-such-scan",
      account: { id: "111122223333" },
      regions: ["us-east-1"],
      startedAt: "2026-03-01T08:00:00.000Z",
      trigger: "schedule",
    });
    await expect(done).rejects.toBeInstanceOf(ScanWorkerFailure);
    await expect(done).rejects.toMatchObject({ name: "ScanNotRunningError" });
    expect(await store.scanParts("no-such-scan")).toEqual([]);
  });
});

describe("a scan worker that fails", () => {
  it("passes the error's name, message and code back to the caller", async () => {
    const url = await sqliteUrl();
    const pool = createScanWorkerPool({
      config,
      databaseUrl: url,
      threads: 1,
      inventoryFile: "/nonexistent/inventory.json",
    });
    cleanups.push(() => pool.close());
    const done = pool.execute({ scanId: "missing-file", scope, trigger, onProgress: () => {} });
    await expect(done).rejects.toBeInstanceOf(ScanWorkerFailure);
    await expect(done).rejects.toMatchObject({
      name: "InventoryFileError",
      message: expect.stringMatching(/cannot read inventory .*ENOENT/),
    });
  });

  it("fails the scan (and marks its row failed) when the worker thread dies, and the pool runs the next one", async () => {
    const url = await sqliteUrl();
    const store = await open(url);
    await store.startScan({
      id: "crashing",
      scope: { accounts: [], regions: scope.regions, controls: [] },
      trigger: "slack:U0TEST",
    });
    const pool = createScanWorkerPool({ config, databaseUrl: url, threads: 1, workerFile: CRASHING, store });
    cleanups.push(() => pool.close());
    const progress: ScanProgress[] = [];
    const done = pool.execute({ scanId: "crashing", scope, trigger, onProgress: (e) => progress.push(e) });
    await expect(done).rejects.toMatchObject({ name: "ScanWorkerCrashed", code: "WorkerCrashed" });
    expect(progress.map((p) => p.done)).toEqual([1]);
    const row = await store.getScan("crashing");
    expect(row?.outcome).toBe("failed");
    expect(row?.error).toMatch(/worker thread stopped/);
    // The pool replaces the dead thread: the next scan is not stuck behind it.
    await expect(
      pool.execute({ scanId: "second", scope, trigger, onProgress: () => {} }),
    ).rejects.toMatchObject({ code: "WorkerCrashed" });
  });
});

describe("the Security Hub export after a fanned-out scan, in a worker thread", () => {
  it("runs the export on the worker's own store and clients (a refused endpoint is recorded, not thrown)", async () => {
    const saved = { ...process.env };
    // The worker thread's AWS clients reach a closed port: the export fails fast and says so in the audit log.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_REGION: "us-east-1",
    });
    cleanups.push(async () => {
      for (const k of ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    const url = await sqliteUrl();
    const store = await open(url);
    const pool = createScanWorkerPool({
      config: parseConfig({
        maxAttempts: 1,
        connectTimeoutSeconds: 1,
        securityHub: { enabled: true, region: "us-east-1", roleArn: "arn:aws:iam::111122223333:role/Hub" },
      }),
      databaseUrl: url,
      logLevel: "silent",
      threads: 1,
      store,
    });
    cleanups.push(() => pool.close());
    await pool.exportFindings();
    const [failed] = await store.listAudit({ action: "securityhub.export-failed" });
    expect(failed?.actor).toBe("system");
  });
});

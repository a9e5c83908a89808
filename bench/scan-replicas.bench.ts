/**
 * `npm run bench:scan:replicas`: a multi-account scan on PostgreSQL fanned out as one job per account, run by
 * one replica and then by two (separate processes, each with the real store, pg-boss and scan fan-out; a fresh
 * database each time). Each account's collection makes BENCH_CALLS sequential calls with a latency floor of
 * BENCH_CALL_MS each (the "API floor"); each replica runs 2 parts at a time (pg-boss `localConcurrency`).
 * Prints the wall time from enqueueing the parts to the scan row ending, and the parts each replica ran.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { parseConfig } from "../src/config/load-config.js";
import { PgBossJobQueue } from "../src/jobs/pg-boss-queue.js";
import { ScanFanOut } from "../src/scan/fan-out.js";
import { openStore } from "../src/store/open-store.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNT_COUNT ?? "16");
const CALLS = Number(process.env.BENCH_CALLS ?? "10");
const CALL_MS = Number(process.env.BENCH_CALL_MS ?? "100");
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(100000000000 + i));
const CHILD = join(import.meta.dirname, "support/scan-replica-child.ts");

function startReplica(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, url], {
    env: {
      ...process.env,
      BENCH_ACCOUNTS: accounts.join(","),
      BENCH_CALLS: String(CALLS),
      BENCH_CALL_MS: String(CALL_MS),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line === "ready") resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`replica exited ${code}`)));
  });
}

async function run(server: string, replicas: number): Promise<number> {
  const db = await createTestDatabase(server);
  const children: ChildProcess[] = [];
  try {
    // The first replica installs pg-boss's schema and queues; the others join.
    children.push(await startReplica(db.url));
    for (let i = 1; i < replicas; i++) children.push(await startReplica(db.url));
    const logger = pino({ level: "warn" });
    const config = parseConfig({ accounts: accounts.map((id) => ({ id })) });
    const store = await openStore({ databaseUrl: db.url });
    const queue = new PgBossJobQueue({
      connectionString: db.url,
      settings: { ...config.jobs, pollSeconds: 0.5 },
      onDeadLetter: async () => {},
      logger,
    });
    await queue.start();
    // Only enqueues here: the parts run in the replicas.
    const fanOut = new ScanFanOut({
      queue: { work() {}, send: (k, p, o) => queue.send(k, p, o) },
      store,
      collect: async () => {
        throw new Error("the bench's own process collects nothing");
      },
      config,
      logger,
    });
    const started = performance.now();
    await fanOut.start({
      scanId: `bench-${replicas}`,
      trigger: "bench",
      accounts: config.accounts,
      regions: ["us-east-1"],
    });
    for (;;) {
      const scan = await store.getScan(`bench-${replicas}`);
      if (scan && scan.outcome !== "running") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const wall = performance.now() - started;
    const parts = await store.scanParts(`bench-${replicas}`);
    if (parts.length !== ACCOUNTS || parts.some((p) => p.outcome === "failed"))
      throw new Error("a part failed");
    await queue.stop();
    await store.close();
    return wall;
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    await db.drop();
  }
}

const server = await startPostgres();
if (!server) throw new Error("bench:scan:replicas needs PostgreSQL (TEST_POSTGRES_URL)");
const floor = (ACCOUNTS * CALLS * CALL_MS) / 1000;
console.log(
  `${ACCOUNTS} accounts x ${CALLS} sequential calls x >= ${CALL_MS} ms = ${floor.toFixed(1)} s of API floor in all; 2 parts at a time per replica`,
);
const rounds = Number(process.env.BENCH_ROUNDS ?? "2");
for (let round = 1; round <= rounds; round++) {
  const one = await run(server.url, 1);
  const two = await run(server.url, 2);
  console.log(
    `round ${round}: 1 replica ${(one / 1000).toFixed(2)} s, 2 replicas ${(two / 1000).toFixed(2)} s, ratio ${(two / one).toFixed(2)}`,
  );
}
await server.stop();
process.exit(0);

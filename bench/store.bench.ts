/**
 * `npm run bench:store`: a year of daily scans (365 × 30,000 findings — a 10,000-resource scan — with churn)
 * through the store on SQLite and PostgreSQL; prints the commit time of one scan's lifecycle update, the
 * longest event-loop block during a commit (a 1 ms interval probe in this thread: the commit runs here, as it
 * does in a scan worker), on SQLite the longest write transaction (how long a Slack delivery claim may wait for
 * the write lock), the digest queries' times and the database size. PostgreSQL comes from TEST_POSTGRES_URL
 * or a throwaway cluster (fsync on).
 * Environment: BENCH_DAYS (default 365), BENCH_FINDINGS (default 30000), BENCH_ENGINES (sqlite,postgres).
 */
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import type { Finding } from "../src/domain/finding.js";
import type { Severity } from "../src/domain/severity.js";
import { createKysely } from "../src/store/connect.js";
import { parseDatabaseUrl } from "../src/store/database-url.js";
import { openStore } from "../src/store/open-store.js";
import type { Engine, ScanScope } from "../src/store/types.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { seededRandom } from "./support/seeded-random.js";

const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 30_000);
const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite,postgres").split(",") as Engine[];
const DAY = 86_400_000;
const START = Date.parse("2026-01-01T08:00:00.000Z");

const ACCOUNTS = ["111111111111", "222222222222", "333333333333"];
const REGIONS = ["us-east-1", "eu-west-1"];
const CONTROLS: Array<[string, Severity]> = [
  ["forecast-dataset-encrypted-with-cmk", "high"],
  ["forecast-predictor-encrypted-with-cmk", "medium"],
  ["forecast-export-encrypted-with-cmk", "medium"],
  ["forecast-tags-no-sensitive-data", "high"],
  ["s3-bucket-default-encryption-cmk", "high"],
  ["s3-bucket-tls-enforced", "high"],
  ["s3-bucket-public-access-blocked", "high"],
  ["kms-key-rotation-enabled", "medium"],
  ["kms-key-not-pending-deletion", "critical"],
  ["forecast-role-trust-scoped", "medium"],
];

interface Resource {
  id: number;
  control: number;
  account: string;
  region: string;
  status: Finding["status"];
}

/** Each day: 1% of resources are replaced by new ones, 2% change status, 0.5% cannot be evaluated. */
function* year(): Generator<Finding[]> {
  const random = seededRandom(20260101);
  let nextId = 0;
  const fresh = (): Resource => ({
    id: nextId++,
    control: Math.floor(random() * CONTROLS.length),
    account: ACCOUNTS[Math.floor(random() * ACCOUNTS.length)]!,
    region: REGIONS[Math.floor(random() * REGIONS.length)]!,
    status: random() < 0.25 ? "FAIL" : "PASS",
  });
  const resources = Array.from({ length: FINDINGS }, fresh);
  for (let day = 0; day < DAYS; day++) {
    if (day > 0) {
      for (let i = 0; i < resources.length; i++) {
        const r = random();
        if (r < 0.01) resources[i] = fresh();
        else if (r < 0.03) resources[i]!.status = resources[i]!.status === "FAIL" ? "PASS" : "FAIL";
      }
    }
    yield resources.map((r) => {
      const [controlId, severity] = CONTROLS[r.control]!;
      const status = random() < 0.005 ? "ERROR" : r.status;
      const finding: Finding = {
        controlId,
        status,
        severity,
        accountId: r.account,
        region: r.region,
        resourceArn: `arn:aws:forecast:${r.region}:${r.account}:dataset/bench_${r.id}`,
        resourceType: "forecast-dataset",
        title: controlId,
        detail: status === "FAIL" ? `Resource ${r.id} fails ${controlId}.` : `Resource ${r.id} passes.`,
      };
      if (status === "ERROR")
        finding.error = {
          code: "ThrottlingException",
          message: "Rate exceeded",
          action: "forecast:DescribeDataset",
        };
      return finding;
    });
  }
}

const scope: ScanScope = { accounts: ACCOUNTS, regions: REGIONS, controls: CONTROLS.map(([id]) => id) };

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: quantile(times, 0.5), value };
}

/**
 * The longest gap between two turns of a 1 ms interval while `work` runs: the longest event-loop block, in
 * wall time (which on a busy machine includes time the thread waited for a CPU) and in this thread's own CPU
 * time over that gap (what the commit itself spent without letting the loop turn).
 */
async function longestBlock<T>(
  work: () => Promise<T>,
): Promise<{ value: T; blockMs: number; cpuMs: number }> {
  const cpuNow = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuNow();
  let longest = 0;
  let longestCpu = 0;
  const turn = () => {
    const t = performance.now();
    const c = cpuNow();
    longest = Math.max(longest, t - last);
    longestCpu = Math.max(longestCpu, c - lastCpu);
    last = t;
    lastCpu = c;
  };
  const probe = setInterval(turn, 1);
  try {
    const value = await work();
    turn();
    return { value, blockMs: longest, cpuMs: longestCpu };
  } finally {
    clearInterval(probe);
  }
}

interface Figures {
  engine: Engine;
  commitMedian: number;
  commitP95: number;
  blockMedian: number;
  blockMax: number;
  cpuBlockMedian: number;
  cpuBlockMax: number;
  writeTxMax: number;
  writeTxP95: number;
  writeTxCpuMax: number;
  commitLast30: number;
  newSince: number;
  newCount: number;
  resolvedSince: number;
  resolvedCount: number;
  trend: number;
  stillFailing: number;
  posture: number;
  sizeMiB: number;
  historyRows: number;
  findingRows: number;
  totalSeconds: number;
}

async function vacuum(databaseUrl: string): Promise<void> {
  const db = await createKysely(parseDatabaseUrl(databaseUrl));
  try {
    await sql`vacuum (analyze)`.execute(db);
  } finally {
    await db.destroy();
  }
}

async function bench(engine: Engine, databaseUrl: string, sizeOf: () => Promise<number>): Promise<Figures> {
  let now = START;
  const store = await openStore({ databaseUrl, now: () => new Date(now) });
  const commits: number[] = [];
  const blocks: number[] = [];
  const cpuBlocks: number[] = [];
  const writeTx: number[] = [];
  const writeTxCpu: number[] = [];
  (store as { commitObserver?: object }).commitObserver = {
    onWriteTransaction: (ms: number, _steps: number, cpuMs: number) => {
      writeTx.push(ms);
      writeTxCpu.push(cpuMs);
    },
  };
  const began = performance.now();
  let day = 0;
  for (const findings of year()) {
    now = START + day * DAY;
    const scan = await store.startScan({ scope, trigger: "schedule" });
    now += 60_000;
    const t0 = performance.now();
    const { blockMs, cpuMs } = await longestBlock(() => store.completeScan(scan.id, { findings }));
    commits.push(performance.now() - t0);
    blocks.push(blockMs);
    cpuBlocks.push(cpuMs);
    day++;
    // Autovacuum has a whole day between real daily scans; a year squeezed into a minute does not.
    if (engine === "postgres" && day % 7 === 0) await vacuum(databaseUrl);
    if (day % 73 === 0 || day % 30 === 0)
      process.stderr.write(
        `${engine}: day ${day}/${DAYS}: commit median ${quantile(commits, 0.5).toFixed(0)} ms, p95 ${quantile(commits, 0.95).toFixed(0)} ms; longest block (thread CPU) ${Math.max(...cpuBlocks).toFixed(1)} ms\n`,
      );
  }
  const totalSeconds = (performance.now() - began) / 1000;
  if (engine === "postgres") await vacuum(databaseUrl);
  now += 3_600_000;
  const since = new Date(now - DAY).toISOString();
  const newSince = await timed(5, () => store.findingsNewSince(since));
  const resolvedSince = await timed(5, () => store.findingsResolvedSince(since));
  const trend = await timed(5, () => store.trend(7, new Date(now)));
  const stillFailing = await timed(5, () => store.stillFailing({ minSeverity: "high" }));
  const posture = await timed(5, () => store.posture());
  await store.close();

  const db = await createKysely(parseDatabaseUrl(databaseUrl));
  const count = async (table: "finding_history" | "findings") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const historyRows = await count("finding_history");
  const findingRows = await count("findings");
  if (engine === "sqlite") await sql`pragma wal_checkpoint(truncate)`.execute(db);
  await db.destroy();
  return {
    engine,
    commitMedian: quantile(commits, 0.5),
    commitP95: quantile(commits, 0.95),
    blockMedian: quantile(blocks, 0.5),
    blockMax: Math.max(...blocks),
    cpuBlockMedian: quantile(cpuBlocks, 0.5),
    cpuBlockMax: Math.max(...cpuBlocks),
    writeTxMax: writeTx.length > 0 ? Math.max(...writeTx) : Number.NaN,
    writeTxP95: writeTx.length > 0 ? quantile(writeTx, 0.95) : Number.NaN,
    writeTxCpuMax: writeTxCpu.length > 0 ? Math.max(...writeTxCpu) : Number.NaN,
    commitLast30: commits.slice(-30).reduce((a, b) => a + b, 0) / Math.min(30, commits.length),
    newSince: newSince.ms,
    newCount: newSince.value.length,
    resolvedSince: resolvedSince.ms,
    resolvedCount: resolvedSince.value.length,
    trend: trend.ms,
    stillFailing: stillFailing.ms,
    posture: posture.ms,
    sizeMiB: (await sizeOf()) / 1_048_576,
    historyRows,
    findingRows,
    totalSeconds,
  };
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  if (ENGINES.includes("sqlite")) {
    const dir = await mkdtemp(join(tmpdir(), "forecast-audit-bench-"));
    const file = join(dir, "bench.db");
    try {
      results.push(
        await bench("sqlite", `sqlite:${file}`, async () => {
          const size = (path: string) => {
            try {
              return statSync(path).size;
            } catch {
              return 0;
            }
          };
          return size(file) + size(`${file}-wal`);
        }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (ENGINES.includes("postgres")) {
    const server = await startPostgres({ durable: true });
    if (!server) {
      process.stderr.write("PostgreSQL unavailable: skipping its figures.\n");
    } else {
      const database = await createTestDatabase(server.url);
      try {
        results.push(
          await bench("postgres", database.url, async () => {
            const db = await createKysely(parseDatabaseUrl(database.url));
            try {
              const row = await sql<{
                size: string;
              }>`select pg_database_size(current_database()) as size`.execute(db);
              return Number(row.rows[0]?.size ?? 0);
            } finally {
              await db.destroy();
            }
          }),
        );
      } finally {
        await database.drop();
        await server.stop();
      }
    }
  }
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const lines = [
    `${DAYS} daily scans × ${FINDINGS} findings (1% of resources replaced, 2% flipping, 0.5% ERROR a day); node ${process.version}.`,
    "",
    "| engine | commit median (ms) | commit p95 (ms) | longest loop block per commit, wall: median / max (ms) | same, thread CPU: median / max (ms) | SQLite write transaction, wall: p95 / max; CPU max (ms) | commit, last 30 days (ms) | new since 24 h (ms) | resolved since 24 h (ms) | 7-day trend (ms) | still failing ≥ high (ms) | posture (ms) | database size (MiB) | findings rows | history rows | whole year (s) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.engine} | ${f(r.commitMedian)} | ${f(r.commitP95)} | ${f(r.blockMedian)} / ${f(r.blockMax)} | ${f(r.cpuBlockMedian)} / ${f(r.cpuBlockMax)} | ${r.engine === "sqlite" ? `${f(r.writeTxP95)} / ${f(r.writeTxMax)}; ${f(r.writeTxCpuMax)}` : "one transaction"} | ${f(r.commitLast30)} | ${f(r.newSince)} (${r.newCount}) | ${f(r.resolvedSince)} (${r.resolvedCount}) | ${f(r.trend)} | ${f(r.stillFailing)} | ${f(r.posture)} | ${r.sizeMiB.toFixed(1)} | ${r.findingRows} | ${r.historyRows} | ${f(r.totalSeconds)} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();

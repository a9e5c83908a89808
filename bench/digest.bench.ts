/**
 * `npm run bench:digest`: the digest's data + render on the production path — the real store (SQLite file and
 * PostgreSQL) holding a realistic history, read by `buildDigestData` exactly as `DigestPoster` reads it, then
 * `renderDigest` — at 5,000 failing findings. Prints cold (first digest of a fresh process and connection)
 * and warm (median, p95 of BENCH_RUNS) wall times, split into data and render, for two windows: the last day
 * (a daily digest: a few hundred new/resolved) and everything (the first digest: every failing finding new).
 * Environment: BENCH_FAILING (default 5000), BENCH_DAYS of history (default 14), BENCH_RUNS (default 20),
 * BENCH_ENGINES (sqlite,postgres). PostgreSQL comes from TEST_POSTGRES_URL or a throwaway cluster.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { buildDigestData } from "../src/digest/digest-data.js";
import type { Finding } from "../src/domain/finding.js";
import type { Severity } from "../src/domain/severity.js";
import { renderDigest } from "../src/slack/views/digest.js";
import { createKysely } from "../src/store/connect.js";
import { parseDatabaseUrl } from "../src/store/database-url.js";
import { openStore } from "../src/store/open-store.js";
import type { Engine, ScanScope, Store } from "../src/store/types.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { seededRandom } from "./support/seeded-random.js";

const FAILING = Number(process.env.BENCH_FAILING ?? 5000);
const DAYS = Number(process.env.BENCH_DAYS ?? 14);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite,postgres").split(",") as Engine[];
const DAY = 86_400_000;
const START = Date.parse("2026-02-01T08:00:00.000Z");
/** Half the resources fail, so FAILING failing findings need twice as many resources. */
const RESOURCES = FAILING * 2;

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `${String(100000000000 + i * 7919)}`);
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
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
  ["cloudtrail-log-file-validation", "low"],
];

interface Resource {
  id: number;
  control: number;
  account: string;
  region: string;
  status: Finding["status"];
}

/** Each day: 1% of resources replaced, 2% flip status, 0.5% cannot be evaluated (ERROR, a denied action). */
function* history(): Generator<Finding[]> {
  const random = seededRandom(20260201);
  let nextId = 0;
  const fresh = (): Resource => ({
    id: nextId++,
    control: Math.floor(random() * CONTROLS.length),
    account: ACCOUNTS[Math.floor(random() * ACCOUNTS.length)] as string,
    region: REGIONS[Math.floor(random() * REGIONS.length)] as string,
    status: random() < 0.5 ? "FAIL" : "PASS",
  });
  const resources = Array.from({ length: RESOURCES }, fresh);
  for (let day = 0; day < DAYS; day++) {
    if (day > 0) {
      for (let i = 0; i < resources.length; i++) {
        const r = random();
        const res = resources[i] as Resource;
        if (r < 0.01) resources[i] = fresh();
        else if (r < 0.03) res.status = res.status === "FAIL" ? "PASS" : "FAIL";
      }
    }
    yield resources.map((r) => {
      const [controlId, severity] = CONTROLS[r.control] as [string, Severity];
      const status = random() < 0.005 ? "ERROR" : r.status;
      const finding: Finding = {
        controlId,
        status,
        severity,
        accountId: r.account,
        region: r.region,
        resourceArn: `arn:aws:forecast:${r.region}:${r.account}:dataset/sales_forecast_${r.id}`,
        resourceType: "forecast-dataset",
        title: `Dataset sales_forecast_${r.id} does not satisfy ${controlId}`,
        detail: `Resource ${r.id}: ${status}.`,
      };
      if (status === "ERROR") {
        finding.error = {
          code: "AccessDeniedException",
          message: "User is not authorized to perform forecast:DescribeDataset",
          action: "forecast:DescribeDataset",
        };
      }
      return finding;
    });
  }
}

const scope: ScanScope = { accounts: ACCOUNTS, regions: REGIONS, controls: CONTROLS.map(([id]) => id) };

async function seed(store: Store, setNow: (ms: number) => void): Promise<{ digestAt: number }> {
  let day = 0;
  for (const findings of history()) {
    setNow(START + day * DAY);
    await store.recordScan({ scope, trigger: "schedule", findings });
    day++;
  }
  const last = START + (DAYS - 1) * DAY;
  setNow(last + 60_000);
  // Suppressions: by finding key, and by control over a resource pattern (read at query time).
  await store.addSuppression({
    controlId: "forecast-tags-no-sensitive-data",
    resourcePattern: "arn:aws:forecast:us-east-1:*",
    reason: "tags reviewed",
    createdBy: "bench",
    expiresAt: new Date(last + 3 * DAY).toISOString(),
  });
  const failing = await store.listFindings({ lifecycle: ["new", "open", "reopened"], limit: 40 });
  for (const f of failing.slice(0, 30)) {
    await store.addSuppression({ findingKey: f.key, reason: "accepted", createdBy: "bench" });
  }
  for (const f of failing.slice(30, 40)) {
    await store.createRequest({
      findingKey: f.key,
      remediationId: "kms-enable-rotation",
      plan: { steps: [] },
      planFingerprint: `fp-${f.key.length}`,
      requester: "U0BENCH",
      expiresAt: new Date(last + DAY).toISOString(),
    });
  }
  await store.saveAccounts(
    ACCOUNTS.map((id, i) => ({
      accountId: id,
      name: `team-${i}`,
      ouId: `ou-${i % 5}`,
      ouPath: `Root/Prod/Unit-${i % 5}`,
      source: "organization" as const,
      seenAt: new Date(last).toISOString(),
    })),
  );
  for (let i = 0; i < 6; i++) {
    await store.appendAudit({
      actor: "queue",
      action: "job.dead-lettered",
      target: `job-${i}`,
      detail: {
        kind: "scan-account",
        jobId: `job-${i}`,
        accountId: ACCOUNTS[i],
        region: "eu-west-1",
        attempts: 3,
        error: "ThrottlingException",
      },
    });
  }
  return { digestAt: last + 3_600_000 };
}

async function vacuum(databaseUrl: string): Promise<void> {
  const db = await createKysely(parseDatabaseUrl(databaseUrl));
  try {
    await sql`vacuum (analyze)`.execute(db);
  } finally {
    await db.destroy();
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface Sample {
  /** This process's CPU (user + system) over data + render: load-independent; PostgreSQL's own work is not in it. */
  cpu: number;
  data: number;
  render: number;
  total: number;
  failing: number;
  newFindings: number;
  resolved: number;
  stillFailing: number;
}

async function digestOnce(store: Store, asOf: number, sinceMs: number): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const data = await buildDigestData(store, {
    asOf: new Date(asOf),
    since: new Date(sinceMs),
    sinceKind: "previous-digest",
    accounts: ACCOUNTS.map((id) => ({ id })),
  });
  const t1 = performance.now();
  const messages = renderDigest(data);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  if (messages.main.blocks.length === 0) throw new Error("empty digest");
  const total = Object.values(data.totals).reduce((a, b) => a + b, 0);
  return {
    cpu: (cpu.user + cpu.system) / 1000,
    data: t1 - t0,
    render: t2 - t1,
    total: t2 - t0,
    failing: total,
    newFindings: data.newFindingsTotal ?? data.newFindings.length,
    resolved: data.resolvedTotal ?? data.resolved.length,
    stillFailing: data.stillFailingTotal ?? data.stillFailing.length,
  };
}

const f = (ms: number) => ms.toFixed(1);

async function bench(engine: Engine, databaseUrl: string): Promise<void> {
  let now = START;
  const setNow = (ms: number) => {
    now = ms;
  };
  const seeding = await openStore({ databaseUrl, now: () => new Date(now) });
  const t0 = performance.now();
  const { digestAt } = await seed(seeding, setNow);
  process.stderr.write(
    `${engine}: seeded ${DAYS} days in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  await seeding.close();
  // Autovacuum has a day between real daily scans; fourteen scans squeezed into seconds leave the tables
  // bloated and unanalysed, which no deployment sees (bench:store does the same).
  if (engine === "postgres") await vacuum(databaseUrl);
  setNow(digestAt);

  const windows: Array<[string, number]> = [
    ["last day", digestAt - DAY],
    ["everything new", START - DAY],
  ];
  for (const [name, since] of windows) {
    // Cold: a fresh connection (and, for the first window, the first digest this process renders).
    const store = await openStore({ databaseUrl, now: () => new Date(now) });
    const cold = await digestOnce(store, digestAt, since);
    const warm: Sample[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await digestOnce(store, digestAt, since));
    await store.close();
    const col = (k: "data" | "render" | "total" | "cpu") => warm.map((s) => s[k]);
    console.log(
      `${engine.padEnd(8)} ${name.padEnd(15)} failing=${cold.failing} new=${cold.newFindings} resolved=${cold.resolved} stillFailing=${cold.stillFailing}\n` +
        `         cold: data ${f(cold.data)} ms + render ${f(cold.render)} ms = ${f(cold.total)} ms\n` +
        `         warm: data median ${f(quantile(col("data"), 0.5))} p95 ${f(quantile(col("data"), 0.95))} · ` +
        `render median ${f(quantile(col("render"), 0.5))} p95 ${f(quantile(col("render"), 0.95))} · ` +
        `total median ${f(quantile(col("total"), 0.5))} p95 ${f(quantile(col("total"), 0.95))} ms\n` +
        `         this process's CPU per digest: cold ${f(cold.cpu)} ms · warm median ${f(quantile(col("cpu"), 0.5))} p95 ${f(quantile(col("cpu"), 0.95))} ms`,
    );
  }
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (${cpus().length} CPUs)`,
);
console.log(
  `bench:digest — ${FAILING} failing findings target (${RESOURCES} resources × ${DAYS} daily scans), ${ACCOUNTS.length} accounts in 5 OUs, ${REGIONS.length} regions; ${RUNS} warm runs`,
);
for (const engine of ENGINES) {
  if (engine === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "forecast-audit-bench-digest-"));
    try {
      await bench("sqlite", `sqlite:${join(dir, "state.db")}`);
    } finally {
      if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
      else console.log(`kept ${dir}`);
    }
  } else {
    const server = await startPostgres();
    if (!server) {
      console.log("postgres: no server (set TEST_POSTGRES_URL or install PostgreSQL); skipped");
      continue;
    }
    const db = await createTestDatabase(server.url);
    try {
      await bench("postgres", db.url);
    } finally {
      if (!process.env.BENCH_KEEP) await db.drop();
      else console.log(`kept ${db.url}`);
      await server.stop();
    }
  }
}

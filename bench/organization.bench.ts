/**
 * `npm run bench:organization`: the peak memory of one scan of a whole AWS Organization, for 50 and 200 member
 * accounts (3 OUs, a few accounts without the audit role, one region). Each size gets its own moto server
 * (without AWS managed policies), the Forecast emulator and the STS trust gate of the integration test, and the
 * scan runs as the product runs it: `forecast-audit scan --format json` in a child process, discovery through
 * Organizations, AssumeRole per account, the real SQLite store. The child reports its own peak RSS at exit
 * (`process.resourceUsage().maxRSS`), so the benchmark's own servers are not counted.
 * Options (argv or env): --accounts 50,200 (BENCH_ACCOUNTS), --account-concurrency N (BENCH_ACCOUNT_CONCURRENCY).
 * Exits 0 whatever the figures; non-zero only when the run itself fails.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ScanReport } from "../src/cli/format/report.js";
import { runCliProcess } from "../test/support/cli-runner.js";
import { startForecastEmulator } from "../test/support/forecast-emulator/index.js";
import { startMoto } from "../test/support/moto.js";
import {
  ORG_EXTERNAL_ID,
  ORG_ROLE_NAME,
  ORG_STACK_SET,
  seedOrganizationScenario,
} from "../test/support/organization-scenario.js";
import { scenarioEnv } from "../test/support/scenario.js";
import { startStsTrustGate } from "../test/support/sts-trust-gate.js";

const REGION = "us-east-1";

function option(flag: string, envName: string, fallback: string): string {
  const i = process.argv.indexOf(flag);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[envName] ?? fallback;
}

const sizes = option("--accounts", "BENCH_ACCOUNTS", "50,200")
  .split(",")
  .map((n) => Number.parseInt(n, 10))
  .filter((n) => n > 0);
const accountConcurrency = Number.parseInt(
  option("--account-concurrency", "BENCH_ACCOUNT_CONCURRENCY", "8"),
  10,
);

const RSS_PROBE = `process.on("exit", () => {
  process.stderr.write("[rss] " + process.pid + " " + process.resourceUsage().maxRSS + "\\n");
});
`;

interface Row {
  members: number;
  accounts: number;
  unreachable: number;
  findings: number;
  seconds: number;
  peakRssMiB: number;
  exitCode: number;
}

async function measure(members: number, dir: string, probe: string): Promise<Row> {
  const moto = await startMoto({ isolated: true });
  const emulator = await startForecastEmulator({ region: REGION });
  const gate = await startStsTrustGate(moto.url);
  try {
    const missing = [3, Math.floor(members / 2) + 1, members - 2];
    process.stderr.write(`seeding an organization of ${members} accounts…\n`);
    await seedOrganizationScenario(moto, { members, missing, suspended: [members - 1] });
    const config = join(dir, `org-${members}.yml`);
    await writeFile(
      config,
      [
        `regions: [${REGION}]`,
        `accountConcurrency: ${accountConcurrency}`,
        "organization:",
        `  roleName: ${ORG_ROLE_NAME}`,
        `  externalId: ${ORG_EXTERNAL_ID}`,
        `  stackSetName: ${ORG_STACK_SET}`,
        "",
      ].join("\n"),
    );
    const env = {
      ...scenarioEnv(moto, emulator),
      AWS_ENDPOINT_URL_STS: gate.url,
      DATABASE_URL: `sqlite:${join(dir, `state-${members}.db`)}`,
      LOG_LEVEL: "warn",
    };
    process.stderr.write(`scanning ${members} accounts…\n`);
    const started = performance.now();
    const run = await runCliProcess(["--config", config, "scan", "--format", "json", "--fail-on", "none"], {
      env,
      cwd: dir,
      imports: [probe],
    });
    const seconds = (performance.now() - started) / 1000;
    if (run.exitCode !== 0) throw new Error(`the scan exited ${run.exitCode}: ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as ScanReport;
    // tsx runs the program in a child of its own: the largest figure is the scan's process.
    const rssKiB = Math.max(
      ...[...run.stderr.matchAll(/^\[rss\] \d+ (\d+)$/gm)].map((m) => Number.parseInt(m[1] ?? "0", 10)),
    );
    const unreachable = new Set(
      report.findings.filter((f) => f.error?.action === "sts:AssumeRole").map((f) => f.accountId),
    );
    return {
      members,
      accounts: report.accounts.length,
      unreachable: unreachable.size,
      findings: report.findings.length,
      seconds,
      peakRssMiB: rssKiB / 1024,
      exitCode: run.exitCode,
    };
  } finally {
    await gate.close();
    await emulator.close();
    await moto.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), "forecast-audit-org-bench-"));
try {
  const probe = join(dir, "rss-probe.mjs");
  await writeFile(probe, RSS_PROBE);
  const rows: Row[] = [];
  for (const members of sizes) rows.push(await measure(members, dir, probe));
  const node = process.version;
  const load = (await readFile("/proc/loadavg", "utf8").catch(() => "")).split(" ")[0] ?? "?";
  process.stdout.write(
    `\nOrganization scan (Node ${node}, account concurrency ${accountConcurrency}, 1 region, load ${load}):\n`,
  );
  process.stdout.write(
    "| member accounts | accounts scanned | without a role (ERROR) | findings | wall (s) | peak RSS of the scan (MiB) |\n",
  );
  process.stdout.write("|---:|---:|---:|---:|---:|---:|\n");
  for (const r of rows) {
    process.stdout.write(
      `| ${r.members} | ${r.accounts} | ${r.unreachable} | ${r.findings} | ${r.seconds.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} |\n`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

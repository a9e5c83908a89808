/**
 * `forecast-audit` as CI uses it: exit 0 when nothing fails at or above `--fail-on`, 1 when something does, 2 on
 * a usage, configuration or input error; the three output formats; `collect` then `scan --inventory`; the demo
 * without AWS; and the real entry point in a child process. Live scans run against moto and the Forecast
 * emulator with the scenario of `test/support/scenario.ts`.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/cli/format/report.js";
import { VERSION } from "../../src/cli/version.js";
import { ok } from "../../src/domain/result.js";
import { writeInventoryFile } from "../../src/scan/inventory-file.js";
import {
  type CliResult,
  REPO_ROOT,
  runCli,
  runCliProcess,
  runCliProcessClosedStdout,
} from "../support/cli-runner.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import {
  BUCKET,
  buildBucket,
  buildForecastPipeline,
  buildInventory,
  buildSecureAccount,
  withBucket,
} from "../support/inventory-builders.js";
import { MOTO_ACCOUNT_ID, type MotoServer, startMoto } from "../support/moto.js";
import { SCENARIO_REGION, scenarioEnv, seedScenario, writeScenarioConfig } from "../support/scenario.js";

const DEMO = join(REPO_ROOT, "examples", "demo-inventory.json");

let moto: MotoServer;
let emulator: ForecastEmulator;
let dir: string;
let config: string;
let env: Record<string, string | undefined>;
/** The JSON of one direct live scan, to compare other runs with. */
let direct: ScanReport;

/** An environment that reaches no AWS at all: a CLI run that tried would fail, not pass. */
const OFFLINE: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_EC2_METADATA_DISABLED: "true",
  FORECAST_AUDIT_CONFIG: undefined,
  DATABASE_URL: undefined,
};

const parse = (run: CliResult) => JSON.parse(run.stdout) as ScanReport;
const live = (...args: string[]) => runCli(["--config", config, ...args], { env, cwd: dir });
const offline = (...args: string[]) => runCli(args, { env: OFFLINE, cwd: dir });
/** The findings without what differs between two scans of the same state (nothing should). */
const verdicts = (report: ScanReport) =>
  report.findings.map((f) => `${f.status} ${f.controlId} ${f.resourceArn} ${f.detail}`).sort();

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: true });
  emulator = await startForecastEmulator({ accountId: MOTO_ACCOUNT_ID, region: SCENARIO_REGION });
  await moto.reset();
  emulator.reset();
  await seedScenario(moto, emulator);
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-exit-"));
  config = await writeScenarioConfig(dir);
  env = scenarioEnv(moto, emulator);
  const run = await live("scan", "--format", "json", "--no-store");
  expect(run.exitCode).toBe(1);
  direct = parse(run);
});

afterAll(async () => {
  await emulator?.close();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("exit codes of a live scan", () => {
  it("exits 1 with the default --fail-on high, since high findings fail", () => {
    expect(direct.summary.failing.high).toBeGreaterThan(0);
    expect(direct.findings.some((f) => f.status === "FAIL" && f.severity === "high")).toBe(true);
  });

  it("exits 0 with --fail-on none, and still prints every finding", async () => {
    const run = await live("scan", "--format", "json", "--no-store", "--fail-on", "none");
    expect(run.exitCode).toBe(0);
    expect(verdicts(parse(run))).toEqual(verdicts(direct));
  });

  it("exits 1 with --fail-on critical: moto never reports root MFA, a critical control", async () => {
    const run = await live("scan", "--format", "json", "--no-store", "--fail-on", "CRITICAL");
    expect(run.exitCode).toBe(1);
    expect(parse(run).findings).toContainEqual(
      expect.objectContaining({ controlId: "iam-root-mfa-enabled", status: "FAIL", severity: "critical" }),
    );
  });
});

describe("output formats", () => {
  it("prints a table by default, failures only unless --all", async () => {
    const run = await live("scan", "--no-store");
    expect(run.exitCode).toBe(1);
    // Grouped by severity; under each header, a finding's line: status, id, control, account, region.
    const rows = run.stdout.split("\n");
    const high = rows.findIndex((r) => /^HIGH \(\d+ FAIL/.test(r));
    const medium = rows.findIndex((r) => /^MEDIUM \(/.test(r));
    expect(high).toBeGreaterThanOrEqual(0);
    const tls = rows.findIndex((r) =>
      /^ {2}FAIL f-[0-9a-z]{12} s3-bucket-tls-enforced 123456789012 us-east-1$/.test(r),
    );
    expect(tls).toBeGreaterThan(high);
    if (medium >= 0) expect(tls).toBeLessThan(medium);
    expect(rows.some((r) => r.startsWith("  PASS f-"))).toBe(false);
    const all = await offline("scan", "--inventory", DEMO, "--no-store", "--all", "--fail-on", "none");
    expect(all.exitCode).toBe(0);
    expect(all.stdout.split("\n").some((r) => r.startsWith("  PASS f-"))).toBe(true);
  });

  it("prints Markdown with --format markdown", async () => {
    const run = await live("scan", "--no-store", "--format", "markdown", "--fail-on", "none");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^# /);
    expect(run.stdout).toContain(
      "| ID | Status | Severity | Control | Account | Region | Resource | Detail |",
    );
    expect(run.stdout).toMatch(
      /^\| `f-[0-9a-z]{12}` \| FAIL \| high \| `s3-bucket-tls-enforced` \| 123456789012 \| us-east-1 \|/m,
    );
    expect(() => JSON.parse(run.stdout)).toThrow();
  });
});

describe("collect --out, then scan --inventory", () => {
  it("saves the inventory privately and evaluates it to the same findings as a direct scan", async () => {
    const file = join(dir, "inventory.json");
    const collected = await live("collect", "--out", file);
    expect(collected.exitCode).toBe(0);
    expect(collected.stdout).toBe("");
    expect(collected.stderr).toContain(`wrote the inventory of 1 account(s) to ${file}`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // No AWS at all for the second step: everything comes from the file.
    const scanned = await offline("scan", "--inventory", file, "--no-store", "--format", "json");
    expect(scanned.exitCode).toBe(1);
    expect(verdicts(parse(scanned))).toEqual(verdicts(direct));
    expect(parse(scanned).findings).toEqual(direct.findings);
  });
});

describe("thresholds over a saved inventory without critical failures", () => {
  let file: string;

  beforeAll(async () => {
    const secure = buildSecureAccount();
    const referencedBy = buildForecastPipeline().map((r) => r.arn);
    const account = withBucket(
      secure,
      buildBucket(BUCKET, {
        referencedBy,
        encryption: ok({ algorithm: "AES256", bucketKeyEnabled: false }),
      }),
    );
    file = join(dir, "high-only.json");
    await writeInventoryFile(file, buildInventory(account));
  });

  it("fails only below critical, so --fail-on critical exits 0 and high exits 1", async () => {
    const run = await offline(
      "scan",
      "--inventory",
      file,
      "--no-store",
      "--format",
      "json",
      "--fail-on",
      "critical",
    );
    expect(run.exitCode).toBe(0);
    const report = parse(run);
    expect(report.summary.failing.critical + report.summary.errors.critical).toBe(0);
    expect(report.summary.failing.high).toBeGreaterThan(0);

    expect((await offline("scan", "--inventory", file, "--no-store", "--format", "json")).exitCode).toBe(1);
    expect(
      (await offline("scan", "--inventory", file, "--no-store", "--format", "json", "--fail-on", "none"))
        .exitCode,
    ).toBe(0);
  });

  it("exits 0 on an inventory where everything passes", async () => {
    const secure = join(dir, "secure.json");
    await writeInventoryFile(secure, buildInventory(buildSecureAccount()));
    const run = await offline(
      "scan",
      "--inventory",
      secure,
      "--no-store",
      "--format",
      "json",
      "--fail-on",
      "low",
    );
    expect(run.exitCode).toBe(0);
    expect(parse(run).findings.every((f) => f.status === "PASS")).toBe(true);
  });
});

describe("the demo inventory (npm run demo), without any AWS", () => {
  it("scans as JSON and exits 1 with the default --fail-on high", async () => {
    const run = await offline("scan", "--inventory", DEMO, "--no-store", "--format", "json");
    expect(run.exitCode).toBe(1);
    const report = parse(run);
    expect(report.accounts).toEqual(["111122223333"]);
    expect(report.findings.length).toBe(report.summary.total);
    expect(report.summary.failing.high).toBeGreaterThan(0);
  });
});

describe("usage errors exit 2", () => {
  const expectUsageError = (run: CliResult, message: RegExp) => {
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
  };

  it("rejects an unknown option or command", async () => {
    expectUsageError(await offline("scan", "--inventory", DEMO, "--bogus"), /unknown option '--bogus'/);
    expectUsageError(await offline("scna"), /unknown command 'scna'/);
  });

  it("rejects a bad --format and a bad --fail-on, naming the allowed values", async () => {
    expectUsageError(
      await offline("scan", "--inventory", DEMO, "--format", "xml"),
      /--format <format>.*must be one of table, json, markdown/,
    );
    expectUsageError(
      await offline("scan", "--inventory", DEMO, "--fail-on", "urgent"),
      /--fail-on <severity>.*must be one of critical, high, medium, low, none/,
    );
  });

  it("rejects an --account that is not configured, before calling AWS", async () => {
    const withAccounts = await writeScenarioConfig(
      join(dir, "accounts"),
      `accounts:\n  - { id: "${MOTO_ACCOUNT_ID}", name: sandbox }\nregions: [us-east-1]\n`,
    );
    expectUsageError(
      await runCli(["--config", withAccounts, "scan", "--no-store", "--account", "999999999999"], {
        env: OFFLINE,
        cwd: dir,
      }),
      /--account: 999999999999 is not configured; configured accounts: 123456789012 \(sandbox\)/,
    );
    expectUsageError(
      await offline("scan", "--no-store", "--account", "sandbox"),
      /--account needs the accounts listed in the configuration file/,
    );
  });

  it("rejects a region where Forecast does not run (--region, configuration, AWS_REGION), listing the valid ones; nothing runs or is recorded", async () => {
    const db = join(dir, "regions", "state.db");
    const quiet = { ...OFFLINE, DATABASE_URL: `sqlite:${db}`, AWS_REGION: "us-east-1" };
    const valid = /us-east-1, us-east-2, us-west-2, .*eu-west-1/;
    const flag = await runCli(["scan", "--region", "us-east-1,us-east-9"], { env: quiet, cwd: dir });
    expectUsageError(flag, /"us-east-9": must be an AWS region where Amazon Forecast runs/);
    expect(flag.stderr).toMatch(valid);
    expectUsageError(
      await runCli(["collect", "--out", join(dir, "never.json"), "--region", "mars-1"], {
        env: quiet,
        cwd: dir,
      }),
      /"mars-1": must be an AWS region where Amazon Forecast runs/,
    );
    const configured = await writeScenarioConfig(join(dir, "region-config"), "regions: [us-east-9]\n");
    const fromConfig = await runCli(["--config", configured, "scan"], { env: quiet, cwd: dir });
    expectUsageError(fromConfig, /regions\.0: must be an AWS region where Amazon Forecast runs/);
    expect(fromConfig.stderr).toMatch(valid);
    // No configuration file at all: the default region of the credentials' configuration is the scope.
    const bare = join(dir, "regions");
    await mkdir(bare, { recursive: true });
    const fromEnv = await runCli(["scan"], { env: { ...quiet, AWS_REGION: "us-west-1" }, cwd: bare });
    expectUsageError(fromEnv, /"us-west-1" is not an AWS region where Amazon Forecast runs/);
    expect(fromEnv.stderr).toMatch(valid);
    // The store was never opened: no scan, not even a failed one, was recorded.
    await expect(stat(db)).rejects.toThrow(/ENOENT/);
    await expect(stat(join(dir, "never.json"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects an invalid configuration file, naming the field", async () => {
    const bad = await writeScenarioConfig(
      join(dir, "bad"),
      "regions: [mars-1]\ncloudtrailLookbackDays: 400\n",
    );
    const run = await offline("--config", bad, "scan", "--inventory", DEMO, "--no-store");
    expectUsageError(run, /invalid configuration in .*forecast-audit\.yml/);
    expect(run.stderr).toMatch(/regions\.0: must be an AWS region/);
    expect(run.stderr).toMatch(/cloudtrailLookbackDays:/);

    const unknown = await writeScenarioConfig(join(dir, "unknown"), "region: us-east-1\n");
    expectUsageError(
      await offline("--config", unknown, "scan", "--no-store"),
      /\(top level\): Unrecognized key: "region"/,
    );
    expectUsageError(
      await offline("--config", join(dir, "missing.yml"), "scan", "--no-store"),
      /cannot read configuration file .*missing\.yml: ENOENT/,
    );
  });

  it("rejects an unreadable, garbled or foreign --inventory file", async () => {
    expectUsageError(
      await offline("scan", "--no-store", "--inventory", join(dir, "nowhere.json")),
      /cannot read inventory .*nowhere\.json: ENOENT/,
    );
    const garbled = join(dir, "garbled.json");
    await writeFile(garbled, '{"schemaVersion": 1, "accounts": [');
    expectUsageError(
      await offline("scan", "--no-store", "--inventory", garbled),
      /garbled\.json is not valid JSON/,
    );
    const foreign = join(dir, "foreign.json");
    await writeFile(foreign, JSON.stringify({ schemaVersion: 1, collectedAt: "yesterday", accounts: [] }));
    expectUsageError(
      await offline("scan", "--no-store", "--inventory", foreign),
      /foreign\.json is not a forecast-audit inventory: collectedAt/,
    );
  });

  it("prints the version and exits 0", async () => {
    const run = await offline("--version");
    expect(run).toEqual({ exitCode: 0, stdout: `${VERSION}\n`, stderr: "" });
  });
});

describe("the real entry point in a child process", () => {
  it("scans live as JSON with the same findings and exits 1", async () => {
    const run = await runCliProcess(["--config", config, "scan", "--format", "json", "--no-store"], {
      env,
      cwd: dir,
    });
    expect(run.exitCode).toBe(1);
    expect(verdicts(parse(run))).toEqual(verdicts(direct));
  });

  it("runs the demo (npm run demo) without AWS and exits 0 with --fail-on none", async () => {
    const run = await runCliProcess(["scan", "--inventory", DEMO, "--no-store", "--fail-on", "none"], {
      env: OFFLINE,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^CRITICAL \(\d+ FAIL(, \d+ ERROR)?\)\n {2}FAIL f-[0-9a-z]{12} /);
  });

  it("keeps its exit code, with no stack trace, when the reader of its output has gone (| head)", async () => {
    const scan = await runCliProcessClosedStdout(
      ["scan", "--inventory", DEMO, "--no-store", "--fail-on", "high", "--all"],
      { env: OFFLINE },
    );
    // The demo has findings at or above high: 1, exactly as when the whole output is read.
    expect(scan).toEqual({ exitCode: 1, stderr: "" });
    const help = await runCliProcessClosedStdout(["--help"], { env: OFFLINE });
    expect(help).toEqual({ exitCode: 0, stderr: "" });
  });

  it("exits 2 on a usage error, with the message on stderr", async () => {
    const run = await runCliProcess(["scan", "--inventory", DEMO, "--format", "xml"], { env: OFFLINE });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/must be one of table, json, markdown, ocsf, sarif, html/);
  });
});

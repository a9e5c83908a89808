/**
 * Faults injected into every AWS call a scan makes, over real HTTP: a fault proxy (test/support/fault-proxy.ts)
 * in front of moto and the Forecast emulator, seeded with the scenario of test/support/scenario.ts (something in
 * scope for every control). A fault-free baseline scan records the operations the scan calls; each of them is
 * then denied in turn (so a new call is covered by construction), and a sample is throttled, failed with a 500
 * or an HTML 502, dropped, or hung. Every faulted scan is checked against the baseline:
 *
 * - no finding is PASS where the baseline has FAIL or ERROR;
 * - every finding that changed is ERROR naming the injected code and the IAM action of the faulted call;
 * - every baseline finding that is missing is covered by an ERROR of the same control naming that action;
 * - stored over the stored baseline, no baseline FAIL resolves (the ones not re-checked say since when);
 * - a fault that clears in time (a throttle, a 500, a drop that retries absorb) yields exactly the baseline;
 * - a hang ends within the deadline.
 *
 * Scans run in-process with the product's client factory and collector; the CLI runs in-process for exit codes
 * and output, and once as a child process for a hang, to check that nothing hangs or crashes.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCallCounter } from "../../src/aws/call-counter.js";
import { createClientFactory } from "../../src/aws/client-factory.js";
import { collectInventory } from "../../src/aws/collect-inventory.js";
import { AUDIT_OPERATIONS } from "../../src/aws/permissions.js";
import type { ScanReport } from "../../src/cli/format/report.js";
import { isScopeTarget } from "../../src/domain/evidence.js";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { toRecordScanInput } from "../../src/scan/record-scan.js";
import { finishScan, type ScanResult } from "../../src/scan/run-scan.js";
import { openStore } from "../../src/store/open-store.js";
import { FAILING_LIFECYCLES, type Lifecycle } from "../../src/store/types.js";
import { runCli, runCliProcess } from "../support/cli-runner.js";
import { type Fault, type FaultProxy, type FaultRule, startFaultProxy } from "../support/fault-proxy.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, type MotoServer, startMoto } from "../support/moto.js";
import { SCENARIO_REGION, type Scenario, SECURE_BUCKET, seedScenario } from "../support/scenario.js";

const ACCOUNT = MOTO_ACCOUNT_ID;
/** Short enough that a faulted scan takes about a second, long enough for moto on a busy machine. */
const CALLS = { maxAttempts: 3, connectTimeoutMs: 1_000, requestTimeoutMs: 1_500 };
const DEADLINE_MS = 20_000;

let moto: MotoServer;
let emulator: ForecastEmulator;
let proxy: FaultProxy;
let dir: string;
let baseline: ScanResult;
/** A store holding the baseline scan, copied for each faulted scan. */
let baselineDb: string;
/** Every operation the fault-free scan called, as `service:Operation`. */
let operations: string[];

interface ScanRun {
  result: ScanResult;
  ms: number;
}

async function scan(
  options: { regions?: string[]; requestTimeoutMs?: number; deadlineMs?: number } = {},
): Promise<ScanRun> {
  const regions = options.regions ?? [SCENARIO_REGION];
  const factory = createClientFactory({
    requireFips: false,
    sessionName: "fault-suite",
    credentials: { ...MOTO_CREDENTIALS },
    endpoint: proxy.url,
    region: SCENARIO_REGION,
    env: {},
    maxAttempts: CALLS.maxAttempts,
    connectTimeoutMs: CALLS.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? CALLS.requestTimeoutMs,
  });
  const started = Date.now();
  try {
    const startedAt = new Date();
    const inventory = await collectInventory({
      accounts: [{ id: ACCOUNT }],
      regions,
      factory,
      lookbackDays: 7,
      maxEvents: 100,
      concurrency: 8,
      deadlineMs: options.deadlineMs ?? DEADLINE_MS,
      now: startedAt,
    });
    const result = finishScan(
      // FIPS required, so that the FIPS control has something to judge too.
      { config: { requireFips: true } },
      {
        scope: { accounts: [{ id: ACCOUNT }], regions },
        trigger: { kind: "cli", user: "fault-suite" },
        inventory,
        startedAt,
      },
    );
    return { result, ms: Date.now() - started };
  } finally {
    factory.destroy();
  }
}

/** A finding as compared with the baseline: what it says, not when. */
const verdict = (f: Finding) =>
  JSON.stringify([f.status, f.detail, f.error?.code ?? null, f.error?.action ?? null]);
const byKey = (findings: readonly Finding[]) => new Map(findings.map((f) => [findingKey(f), f]));

interface Expected {
  /** The IAM actions a changed finding may name (the faulted calls'). */
  actions: readonly string[];
  /** The error codes a changed finding may carry. */
  codes: readonly string[];
}

/** The invariants of a faulted scan against the baseline; returns what changed, for the test's own checks. */
function expectHonest(label: string, faulted: ScanResult, expected: Expected): Finding[] {
  const before = byKey(baseline.findings);
  const after = byKey(faulted.findings);
  const changed: Finding[] = [];
  for (const [key, f] of after) {
    const b = before.get(key);
    if (b && f.status === "PASS") {
      expect(b.status, `${label}: ${key} is PASS where the baseline has ${b.status}`).toBe("PASS");
    }
    if (b && verdict(b) === verdict(f)) continue;
    changed.push(f);
    expect(f.status, `${label}: ${key} changed to ${f.status}: ${f.detail}`).toBe("ERROR");
    expect(expected.codes, `${label}: ${key} names code ${f.error?.code}`).toContain(f.error?.code);
    expect(expected.actions, `${label}: ${key} names action ${f.error?.action}`).toContain(f.error?.action);
  }
  for (const [key, b] of before) {
    if (after.has(key)) continue;
    // What is no longer reported must be covered by an ERROR that says the control's scope is incomplete.
    const cover = faulted.findings.find(
      (f) =>
        f.controlId === b.controlId &&
        f.accountId === b.accountId &&
        f.status === "ERROR" &&
        isScopeTarget(f.resourceArn) &&
        expected.actions.includes(f.error?.action ?? ""),
    );
    expect(
      cover,
      `${label}: ${key} (${b.status}) vanished without an ERROR covering its scope`,
    ).toBeDefined();
  }
  return changed;
}

/** Stores the faulted scan over the stored baseline: no baseline FAIL may resolve. */
async function expectNothingResolved(label: string, faulted: ScanResult): Promise<void> {
  const copy = join(dir, `store-${Math.random().toString(36).slice(2)}.db`);
  await copyFile(baselineDb, copy);
  const store = await openStore({ databaseUrl: `sqlite:${copy}` });
  try {
    const completed = await store.recordScan(toRecordScanInput(faulted));
    const failing = baseline.findings.filter((f) => f.status === "FAIL").map(findingKey);
    const resolved = completed.changes.filter((c) => c.to === "resolved").map((c) => c.key);
    expect(
      resolved.filter((k) => failing.includes(k)),
      `${label}: baseline FAILs resolved`,
    ).toEqual([]);
    for (const key of failing) {
      const record = await store.getFinding(key);
      expect(FAILING_LIFECYCLES as readonly Lifecycle[], `${label}: ${key}`).toContain(record?.lifecycle);
    }
    // Those this scan did not re-check say since when their verdict stands.
    const rechecked = new Set(faulted.findings.filter((f) => f.status !== "ERROR").map((f) => findingKey(f)));
    for (const record of completed.notRechecked ?? []) expect(rechecked.has(record.key)).toBe(false);
    for (const key of failing.filter((k) => !rechecked.has(k))) {
      expect(
        completed.notRechecked?.map((r) => r.key),
        `${label}: ${key} is not marked not re-checked`,
      ).toContain(key);
    }
  } finally {
    await store.close();
    await rm(copy, { force: true });
  }
}

async function faultedScan(rules: FaultRule[], options: Parameters<typeof scan>[0] = {}): Promise<ScanRun> {
  proxy.reset();
  proxy.setRules(rules);
  try {
    return await scan(options);
  } finally {
    proxy.setRules([]);
  }
}

/**
 * Beyond the scenario: one resource of every Forecast type the scenario lacks, each with an S3 path (reading
 * from the secure bucket, with the scoped role), so the scan calls every `Describe*` too.
 */
function seedEveryForecastType(scenario: Scenario): void {
  const state = emulator.state;
  const s3 = (path: string) => ({
    S3Config: { Path: `s3://${SECURE_BUCKET}/${path}`, RoleArn: scenario.roles.scoped },
  });
  const predictor = scenario.forecast.autoPredictor;
  state.createPredictorBacktestExportJob({
    PredictorBacktestExportJobName: "backtest",
    PredictorArn: predictor,
    Destination: s3("backtest/"),
  });
  const explainability = state.createExplainability({
    ExplainabilityName: "drivers",
    ResourceArn: predictor,
    DataSource: s3("explain/"),
  });
  state.createExplainabilityExport({
    ExplainabilityExportName: "drivers_export",
    ExplainabilityArn: explainability,
    Destination: s3("explain-out/"),
  });
  const analysis = state.createWhatIfAnalysis({
    WhatIfAnalysisName: "promo",
    ForecastArn: scenario.forecast.forecast,
  });
  const whatIf = state.createWhatIfForecast({
    WhatIfForecastName: "promo_up",
    WhatIfAnalysisArn: analysis,
    TimeSeriesReplacementsDataSource: { ...s3("replacements.csv"), Schema: { Attributes: [] } },
  });
  state.createWhatIfForecastExport({
    WhatIfForecastExportName: "promo_export",
    WhatIfForecastArns: [whatIf],
    Destination: s3("what-if-out/"),
  });
  state.createMonitor({ MonitorName: "drift", ResourceArn: predictor });
}

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: true });
  emulator = await startForecastEmulator({ accountId: ACCOUNT, region: SCENARIO_REGION });
  await moto.reset();
  emulator.reset();
  const scenario = await seedScenario(moto, emulator);
  seedEveryForecastType(scenario);
  proxy = await startFaultProxy({ moto: moto.url, forecast: emulator.url });
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-faults-"));

  const counter = createCallCounter();
  const factory = createClientFactory({
    requireFips: false,
    sessionName: "fault-suite",
    credentials: { ...MOTO_CREDENTIALS },
    endpoint: proxy.url,
    region: SCENARIO_REGION,
    env: {},
    callCounter: counter,
    ...CALLS,
  });
  // The counter's view of the calls, to prove the proxy names them as the SDK does.
  await collectInventory({
    accounts: [{ id: ACCOUNT }],
    regions: [SCENARIO_REGION],
    factory,
    lookbackDays: 7,
    maxEvents: 100,
    concurrency: 8,
  });
  factory.destroy();
  const counted = Object.keys(counter.snapshot().calls).sort();
  proxy.reset();

  baseline = (await scan()).result;
  operations = [...proxy.seen.keys()].sort();
  expect(operations).toEqual(counted);

  baselineDb = join(dir, "baseline.db");
  const store = await openStore({ databaseUrl: `sqlite:${baselineDb}` });
  try {
    await store.recordScan(toRecordScanInput(baseline));
  } finally {
    await store.close();
  }
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const action = (operation: string) => AUDIT_OPERATIONS[operation] ?? `(undeclared: ${operation})`;
const DENIED = ["AccessDenied", "AccessDeniedException"];

describe("the fault-free baseline", () => {
  it("calls only declared operations, and gives every control something in scope", () => {
    expect(operations.length).toBeGreaterThan(25);
    expect(operations.filter((op) => !(op in AUDIT_OPERATIONS))).toEqual([]);
    const controls = new Set(baseline.findings.map((f) => f.controlId));
    expect(
      baseline.controlIds.filter((id) => !controls.has(id) && id !== "forecast-api-fips-endpoint"),
    ).toEqual([]);
    expect(baseline.findings.filter((f) => f.status === "FAIL").length).toBeGreaterThan(15);
  });

  it("reads the account's Block Public Access through an IP endpoint", () => {
    expect(operations).toContain("s3control:GetPublicAccessBlock");
    expect(baseline.inventory.accounts[0]?.s3.publicAccessBlock.ok).toBe(true);
  });

  it("is what a second fault-free scan sees", async () => {
    const again = await scan();
    expect(byKey(again.result.findings).size).toBe(baseline.findings.length);
    expectHonest("clean", again.result, { actions: [], codes: [] });
  });
});

describe("every operation the scan calls, denied", () => {
  it("keeps every verdict honest and resolves no FAIL, whichever call is denied", async () => {
    for (const operation of operations) {
      const { result } = await faultedScan([
        { match: operation, fault: { kind: "aws", status: 403, code: denialCode(operation) } },
      ]);
      const label = `${operation} denied`;
      if (WITH_FALLBACK.has(operation)) {
        // Its reads are repeated another way (tags per resource), so the scan is exactly the baseline.
        expect(proxy.faulted.get(operation) ?? 0, label).toBeGreaterThan(0);
        expectHonest(label, result, { actions: [], codes: [] });
        continue;
      }
      const changed = expectHonest(label, result, { actions: [action(operation)], codes: DENIED });
      // The denial shows: something changed, unless the baseline already could not read it.
      const baselineErrors = baseline.findings.filter((f) => f.error?.action === action(operation));
      if (baselineErrors.length === 0) expect(changed.length, label).toBeGreaterThan(0);
      await expectNothingResolved(label, result);
    }
  }, 240_000);
});

/** Operations whose failure a scan covers by reading the same thing another way: they change nothing. */
const WITH_FALLBACK = new Set(["resourcegroupstaggingapi:GetResources"]);

describe("the tag index and its per-resource fallback, both denied", () => {
  it("is ERROR naming forecast:ListTagsForResource, never PASS, and resolves no FAIL", async () => {
    const { result } = await faultedScan([
      {
        match: "resourcegroupstaggingapi:GetResources",
        fault: { kind: "aws", status: 403, code: "AccessDeniedException" },
      },
      {
        match: "forecast:ListTagsForResource",
        fault: { kind: "aws", status: 403, code: "AccessDeniedException" },
      },
    ]);
    const label = "GetResources and ListTagsForResource denied";
    const changed = expectHonest(label, result, { actions: ["forecast:ListTagsForResource"], codes: DENIED });
    expect(changed.length, label).toBeGreaterThan(0);
    await expectNothingResolved(label, result);
  }, 60_000);
});

/** The denial code each protocol's services answer with. */
function denialCode(operation: string): string {
  const service = operation.split(":")[0] ?? "";
  return ["forecast", "kms", "cloudtrail", "macie2", "resourcegroupstaggingapi"].includes(service)
    ? "AccessDeniedException"
    : "AccessDenied";
}

/** One operation of each protocol, and the ones a scan leans on most. */
const SAMPLE = [
  "forecast:ListPredictors",
  "forecast:DescribeAutoPredictor",
  "s3:GetBucketPolicy",
  "s3control:GetPublicAccessBlock",
  "kms:DescribeKey",
  "iam:GetAccountAuthorizationDetails",
  "cloudtrail:DescribeTrails",
];

describe("a sample of operations, failing the ways networks and services fail", () => {
  const persistent: Array<[string, Fault, readonly string[]]> = [
    [
      "throttled past the retry budget",
      { kind: "throttle" },
      ["ThrottlingException", "Throttling", "SlowDown"],
    ],
    ["a 500", { kind: "aws", status: 500, code: "InternalFailure" }, ["InternalFailure"]],
    ["an HTML 502", { kind: "html", status: 502 }, ["HTTP502"]],
    ["an HTML page with 200", { kind: "html", status: 200 }, ["InvalidResponse"]],
    ["a dropped connection", { kind: "drop" }, ["NetworkError"]],
    ["a hang", { kind: "hang" }, ["Timeout"]],
  ];

  it.each(persistent)(
    "%s is ERROR naming the code and the action, and resolves nothing",
    async (name, fault, codes) => {
      for (const operation of SAMPLE) {
        const { result, ms } = await faultedScan([{ match: operation, fault }], { requestTimeoutMs: 500 });
        const label = `${operation}: ${name}`;
        const changed = expectHonest(label, result, { actions: [action(operation)], codes });
        expect(changed.length, label).toBeGreaterThan(0);
        expect(ms, label).toBeLessThan(DEADLINE_MS);
        await expectNothingResolved(label, result);
      }
    },
    240_000,
  );

  const transient: Array<[string, Fault]> = [
    ["a throttle", { kind: "throttle" }],
    ["a 500", { kind: "aws", status: 500, code: "InternalFailure" }],
    ["an HTML 502", { kind: "html", status: 502 }],
    ["a dropped connection", { kind: "drop" }],
    ["a hang", { kind: "hang" }],
  ];

  it.each(transient)(
    "%s that clears within the retries yields exactly the baseline",
    async (name, fault) => {
      for (const operation of SAMPLE) {
        const { result } = await faultedScan([{ match: operation, fault, times: 1 }], {
          requestTimeoutMs: 500,
        });
        expect(proxy.faulted.get(operation), `${operation}: ${name} was injected`).toBe(1);
        expectHonest(`${operation}: ${name} once`, result, { actions: [], codes: [] });
      }
    },
    240_000,
  );
});

describe("a scan never hangs", () => {
  it("ends at the deadline when every call hangs, with every finding ERROR Timeout", async () => {
    const deadlineMs = 2_000;
    const { result, ms } = await faultedScan([{ match: () => true, fault: { kind: "hang" } }], {
      requestTimeoutMs: 60_000,
      deadlineMs,
    });
    expect(ms).toBeGreaterThanOrEqual(deadlineMs - 50);
    expect(ms).toBeLessThan(deadlineMs + 1_500);
    expect(result.findings.length).toBeGreaterThan(20);
    for (const f of result.findings) {
      expect(f.status, f.controlId).toBe("ERROR");
      expect(f.error?.code).toBe("Timeout");
    }
    expect(result.findings.some((f) => /deadline/.test(f.error?.message ?? ""))).toBe(true);
    await expectNothingResolved("every call hangs", result);
  }, 30_000);
});

describe("bad input", () => {
  it("a region the account has not enabled is ERROR there with a clear reason, and changes nothing elsewhere", async () => {
    const { result } = await faultedScan(
      [{ match: (op) => op.region === "ap-east-1", fault: { kind: "invalid-credentials" } }],
      { regions: [SCENARIO_REGION, "ap-east-1"] },
    );
    const elsewhere = result.findings.filter((f) => f.region !== "ap-east-1");
    const there = result.findings.filter((f) => f.region === "ap-east-1");
    expect(there.length).toBeGreaterThan(5);
    for (const f of there) {
      expect(f.status, f.controlId).toBe("ERROR");
      expect(["UnrecognizedClientException", "InvalidClientTokenId"]).toContain(f.error?.code);
    }
    expect(there.find((f) => f.controlId === "cloudtrail-multi-region-logging")?.detail).toMatch(
      /check that the region is enabled for the account/,
    );
    expectHonest("ap-east-1 not enabled", { ...result, findings: elsewhere }, { actions: [], codes: [] });
    await expectNothingResolved("ap-east-1 not enabled", result);
  });

  it("an endpoint that answers garbage is ERROR everywhere, never PASS", async () => {
    const { result } = await faultedScan([{ match: () => true, fault: { kind: "html", status: 200 } }]);
    expect(result.findings.length).toBeGreaterThan(20);
    for (const f of result.findings) {
      expect(f.status, f.controlId).toBe("ERROR");
      expect(f.error?.code).toBe("InvalidResponse");
    }
    await expectNothingResolved("garbage", result);
  });

  it("a credential that expires mid-scan is ERROR with a clear reason, and loses nothing", async () => {
    const { result } = await faultedScan([
      { match: () => true, fault: { kind: "expired-credentials" }, after: 15 },
    ]);
    const changed = expectHonest("expired mid-scan", result, {
      actions: Object.values(AUDIT_OPERATIONS),
      codes: ["ExpiredToken", "ExpiredTokenException"],
    });
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.some((f) => /the credentials expired/.test(f.detail))).toBe(true);
    await expectNothingResolved("expired mid-scan", result);
  });
});

describe("the CLI under faults", () => {
  async function configFile(extra = ""): Promise<string> {
    const path = join(dir, `forecast-audit-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(
      path,
      `accounts: [{ id: "${ACCOUNT}" }]\nregions: [${SCENARIO_REGION}]\nmaxAttempts: 3\nconnectTimeoutSeconds: 1\nrequestTimeoutSeconds: 1\nscanTimeoutMinutes: 0.5\n${extra}`,
    );
    return path;
  }
  const env = (database: string) => ({
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: SCENARIO_REGION,
    AWS_ENDPOINT_URL: proxy.url,
    AWS_ENDPOINT_URL_FORECAST: undefined,
    AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    FORECAST_AUDIT_CONFIG: undefined,
    DATABASE_URL: `sqlite:${database}`,
  });

  it("exits 1, never crashes, and lists what it could not re-check after a denied listing", async () => {
    const config = await configFile();
    const database = join(dir, "cli.db");
    const clean = await runCli(["--config", config, "scan", "--format", "json"], {
      env: env(database),
      cwd: dir,
    });
    expect(clean.exitCode).toBe(1);
    proxy.setRules([
      {
        match: "forecast:ListDatasetImportJobs",
        fault: { kind: "aws", status: 400, code: "AccessDeniedException" },
      },
    ]);
    const denied = await runCli(["--config", config, "scan", "--format", "json"], {
      env: env(database),
      cwd: dir,
    });
    proxy.setRules([]);
    expect(denied.exitCode).toBe(1);
    const report = JSON.parse(denied.stdout) as ScanReport;
    // The doomed key is referenced only by an import job: it is not re-checked, and stays failing.
    expect(report.notRechecked?.map((f) => f.controlId)).toContain("kms-key-not-pending-deletion");
    expect(
      report.findings.find(
        (f) => f.controlId === "kms-key-not-pending-deletion" && f.resourceArn.endsWith(":*"),
      ),
    ).toMatchObject({ status: "ERROR", error: { action: "forecast:ListDatasetImportJobs" } });
    const table = await runCli(["--config", config, "findings"], { env: env(database), cwd: dir });
    expect(table.stdout).toMatch(/kms-key-not-pending-deletion.*\(not re-checked since \d{4}-\d\d-\d\d\)/);
  });

  it("ends a hung scan at its deadline as a real process, exits 1 and prints no stack trace", async () => {
    const hungConfig = join(dir, "forecast-audit-hung.yml");
    await writeFile(
      hungConfig,
      `accounts: [{ id: "${ACCOUNT}" }]\nregions: [${SCENARIO_REGION}]\nmaxAttempts: 3\nconnectTimeoutSeconds: 1\nrequestTimeoutSeconds: 60\nscanTimeoutMinutes: 0.05\n`,
    );
    proxy.setRules([{ match: () => true, fault: { kind: "hang" } }]);
    const started = Date.now();
    try {
      const run = await runCliProcess(["--config", hungConfig, "scan", "--no-store"], {
        env: env(join(dir, "unused.db")),
        cwd: dir,
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(/ERROR/);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toMatch(/Failed to construct URL|TypeError/);
    } finally {
      proxy.setRules([]);
    }
    // 3 s of deadline, plus starting Node and tsx.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

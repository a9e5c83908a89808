/**
 * `npm run bench:scan`: one whole `forecast-audit scan` (the CLI's own command, in process: collect, evaluate,
 * commit to the SQLite store, render the table) of a synthetic account of 10,000 Forecast resources. Forecast is the emulator, in its own process, with injected
 * latency and throttling; every other service is moto. Prints the API calls made against the minimum the catalog
 * needs (per operation), the wall time against the floor that latency and concurrency allow, the peak RSS, and
 * the findings that ended in ERROR because of throttling — each with its target and PASS or MISS.
 * Options (argv or env): --resources N (BENCH_RESOURCES), --latency MS (BENCH_LATENCY_MS), --concurrency N
 * (BENCH_CONCURRENCY), --max-concurrent N (BENCH_MAX_CONCURRENT, the emulator's), --rate N (BENCH_RATE, the
 * emulator's requests per second; 0 = none), --max-attempts N (BENCH_MAX_ATTEMPTS, the product's maxAttempts;
 * default the configuration's 8), --buckets, --keys, --roles, --trace S (every S seconds: Forecast
 * calls per second and the state of the SDK's adaptive rate limiter), --source DIR (run the CLI of another
 * checkout, e.g. the one before a change; its node_modules must resolve). Prints each phase's wall time, the
 * CLI's CPU per resource after collection, and one `BENCH_RESULT {json}` line.
 *
 * `--sizes 10000,50000,150000 [--before DIR]` runs one child process per size (and per checkout, the one in
 * DIR first: before/after side by side in one run) and prints their figures in one table.
 * Exits 0 whatever the figures; non-zero only when the run itself fails. Loopback only; stops by itself.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ForecastClient } from "@aws-sdk/client-forecast";
import type { AuditRuntime } from "../src/app/audit-runtime.js";
import { type CallCounter, createCallCounter } from "../src/aws/call-counter.js";
import { createClientFactory } from "../src/aws/client-factory.js";
import type { CliDeps } from "../src/cli/deps.js";
import { configSchema } from "../src/config/schema.js";
import type { Finding } from "../src/domain/finding.js";
import type { Inventory } from "../src/domain/inventory.js";
import { FORECAST_RESOURCE_TYPES } from "../src/domain/inventory.js";
import type { Store } from "../src/store/types.js";
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, startMoto } from "../test/support/moto.js";
import { type EmulatorProcess, startEmulatorProcess } from "./support/forecast-emulator-child.js";
import { minimumScanCalls } from "./support/scan-minimum.js";
import { createDataKeys, seedMotoAccount } from "./support/scan-moto-account.js";

const REGION = "us-east-1";
const THROTTLING_CODES = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "SlowDown",
  "Throttling",
  "RequestLimitExceeded",
]);
const TARGET_WALL_FACTOR = 1.5;
const TARGET_RSS_MB = 300;
const MB = 1024 * 1024;

interface Options {
  resources: number;
  latencyMs: number;
  concurrency: number;
  maxConcurrent: number;
  rate: number;
  buckets: number;
  keys: number;
  roles: number;
  /** Seconds between trace lines (Forecast throughput and the SDK's adaptive rate limiter); 0 = none. */
  traceSeconds: number;
  /** Attempts per call, the first included (the configuration's `maxAttempts`). */
  maxAttempts: number;
}

const FLAGS: Record<string, { key: keyof Options; env: string; min: number }> = {
  "--resources": { key: "resources", env: "BENCH_RESOURCES", min: 1 },
  "--latency": { key: "latencyMs", env: "BENCH_LATENCY_MS", min: 0 },
  "--concurrency": { key: "concurrency", env: "BENCH_CONCURRENCY", min: 1 },
  "--max-concurrent": { key: "maxConcurrent", env: "BENCH_MAX_CONCURRENT", min: 1 },
  "--rate": { key: "rate", env: "BENCH_RATE", min: 0 },
  "--buckets": { key: "buckets", env: "BENCH_BUCKETS", min: 1 },
  "--keys": { key: "keys", env: "BENCH_KEYS", min: 1 },
  "--roles": { key: "roles", env: "BENCH_ROLES", min: 1 },
  "--trace": { key: "traceSeconds", env: "BENCH_TRACE_S", min: 0 },
  "--max-attempts": { key: "maxAttempts", env: "BENCH_MAX_ATTEMPTS", min: 1 },
};

class UsageError extends Error {}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const given: Partial<Record<keyof Options, number>> = {};
  const read = (flag: string, raw: string | undefined) => {
    const spec = FLAGS[flag];
    if (!spec) throw new UsageError(`Unknown option ${flag}.`);
    const value = Number(raw);
    if (raw === undefined || raw.trim() === "" || !Number.isInteger(value) || value < spec.min)
      throw new UsageError(`${flag} needs an integer ≥ ${spec.min}, got ${raw ?? "nothing"}.`);
    given[spec.key] = value;
  };
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== "") read(flag, raw);
  }
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    if (eq > 0) read(arg.slice(0, eq), arg.slice(eq + 1));
    else {
      read(arg, argv[i + 1]);
      i += 1;
    }
  }
  const concurrency = given.concurrency ?? 8;
  return {
    resources: given.resources ?? 10_000,
    latencyMs: given.latencyMs ?? 20,
    concurrency,
    maxConcurrent: given.maxConcurrent ?? concurrency,
    rate: given.rate ?? 300,
    buckets: given.buckets ?? 20,
    keys: given.keys ?? 10,
    roles: given.roles ?? 5,
    traceSeconds: given.traceSeconds ?? 0,
    maxAttempts: given.maxAttempts ?? configSchema.parse({}).maxAttempts,
  };
}

/** Peak RSS: the kernel's high-water mark plus sampling, whichever is higher. */
function sampleRss(intervalMs: number): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    },
  };
}

/** The fields of the SDK's `DefaultRateLimiter` that explain adaptive retry; internal, so read defensively. */
interface RateLimiterView {
  enabled: boolean;
  fillRate: number;
  measuredTxRate: number;
}

async function adaptiveRateLimiter(client: ForecastClient): Promise<RateLimiterView | undefined> {
  const strategy: unknown = await client.config.retryStrategy();
  const limiter: unknown =
    typeof strategy === "object" && strategy !== null && "rateLimiter" in strategy
      ? strategy.rateLimiter
      : undefined;
  if (typeof limiter !== "object" || limiter === null) return undefined;
  const view = limiter as Partial<Record<keyof RateLimiterView, unknown>>;
  if (typeof view.fillRate !== "number" || typeof view.measuredTxRate !== "number") return undefined;
  return limiter as RateLimiterView;
}

/** Prints Forecast calls per second, retries and the adaptive limiter's rates every `seconds`. */
function traceForecast(
  counter: CallCounter,
  limiter: RateLimiterView | undefined,
  seconds: number,
): { stop(): void } {
  const forecast = (record: Record<string, number>) =>
    Object.entries(record)
      .filter(([op]) => op.startsWith("forecast:"))
      .reduce((sum, [, n]) => sum + n, 0);
  const started = performance.now();
  let lastCalls = 0;
  const timer = setInterval(() => {
    const { calls, retries } = counter.snapshot();
    const nowCalls = forecast(calls);
    // Retries = attempts − calls, so a call still in flight can make the sum dip; the total so far is enough.
    const retriesSoFar = forecast(retries);
    const sdk = limiter
      ? limiter.enabled
        ? `rate limiter on: fill ${limiter.fillRate.toFixed(0)}/s, measured ${limiter.measuredTxRate.toFixed(0)}/s`
        : `rate limiter off (measured ${limiter.measuredTxRate.toFixed(0)}/s)`
      : "rate limiter not visible";
    console.log(
      `  trace ${fmtS(performance.now() - started).padStart(8)}: Forecast ${String(
        Math.round((nowCalls - lastCalls) / seconds),
      ).padStart(4)} calls/s, ${retriesSoFar} retries so far; ${sdk}`,
    );
    lastCalls = nowCalls;
  }, seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

const fmtInt = (n: number) => n.toLocaleString("en-US");
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

interface BenchResult {
  resources: number;
  calls: number;
  minimum: number;
  wallMs: number;
  floorMs: number;
  collectMs: number;
  evaluateMs: number;
  storeMs: number;
  reportMs: number;
  peakRssMb: number;
  cpuMs: number;
  cpuAfterCollectMs: number;
  cpuPerResourceUs: number;
  findings: number;
  errors: number;
  ownErrors: number;
  exitCode: number;
  processWallMs: number;
  processCpuMs: number;
  processRssMb: number;
}

interface ProcessRun {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  exitCode: number | null;
}

/**
 * `node dist/cli/main.js scan` in a child process (its own store file), timed by /usr/bin/time: the wall time,
 * CPU and peak RSS of the CLI process alone, without this benchmark's harness. Needs `npm run build` in `root`.
 */
async function runCliProcess(root: string, configPath: string, workDir: string): Promise<ProcessRun> {
  const main = join(root, "dist", "cli", "main.js");
  const timeFile = join(workDir, "time.txt");
  // What the shebang asks of node (`#!/usr/bin/env -S node --flag`), as the OS runs the bin, with this node.
  const shebang = (await readFile(main, "utf8")).split("\n", 1)[0] ?? "";
  const nodeFlags =
    /^#!\S*env\s+(?:-S\s+)?node\b(.*)$/.exec(shebang)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  const started = performance.now();
  const exitCode = await new Promise<number | null>((done, fail) => {
    const child = spawn(
      "/usr/bin/time",
      [
        "-f",
        "%U %S %M",
        "-o",
        timeFile,
        process.execPath,
        ...nodeFlags,
        main,
        "scan",
        "--region",
        REGION,
        "--config",
        configPath,
        "--fail-on",
        "none",
      ],
      {
        cwd: workDir,
        env: {
          ...process.env,
          DATABASE_URL: `sqlite:${join(workDir, "process.db")}`,
          LOG_LEVEL: "warn",
          // BENCH_CLI_NODE_OPTIONS: V8/Node flags for the CLI process only (e.g. to try heap settings).
          NODE_OPTIONS: process.env.BENCH_CLI_NODE_OPTIONS ?? "",
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2_000);
    });
    child.on("error", fail);
    child.on("exit", (code) => {
      if (code !== 0)
        console.log(`  the CLI process exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`);
      done(code);
    });
  });
  const wallMs = performance.now() - started;
  const [user, system, maxKb] = (await readFile(timeFile, "utf8")).trim().split(/\s+/).slice(-3).map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, maxRssMb: (maxKb ?? 0) / 1024, exitCode };
}

/** The CLI of a checkout: this one, or `--source DIR` (another tree of the same project). */
async function loadCli(source: string | undefined) {
  const root = source ? resolve(source) : resolve(fileURLToPath(import.meta.url), "..", "..");
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const [program, defaults, version] = await Promise.all([
    load("src/cli/program.ts"),
    load("src/cli/default-deps.ts"),
    load("src/cli/version.ts"),
  ]);
  return {
    root,
    buildProgram: program.buildProgram as typeof import("../src/cli/program.js").buildProgram,
    createDefaultDeps:
      defaults.createDefaultDeps as typeof import("../src/cli/default-deps.js").createDefaultDeps,
    VERSION: version.VERSION as string,
    importRuntime: async () =>
      (await load("src/app/audit-runtime.ts")) as typeof import("../src/app/audit-runtime.js"),
  };
}
const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function collectedForecastResources(inventory: Inventory): { resources: number; failedSlices: number } {
  let resources = 0;
  let failedSlices = 0;
  for (const account of inventory.accounts) {
    for (const region of account.regions) {
      for (const type of FORECAST_RESOURCE_TYPES) {
        const slice = region.forecast[type];
        if (slice.ok) resources += slice.value.length;
        else failedSlices += 1;
      }
    }
  }
  return { resources, failedSlices };
}

async function main(argv: readonly string[], source: string | undefined): Promise<void> {
  const options = parseOptions(argv, process.env);
  console.log(
    `bench:scan — ${fmtInt(options.resources)} Forecast resources, ${options.latencyMs} ms per Forecast call, ` +
      `collector concurrency ${options.concurrency} (maxAttempts ${options.maxAttempts}), emulator max ${options.maxConcurrent} concurrent` +
      `${options.rate > 0 ? ` and ${options.rate} requests/s` : ""}; ${options.buckets} buckets, ${options.keys} keys, ${options.roles} roles`,
  );

  const setupStarted = performance.now();
  const moto = await startMoto();
  let emulator: EmulatorProcess | undefined;
  let factory: ReturnType<typeof createClientFactory> | undefined;
  try {
    // A shared MOTO_URL server is wiped too: the account must be exactly what is seeded here.
    await moto.reset();
    const dataKeys = await createDataKeys(moto, options.keys, REGION);
    emulator = await startEmulatorProcess({
      accountId: MOTO_ACCOUNT_ID,
      region: REGION,
      size: options.resources,
      buckets: options.buckets,
      keys: options.keys,
      roles: options.roles,
      latencyMs: options.latencyMs,
      throttle: {
        maxConcurrent: options.maxConcurrent,
        ...(options.rate > 0 ? { ratePerSecond: options.rate } : {}),
      },
      keyArns: dataKeys.map((k) => k.arn),
    });
    const { seeded } = emulator;
    const motoAccount = await seedMotoAccount(moto, {
      region: REGION,
      accountId: MOTO_ACCOUNT_ID,
      buckets: seeded.buckets,
      roleArns: seeded.roleArns,
      dataKeys,
    });
    console.log(
      `seeded in ${fmtS(performance.now() - setupStarted)}: ${fmtInt(seeded.total)} Forecast resources ` +
        `(${seeded.autoPredictors} auto predictors), ${seeded.buckets.length} referenced buckets, ` +
        `${seeded.keyArns.length} Forecast keys, ${seeded.roleArns.length} roles; moto at ${moto.url}, emulator at ${emulator.url}`,
    );

    // The SDK's standard variables, as in production; the factory reads them when it builds clients.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_FORECAST: emulator.url,
      AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: emulator.url,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    const counter = createCallCounter();
    factory = createClientFactory({
      requireFips: false,
      sessionName: "bench-scan",
      concurrencyHint: options.concurrency,
      maxAttempts: options.maxAttempts,
      callCounter: counter,
      // The product's own HTTP handler: connect, request and idle-socket timeouts, every call bounded.
    });

    let progressEvents = 0;
    let forecastDoneAt: number | undefined;
    let eventsDoneAt: number | undefined;
    let trace: { stop(): void } | undefined;
    if (options.traceSeconds > 0) {
      // The same (memoised) clients the scan gets, so the limiter seen is the one the scan's calls go through.
      const clients = await factory.forAccount({ id: MOTO_ACCOUNT_ID });
      const limiter = await adaptiveRateLimiter(clients.forecast(REGION));
      trace = traceForecast(counter, limiter, options.traceSeconds);
    }
    const cli = await loadCli(source);
    const workDir = await mkdtemp(join(tmpdir(), "forecast-audit-bench-scan-"));
    const configPath = join(workDir, "forecast-audit.yml");
    await writeFile(
      configPath,
      `concurrency: ${options.concurrency}\nmaxAttempts: ${options.maxAttempts}\ncloudtrailLookbackDays: 7\ncloudtrailMaxEvents: 2000\n`,
    );
    process.env.DATABASE_URL = `sqlite:${join(workDir, "forecast-audit.db")}`;
    const marks: { collected?: number; evaluated?: number; stored?: number; rendered?: number } = {};
    /** Memory at the end of each phase: what the CLI holds then. */
    const memory: [string, NodeJS.MemoryUsage][] = [];
    let cpuAtCollected: NodeJS.CpuUsage | undefined;
    let inventory: Inventory | undefined;
    const byStatus = { PASS: 0, FAIL: 0, ERROR: 0 };
    const errors = new Map<string, number>();
    let throttledErrors = 0;
    let findingCount = 0;
    let outputChars = 0;
    let stderrTail = "";
    let exitCode = 0;
    const base = cli.createDefaultDeps();
    const deps: CliDeps = {
      ...base,
      env: process.env,
      cwd: workDir,
      isTty: false,
      color: false,
      stdout: (text) => {
        outputChars += text.length;
        marks.rendered = performance.now();
      },
      stderr: (text) => {
        stderrTail = (stderrTail + text).slice(-2_000);
      },
      setExitCode: (code) => {
        exitCode = code;
      },
      createAuditRuntime: async (config, runtimeOptions) => {
        const runtime: AuditRuntime = (await cli.importRuntime()).createAuditRuntime(config, {
          ...runtimeOptions,
          callCounter: counter,
        });
        return {
          ...runtime,
          collect: async (scope, collectOptions) => {
            const collectedInventory = await runtime.collect(scope, {
              ...collectOptions,
              onProgress: (event) => {
                progressEvents += 1;
                if (event.phase === "forecast" && event.total > 0 && event.done === event.total)
                  forecastDoneAt = performance.now();
                if (event.phase === "cloudtrail-events" && event.total > 0 && event.done === event.total)
                  eventsDoneAt = performance.now();
                collectOptions.onProgress(event);
              },
            });
            marks.collected = performance.now();
            cpuAtCollected = process.cpuUsage();
            memory.push(["collected", process.memoryUsage()]);
            inventory = collectedInventory;
            return collectedInventory;
          },
        };
      },
      openStore: async (config) => {
        const store: Store = await base.openStore(config);
        const completeScan = store.completeScan.bind(store);
        const close = store.close.bind(store);
        // The scan command opens the store (and writes the scan's row) before it collects; its results reach
        // the store through completeScan once evaluated: the evaluation ends there, the commit begins. What
        // the scan records is counted here (the production path, nothing held).
        store.completeScan = (scanId, input) => {
          marks.evaluated = performance.now();
          memory.push(["evaluated", process.memoryUsage()]);
          for (const f of input.findings as readonly Finding[]) {
            findingCount += 1;
            byStatus[f.status] += 1;
            if (f.status !== "ERROR") continue;
            const code = f.error?.code ?? "unknown";
            if (THROTTLING_CODES.has(code)) throttledErrors += 1;
            const key = `${f.controlId}: ${code} (${f.error?.action ?? "?"})`;
            errors.set(key, (errors.get(key) ?? 0) + 1);
          }
          return completeScan(scanId, input);
        };
        store.close = async () => {
          await close();
          marks.stored = performance.now();
          memory.push(["stored", process.memoryUsage()]);
        };
        return store;
      },
    };
    const rssAtStart = process.memoryUsage().rss;
    const rss = sampleRss(50);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await cli
      .buildProgram(cli.VERSION, deps)
      .parseAsync(
        ["scan", "--region", REGION, "--config", configPath, "--fail-on", "none", "--log-level", "warn"],
        { from: "user" },
      );
    const finished = performance.now();
    const peakRss = rss.stop();
    trace?.stop();
    const cpu = process.cpuUsage(cpuBefore);
    const cpuAfterCollect = cpuAtCollected ? process.cpuUsage(cpuAtCollected) : cpu;
    if (!inventory || marks.collected === undefined)
      throw new Error(`the CLI scan did not collect (exit ${exitCode}): ${stderrTail}`);
    const collected = marks.collected;

    const snapshot = counter.snapshot();
    const emulatorStats = await emulator.stats();
    // The same scan again, as users run it: the built CLI in a process of its own, under /usr/bin/time.
    const processRun = await runCliProcess(cli.root, configPath, workDir);
    await rm(workDir, { recursive: true, force: true });
    const minimum = minimumScanCalls({ seeded, moto: motoAccount, regions: [REGION] });

    // --- API calls ---------------------------------------------------------------------------------------
    const operations = [...new Set([...Object.keys(snapshot.calls), ...Object.keys(minimum.calls)])].sort();
    const rows: string[][] = [];
    let made = 0;
    let needed = 0;
    const over: string[] = [];
    const under: string[] = [];
    for (const op of operations) {
      const m = snapshot.calls[op] ?? 0;
      const retries = snapshot.retries[op] ?? 0;
      const reason = minimum.excluded[op];
      if (reason !== undefined) {
        rows.push([op, fmtInt(m), fmtInt(retries), "excluded", ""]);
        continue;
      }
      const n = minimum.calls[op] ?? 0;
      made += m;
      needed += n;
      if (m > n) over.push(`${op} +${m - n}`);
      if (m < n) under.push(`${op} −${n - m}`);
      rows.push([
        op,
        fmtInt(m),
        fmtInt(retries),
        fmtInt(n),
        m === n ? "" : m > n ? `+${m - n}` : `−${n - m}`,
      ]);
    }
    console.log(
      "\nAPI calls by operation (made = logical calls; retries = extra HTTP attempts, counted apart):",
    );
    console.log(table(["operation", "made", "retries", "minimum", "diff"], rows));
    console.log("\nminimum, as worked out from what was seeded:");
    for (const line of minimum.basis) console.log(`  - ${line}`);
    for (const [op, reason] of Object.entries(minimum.excluded)) console.log(`  - excluded ${op}: ${reason}`);

    // --- Wall time ---------------------------------------------------------------------------------------
    const forecastMinimum = Object.entries(minimum.calls)
      .filter(([op]) => op.startsWith("forecast:"))
      .reduce((sum, [, n]) => sum + n, 0);
    const allowed = Math.min(options.concurrency, options.maxConcurrent);
    const floorMs = (forecastMinimum * options.latencyMs) / allowed;
    const wallMs = finished - started;
    const forecastRetries = Object.entries(snapshot.retries)
      .filter(([op]) => op.startsWith("forecast:"))
      .reduce((sum, [, n]) => sum + n, 0);
    const forecastMade = Object.entries(snapshot.calls)
      .filter(([op]) => op.startsWith("forecast:"))
      .reduce((sum, [, n]) => sum + n, 0);

    // --- Findings ----------------------------------------------------------------------------------------
    const { resources, failedSlices } = collectedForecastResources(inventory);
    const evaluatedAt = marks.evaluated ?? finished;
    const storedAt = marks.stored ?? evaluatedAt;
    const cpuPerResourceUs = (cpuMs(cpuAfterCollect) * 1000) / Math.max(1, resources);

    console.log("\nscan:");
    console.log(
      `  Forecast resources collected: ${fmtInt(resources)} of ${fmtInt(seeded.total)}` +
        `${failedSlices > 0 ? ` (${failedSlices} resource types failed to list)` : ""}`,
    );
    console.log(
      `  findings: ${fmtInt(findingCount)} (PASS ${fmtInt(byStatus.PASS)}, FAIL ${fmtInt(byStatus.FAIL)}, ERROR ${fmtInt(byStatus.ERROR)}); ${fmtInt(progressEvents)} progress events`,
    );
    for (const [key, n] of [...errors].sort()) console.log(`  ERROR × ${n}: ${key}`);
    console.log(
      `  time: collect ${fmtS(collected - started)} (Forecast done at ${
        forecastDoneAt === undefined ? "?" : fmtS(forecastDoneAt - started)
      }; LookupEvents, which moto fails and the SDK retries with back-off, at ${
        eventsDoneAt === undefined ? "?" : fmtS(eventsDoneAt - started)
      }), evaluate ${fmtS(evaluatedAt - collected)}, store commit ${fmtS(storedAt - evaluatedAt)}, report ${fmtS(
        finished - storedAt,
      )} (${fmtInt(outputChars)} characters of table); CLI CPU ${fmtS(cpuMs(cpu))} (${(
        cpuMs(cpu) / snapshot.totalCalls
      ).toFixed(
        2,
      )} ms per call), after collection ${fmtS(cpuMs(cpuAfterCollect))} = ${cpuPerResourceUs.toFixed(0)} µs per resource`,
    );
    const forecastMs = forecastDoneAt === undefined ? wallMs : forecastDoneAt - started;
    const throughput = (emulatorStats.total / forecastMs) * 1000;
    const floorRate = options.latencyMs > 0 ? (allowed / options.latencyMs) * 1000 : Number.POSITIVE_INFINITY;
    const ceiling = options.rate > 0 ? Math.min(floorRate, options.rate) : floorRate;
    console.log(
      `  Forecast: ${fmtInt(forecastMade)} calls + ${fmtInt(forecastRetries)} retries; the emulator received ${fmtInt(
        emulatorStats.total,
      )} requests and throttled ${fmtInt(emulatorStats.throttled)}; ${throughput.toFixed(0)} requests/s, ${(
        (throughput / ceiling) * 100
      ).toFixed(0)}% of the ${ceiling.toFixed(0)}/s the emulator allows`,
    );
    console.log(
      `  floor = Forecast calls × latency ÷ allowed concurrency = ${fmtInt(forecastMinimum)} × ${options.latencyMs} ms ÷ min(collector ${options.concurrency}, emulator ${options.maxConcurrent}) = ${fmtS(floorMs)}`,
    );
    if (options.rate > 0) {
      const rateFloorMs = (forecastMinimum / options.rate) * 1000;
      console.log(
        `  (the emulator's ${options.rate} requests/s alone need ${fmtS(rateFloorMs)}: ${
          rateFloorMs > floorMs ? "above" : "below"
        } the floor; the target stays on the floor)`,
      );
    }
    console.log(
      "  non-Forecast calls go to moto with no injected latency, so the floor counts Forecast calls only",
    );
    console.log(
      `  ${availableParallelism()} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; Node ${process.version}`,
    );

    // --- Verdict -----------------------------------------------------------------------------------------
    let ownErrors = throttledErrors;
    for (const [key, n] of errors) if (key.includes(": ControlFailed (")) ownErrors += n;
    const callsPass = made === needed && over.length === 0 && under.length === 0;
    const wallPass = wallMs <= TARGET_WALL_FACTOR * floorMs;
    const rssPass = peakRss < TARGET_RSS_MB * MB;
    const throttlePass = throttledErrors === 0;
    const callNote =
      over.length + under.length === 0
        ? ""
        : ` — ${[...over.map((o) => `over: ${o}`), ...under.map((u) => `under: ${u}`)].join(", ")}`;
    console.log("\nresult:");
    console.log(
      table(
        ["figure", "measured", "target", ""],
        [
          [
            "API calls (excl. retries, excl. excluded)",
            fmtInt(made),
            `= ${fmtInt(needed)} minimum`,
            verdict(callsPass),
          ],
          ["retries (reported, not counted above)", fmtInt(snapshot.totalRetries), "—", ""],
          [
            "wall time (whole CLI scan)",
            `${fmtS(wallMs)} (${(wallMs / floorMs).toFixed(2)}× floor)`,
            `≤ ${TARGET_WALL_FACTOR}× ${fmtS(floorMs)} = ${fmtS(TARGET_WALL_FACTOR * floorMs)}`,
            verdict(wallPass),
          ],
          [
            "peak RSS (CLI process)",
            `${(peakRss / MB).toFixed(0)} MB`,
            `< ${TARGET_RSS_MB} MB`,
            verdict(rssPass),
          ],
          [
            "wall time, the built CLI in its own process",
            `${fmtS(processRun.wallMs)} (${(processRun.wallMs / floorMs).toFixed(2)}× floor)`,
            `≤ ${TARGET_WALL_FACTOR}× ${fmtS(floorMs)} = ${fmtS(TARGET_WALL_FACTOR * floorMs)}`,
            verdict(processRun.wallMs <= TARGET_WALL_FACTOR * floorMs),
          ],
          [
            "peak RSS, the built CLI in its own process",
            `${processRun.maxRssMb.toFixed(0)} MB`,
            `< ${TARGET_RSS_MB} MB`,
            verdict(processRun.maxRssMb < TARGET_RSS_MB),
          ],
          ["CPU, the built CLI in its own process", fmtS(processRun.cpuMs), "—", ""],
          ["ERROR findings caused by throttling", fmtInt(throttledErrors), "0", verdict(throttlePass)],
          [
            "ERROR findings from the scanner itself (ControlFailed, throttling)",
            fmtInt(ownErrors),
            "0",
            verdict(ownErrors === 0),
          ],
        ],
      ),
    );
    if (callNote) console.log(`calls differ from the minimum${callNote}`);
    const summary: BenchResult = {
      resources: seeded.total,
      calls: made,
      minimum: needed,
      wallMs,
      floorMs,
      collectMs: collected - started,
      evaluateMs: evaluatedAt - collected,
      storeMs: storedAt - evaluatedAt,
      reportMs: finished - storedAt,
      peakRssMb: peakRss / MB,
      cpuMs: cpuMs(cpu),
      cpuAfterCollectMs: cpuMs(cpuAfterCollect),
      cpuPerResourceUs,
      findings: findingCount,
      errors: byStatus.ERROR,
      ownErrors,
      exitCode,
      processWallMs: processRun.wallMs,
      processCpuMs: processRun.cpuMs,
      processRssMb: processRun.maxRssMb,
    };
    console.log(
      `  RSS when the scan started (bench, moto client and the CLI's modules loaded through tsx): ${(rssAtStart / MB).toFixed(0)} MB; the kernel's high-water mark counts from process start`,
    );
    for (const [phase, m] of memory)
      console.log(
        `  memory after ${phase}: rss ${(m.rss / MB).toFixed(0)} MB, heap used ${(m.heapUsed / MB).toFixed(0)} of ${(m.heapTotal / MB).toFixed(0)} MB, external ${(m.external / MB).toFixed(0)} MB (array buffers ${(m.arrayBuffers / MB).toFixed(0)} MB)`,
      );
    console.log(`BENCH_RESULT ${JSON.stringify(summary)}`);
    if (resources !== seeded.total)
      console.log(
        `note: the scan saw ${resources} of ${seeded.total} Forecast resources; the figures are suspect`,
      );
  } finally {
    factory?.destroy();
    await emulator?.stop();
    await moto.stop();
  }
}

/** Removes `--name value` (or `--name=value`) from argv and returns the value. */
function takeFlag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    if (arg === name) return argv.splice(i, 2)[1];
    if (arg.startsWith(`${name}=`)) return argv.splice(i, 1)[0]?.slice(name.length + 1);
  }
  return undefined;
}

/** One child process per size and checkout; prints the figures side by side. */
async function compare(sizes: number[], before: string | undefined, rest: readonly string[]): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const variants: { label: string; source?: string }[] = [
    ...(before ? [{ label: `before (${before})`, source: before }] : []),
    { label: "this checkout" },
  ];
  const rows: string[][] = [];
  for (const size of sizes) {
    for (const variant of variants) {
      const args = [script, "--resources", String(size), ...rest];
      if (variant.source) args.push("--source", variant.source);
      console.log(`\n=== ${fmtInt(size)} resources, ${variant.label} ===`);
      const result = await new Promise<BenchResult>((done, fail) => {
        const child = spawn(process.execPath, [...process.execArgv, ...args], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          process.stdout.write(chunk);
        });
        child.on("error", fail);
        child.on("exit", (code) => {
          const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
          if (code !== 0 || !line) fail(new Error(`bench child for ${size} exited ${code}`));
          else done(JSON.parse(line.slice("BENCH_RESULT ".length)) as BenchResult);
        });
      });
      rows.push([
        fmtInt(size),
        variant.label,
        `${fmtInt(result.calls)} / ${fmtInt(result.minimum)}`,
        `${fmtS(result.wallMs)} (${(result.wallMs / result.floorMs).toFixed(2)}×)`,
        `${fmtS(result.collectMs)} / ${fmtS(result.evaluateMs)} / ${fmtS(result.storeMs)} / ${fmtS(result.reportMs)}`,
        `${result.peakRssMb.toFixed(0)} MB`,
        `${fmtS(result.processWallMs)} (${(result.processWallMs / result.floorMs).toFixed(2)}×)`,
        `${result.processRssMb.toFixed(0)} MB`,
        fmtS(result.processCpuMs),
        `${fmtS(result.cpuAfterCollectMs)} (${result.cpuPerResourceUs.toFixed(0)} µs)`,
        fmtInt(result.findings),
        `${fmtInt(result.errors)} (${fmtInt(result.ownErrors)})`,
      ]);
    }
  }
  console.log(
    "\nside by side (wall target ≤ 1.5× floor; RSS target < 300 MB). Phases, peak RSS and CPU after collection: the CLI's scan command run in this process (harness included); 'CLI process': `node dist/cli/main.js scan` on its own:",
  );
  console.log(
    table(
      [
        "resources",
        "checkout",
        "calls / minimum",
        "wall (× floor)",
        "collect / evaluate / store / report",
        "peak RSS",
        "CLI process: wall",
        "RSS",
        "CPU",
        "CPU after collection (per resource)",
        "findings",
        "ERROR (scanner's own)",
      ],
      rows,
    ),
  );
}

try {
  const argv = process.argv.slice(2);
  const sizes = takeFlag(argv, "--sizes");
  const before = takeFlag(argv, "--before");
  const source = takeFlag(argv, "--source");
  if (sizes !== undefined) {
    const list = sizes.split(",").map((n) => Number(n.replaceAll("_", "")));
    if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--sizes: ${sizes}`);
    await compare(list, before, argv);
  } else await main(argv, source);
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\nUsage: npm run bench:scan -- [${Object.keys(FLAGS).join(" N] [")} N]`);
    process.exit(2);
  }
  throw error;
}

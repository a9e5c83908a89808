/**
 * `npm run bench:ack`: acknowledgement latency of `/forecast-audit` while a 10,000-resource scan completes in
 * the same deployment — the production path. The app runs in its own process as `serve` builds it
 * (createSlackRuntime + createSlackApp: the Bolt HTTP receiver with signature checks, the delivery claim in
 * the real store, scans through the ScanCoordinator). This process plays Slack: a fake Web API, and rounds of
 * 50 concurrent signed slash commands from the moment one of them starts a scan until the scan's result has
 * been posted. The scan reads a synthetic 10,000-resource inventory from a file instead of AWS (collection is
 * I/O, not what blocks the app); evaluation, the store commit and the Slack result are the real ones.
 *
 * Each engine (SQLite, PostgreSQL) runs with scans in worker threads (`scanWorkers: 2`, what serve does) and,
 * for comparison, on the event loop (`scanWorkers: 0`). Prints p50/p95/p99/max per run; target p99 < 100 ms.
 * Environment: ACK_BENCH_ENGINES (sqlite,postgres), ACK_BENCH_MODES (workers,in-loop), ACK_BENCH_RESOURCES
 * (10000), ACK_BENCH_PACE (burst: a round once the previous one was answered, the default; continuous: once it
 * was acknowledged). Also prints the reply time (command sent to its reply received at its response URL). PostgreSQL from TEST_POSTGRES_URL or a throwaway cluster.
 */
import { fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { createSlackRuntime } from "../src/app/slack-runtime.js";
import { parseConfig } from "../src/config/load-config.js";
import { createSlackApp } from "../src/slack/app.js";
import { startFakeSlackApi } from "../test/support/fake-slack-api.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { FORM, postSigned, slashCommandBody } from "../test/support/slack-signing.js";
import { LARGE_INVENTORY_REGION, largeInventory } from "./support/large-inventory.js";

const SECRET = "bench-signing-secret-0123456789";
const CONCURRENCY = 50;
const WARMUP = 20;
const MAX_ROUNDS = 400;
const QUIET_ROUNDS = 5;
const RESOURCES = Number(process.env.ACK_BENCH_RESOURCES ?? 10_000);
const ENGINES = (process.env.ACK_BENCH_ENGINES ?? "sqlite,postgres").split(",");
const MODES = (process.env.ACK_BENCH_MODES ?? "workers,in-loop").split(",");
/**
 * `burst` (default): each round of CONCURRENCY commands goes once the previous round was answered (replies
 * posted). `continuous`: the next round goes as soon as the previous round's acknowledgements are back, whatever
 * the app still has to do for it — with acknowledgement first, a sustained overload that measures throughput.
 */
const PACE = process.env.ACK_BENCH_PACE === "continuous" ? "continuous" : "burst";

interface AppSettings {
  apiUrl: string;
  databaseUrl: string;
  inventoryFile: string;
  scanWorkers: number;
}

type FromApp =
  | { port: number }
  | { scanDone: true; ms: number; findings: number; error?: string }
  | { marked: true }
  | {
      stopped: true;
      cpuMs: number;
      claimMaxMs: number;
      claimP99Ms: number;
      /** The longest gap between two turns of the app's event loop: wall time, and the main thread's CPU in it. */
      loopWallMs: number;
      loopCpuMs: number;
    };

/** The app's event loop, probed every millisecond: the longest gap, and what this thread spent in it. */
function loopProbe() {
  const cpuNow = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuNow();
  let wall = 0;
  let cpu = 0;
  const turn = () => {
    const t = performance.now();
    const c = cpuNow();
    wall = Math.max(wall, t - last);
    cpu = Math.max(cpu, c - lastCpu);
    last = t;
    lastCpu = c;
  };
  const timer = setInterval(turn, 1);
  return {
    reset() {
      turn();
      wall = 0;
      cpu = 0;
    },
    stop() {
      turn();
      clearInterval(timer);
      return { loopWallMs: wall, loopCpuMs: cpu };
    },
  };
}

/** The app process: `serve`'s composition over a real store, scans reading the inventory file. */
async function runApp(settings: AppSettings): Promise<void> {
  process.on("error", () => {}); // the load side may be gone
  const config = parseConfig({
    regions: [LARGE_INVENTORY_REGION],
    scanWorkers: settings.scanWorkers,
    // Everyone in the workspace may scan (and so see findings): every command passes the policy's checks.
    slack: { scanners: { everyone: true } },
  });
  const logger = pino({ level: "silent" });
  const runtime = await createSlackRuntime({
    config,
    logger,
    databaseUrl: settings.databaseUrl,
    env: {},
    scanInventoryFile: settings.inventoryFile,
  });
  // The delivery claim as the app makes it (the real store), timed: how long a command waits for it.
  const claim = runtime.ports.claimDelivery;
  const claims: number[] = [];
  if (claim) {
    runtime.ports.claimDelivery = async (key) => {
      const t0 = performance.now();
      try {
        return await claim(key);
      } finally {
        claims.push(performance.now() - t0);
      }
    };
  }
  const loop = loopProbe();
  // Tell the load side when the scan has finished (its summary is back on this thread).
  const start = runtime.ports.scans.start.bind(runtime.ports.scans);
  runtime.ports.scans.start = (request) => {
    const began = performance.now();
    const handle = start(request);
    if (!handle.joined) {
      handle.done.then(
        (outcome) =>
          process.send?.({
            scanDone: true,
            ms: performance.now() - began,
            findings: outcome.findings.length,
          } satisfies FromApp),
        (error: unknown) =>
          process.send?.({
            scanDone: true,
            ms: performance.now() - began,
            findings: 0,
            error: String(error),
          } satisfies FromApp),
      );
    }
    return handle;
  };
  const slack = createSlackApp({
    config,
    ports: runtime.ports,
    logger,
    botToken: "xoxb-bench",
    signingSecret: SECRET,
    slackApiUrl: settings.apiUrl,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  const cpuAtStart = process.cpuUsage();
  process.send?.({ port } satisfies FromApp);
  process.on("message", async (message) => {
    if (message === "mark") {
      claims.length = 0;
      loop.reset();
      process.send?.({ marked: true } satisfies FromApp);
      return;
    }
    const cpu = process.cpuUsage(cpuAtStart);
    const blocks = loop.stop();
    await slack.stop();
    await runtime.close();
    process.send?.(
      {
        stopped: true,
        cpuMs: (cpu.user + cpu.system) / 1000,
        claimMaxMs: claims.length > 0 ? Math.max(...claims) : Number.NaN,
        claimP99Ms: percentile(
          [...claims].sort((a, b) => a - b),
          99,
        ),
        ...blocks,
      } satisfies FromApp,
      () => process.exit(0),
    );
  });
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Run {
  engine: string;
  mode: string;
  quiet: number[];
  failed: number;
  samples: number[];
  rounds: number;
  scanMs: number;
  postedMs: number;
  /** Send to reply received, for the commands answered at their response URL (not scans that start one). */
  replies: number[];
  unanswered: number;
  findingsListed: number;
  scanError?: string;
  appCpuMs: number;
  claimMaxMs: number;
  claimP99Ms: number;
  loopWallMs: number;
  loopCpuMs: number;
}

async function measure(
  engine: string,
  mode: string,
  databaseUrl: string,
  inventoryFile: string,
): Promise<Run> {
  const api = await startFakeSlackApi();
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: {
      ...process.env,
      ACK_BENCH_APP: JSON.stringify({
        apiUrl: api.url,
        databaseUrl,
        inventoryFile,
        scanWorkers: mode === "workers" ? 2 : 0,
      } satisfies AppSettings),
    },
  });
  const messages: FromApp[] = [];
  const waiters: Array<() => void> = [];
  child.on("message", (m) => {
    messages.push(m as FromApp);
    for (const w of waiters.splice(0)) w();
  });
  const next = async <K extends string>(key: K): Promise<Extract<FromApp, Record<K, unknown>>> => {
    for (;;) {
      const found = messages.find((m) => key in m);
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return found as Extract<FromApp, Record<K, unknown>>;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const { port } = await next("port");
  const url = `http://127.0.0.1:${port}/slack/events`;
  let n = 0;
  let failed = 0;
  /** Sent commands whose reply (a post to their response URL) is awaited: id → when it was sent. */
  const awaiting = new Map<string, number>();
  const send = async (text: string): Promise<number> => {
    n += 1;
    const id = `b${n}`;
    const body = slashCommandBody({ text, responseUrl: api.responseUrl(id), channelId: "C0BENCH" });
    const began = performance.now();
    // A scan that starts one answers in the channel, not at its response URL: only the others are awaited.
    if (text !== "scan") awaiting.set(id, began);
    try {
      const res = await postSigned(url, body, FORM, { signingSecret: SECRET });
      if (res.status !== 200) failed += 1;
      return res.elapsedMs;
    } catch {
      // A reset or refused connection: counted as failed, its time as measured until then.
      failed += 1;
      awaiting.delete(id);
      return performance.now() - began;
    }
  };
  /**
   * Burst pacing: the next round waits until every command of this one was answered (its reply posted), so each
   * round is a burst of CONCURRENCY commands on an app that has caught up. Returns the reply times (send to reply
   * received) and how many never came within the bound.
   */
  const replies: number[] = [];
  let unanswered = 0;
  const awaitReplies = async (): Promise<void> => {
    const deadline = performance.now() + 30_000;
    for (;;) {
      for (const call of api.calls) {
        if (call.method !== "response_url" || call.responseId === undefined) continue;
        const sentAt = awaiting.get(call.responseId);
        if (sentAt === undefined) continue;
        replies.push(call.receivedAt - sentAt);
        awaiting.delete(call.responseId);
      }
      if (awaiting.size === 0) return;
      if (performance.now() > deadline) {
        unanswered += awaiting.size;
        awaiting.clear();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  // Reads and help, plus scans of the same scope that join the running one (as a team asking at once does).
  const command = (i: number) => ["status", "findings high", "help", "scan"][i % 4] ?? "help";

  // Warm-up: every read path once (JIT, lazily loaded modules), then a quiet moment. No scan yet.
  for (let i = 0; i < WARMUP; i += 1) await send(["status", "findings high", "help"][i % 3] ?? "help");
  await new Promise((resolve) => setTimeout(resolve, 500));

  // The floor on this machine: the same rounds with no scan running.
  const quiet: number[] = [];
  for (let round = 0; round < QUIET_ROUNDS; round += 1) {
    quiet.push(
      ...(await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) => send(command(i).replace("scan", "status"))),
      )),
    );
    if (PACE === "burst") await awaitReplies();
  }
  await awaitReplies();
  replies.length = 0;
  unanswered = 0;

  child.send("mark");
  await next("marked");
  const samples: number[] = [];
  const began = performance.now();
  samples.push(await send("scan"));
  const done = next("scanDone");
  let scan: Extract<FromApp, { scanDone: true }> | undefined;
  void done.then((d) => {
    scan = d;
  });
  const posted = () =>
    api.calls.some(
      (c) => c.method === "chat.postMessage" && /^Forecast audit/.test(String(c.body.text ?? "")),
    );
  let postedMs = Number.NaN;
  let rounds = 0;
  // Rounds until the result is posted (its thread pages included), while the scan runs and after it ends.
  while (rounds < MAX_ROUNDS) {
    samples.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => send(command(i))))));
    if (PACE === "burst") await awaitReplies();
    rounds += 1;
    if (rounds % 10 === 0)
      process.stderr.write(
        `  round ${rounds}: ${samples.length} requests, scan ${scan ? "done" : "running"}\n`,
      );
    if (scan && posted()) {
      postedMs = performance.now() - began;
      break;
    }
  }
  const finished = scan ?? (await done);
  await awaitReplies();
  child.send("stop");
  const stopped = await next("stopped");
  await api.close();
  const run: Run = {
    engine,
    mode,
    quiet,
    samples,
    replies,
    unanswered,
    failed,
    rounds,
    scanMs: finished.ms,
    postedMs,
    findingsListed: finished.findings,
    appCpuMs: stopped.cpuMs,
    claimMaxMs: stopped.claimMaxMs,
    claimP99Ms: stopped.claimP99Ms,
    loopWallMs: stopped.loopWallMs,
    loopCpuMs: stopped.loopCpuMs,
  };
  if (finished.error) run.scanError = finished.error;
  return run;
}

async function withDatabase<T>(engine: string, use: (url: string) => Promise<T>): Promise<T | undefined> {
  if (engine === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "forecast-audit-ack-"));
    try {
      return await use(`sqlite:${join(dir, "store.db")}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const server = await startPostgres({ durable: true });
  if (!server) {
    process.stderr.write("PostgreSQL unavailable: skipping its figures.\n");
    return undefined;
  }
  const database = await createTestDatabase(server.url);
  try {
    return await use(database.url);
  } finally {
    await database.drop();
    await server.stop();
  }
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

const HEADER = [
  "| engine | scans | no scan: p50 / p99 (ms) | requests during the scan (failed) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | scan, command to summary (s) | command to result posted (s) | findings listed | delivery claim p99 / max (ms) | longest app loop block, wall / main-thread CPU (ms) | reply p50 / p99 (ms) (none) | target p99 < 100 ms |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
].join("\n");

function replyCell(r: Run): string {
  const sorted = [...r.replies].sort((a, b) => a - b);
  return `${fmt(percentile(sorted, 50))} / ${fmt(percentile(sorted, 99))} (${r.unanswered})`;
}

function row(r: Run): string {
  const sorted = [...r.samples].sort((a, b) => a - b);
  const p99 = percentile(sorted, 99);
  const quiet = [...r.quiet].sort((a, b) => a - b);
  return `| ${r.engine} | ${r.mode === "workers" ? "worker threads" : "on the event loop"} | ${fmt(percentile(quiet, 50))} / ${fmt(percentile(quiet, 99))} | ${sorted.length} (${r.failed}) | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 95))} | ${fmt(p99)} | ${fmt(sorted.at(-1) ?? Number.NaN)} | ${(r.scanMs / 1000).toFixed(1)}${r.scanError ? ` (failed: ${r.scanError})` : ""} | ${(r.postedMs / 1000).toFixed(1)} | ${r.findingsListed} | ${fmt(r.claimP99Ms)} / ${fmt(r.claimMaxMs)} | ${fmt(r.loopWallMs)} / ${fmt(r.loopCpuMs)} | ${replyCell(r)} | ${p99 < 100 && r.failed === 0 ? "met" : "NOT met"} |`;
}

async function runLoad(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "forecast-audit-ack-inventory-"));
  const inventoryFile = join(dir, "inventory.json");
  await writeFile(inventoryFile, JSON.stringify(largeInventory(RESOURCES)));
  process.stdout.write(
    `${RESOURCES} resources in the scan; ${CONCURRENCY} concurrent signed slash commands per round (${PACE === "burst" ? "each round once the previous one was answered" : "each round once the previous one was acknowledged"}) from the scan command until its result is posted; node ${process.version}; ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "?"}), load average at the start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}.\n\n${HEADER}\n`,
  );
  try {
    for (const engine of ENGINES) {
      for (const mode of MODES) {
        process.stderr.write(`${engine}, scans ${mode}…\n`);
        const run = await withDatabase(engine, (url) => measure(engine, mode, url, inventoryFile));
        if (run) process.stdout.write(`${row(run)}\n`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const appSettings = process.env.ACK_BENCH_APP;
if (appSettings) await runApp(JSON.parse(appSettings) as AppSettings);
else await runLoad();

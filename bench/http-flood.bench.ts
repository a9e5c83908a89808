/**
 * `npm run bench:http`: the Slack app's memory under a flood of requests that are not Slack's. The real
 * app (HTTP mode, every listener, the bounded receiver) runs in its own process; this process sends, per
 * scenario, 1,000 posts of 1 MB (or just under the body limit), 50 at a time, and reads the app's resident
 * memory from /proc while it does: the baseline after a warm-up, the peak, and 2 s after the flood with no
 * forced garbage collection. The app runs with the allocator setting of the Docker image
 * (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768`, see the Dockerfile); `HTTP_BENCH_TUNABLES=0` runs it
 * without. `HTTP_BENCH_BOLT=1` runs Bolt's own HTTP receiver instead, for comparison.
 * Loopback only; stops by itself.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { App } from "@slack/bolt";
import { pino } from "pino";
import { parseConfig } from "../src/config/load-config.js";
import { createSlackApp } from "../src/slack/app.js";
import { startFakeSlackApi } from "../test/support/fake-slack-api.js";
import { createFakePorts } from "../test/support/slack-fakes.js";
import { FORM, postSigned, slashCommandBody } from "../test/support/slack-signing.js";

const SECRET = "bench-signing-secret-0123456789";
const POSTS = Number(process.env.HTTP_BENCH_POSTS ?? 1000);
const CONCURRENCY = 50;
const MB = 1024 * 1024;

type Scenario = {
  name: string;
  bytes: number;
  chunked: boolean;
  forged: boolean;
  /** At a time; 50 unless said. */
  concurrency?: number;
};

const LIMIT = 512 * 1024;
/** What the Dockerfile sets: 64 KB socket read buffers are mapped and unmapped, not kept by malloc. */
const DOCKER_TUNABLES = "glibc.malloc.mmap_threshold=32768";
const SCENARIOS: Scenario[] = [
  { name: "1 MB, Content-Length, no signature", bytes: MB, chunked: false, forged: false },
  { name: "1 MB, chunked, no signature", bytes: MB, chunked: true, forged: false },
  { name: "1 MB, chunked, forged signature", bytes: MB, chunked: true, forged: true },
  { name: "1 MB, Content-Length, forged signature", bytes: MB, chunked: false, forged: true },
  {
    name: "500 KB (under the limit), forged signature",
    bytes: LIMIT - 12 * 1024,
    chunked: false,
    forged: true,
  },
  // The issue's report: 150 concurrent bad-signature posts just under Bolt's own 4 MB limit.
  {
    name: "4 MB, Content-Length, forged signature, 150 at a time",
    bytes: 4 * MB - 1024,
    chunked: false,
    forged: true,
    concurrency: 150,
  },
];

async function runApp(apiUrl: string): Promise<void> {
  let port: number;
  let stop: () => Promise<unknown>;
  if (process.env.HTTP_BENCH_BOLT) {
    const app = new App({
      token: "xoxb-bench",
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: apiUrl },
    });
    app.command("/forecast-audit", async ({ ack }) => ack());
    const server = (await app.start(0)) as unknown as { address(): { port: number } };
    port = server.address().port;
    stop = () => app.stop();
  } else {
    const slack = createSlackApp({
      config: parseConfig({ slack: { teamId: "T0FAKE", scanners: { everyone: true } } }),
      ports: createFakePorts().ports,
      logger: pino({ level: "silent" }),
      botToken: "xoxb-bench",
      signingSecret: SECRET,
      slackApiUrl: apiUrl,
      port: 0,
      webApiRetries: 0,
    });
    port = (await slack.start()).port;
    stop = () => slack.stop();
  }
  process.send?.({ port });
  process.on("message", async (message) => {
    if (message === "memory") {
      const heap = process.memoryUsage();
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ heap, afterGc: process.memoryUsage() });
      return;
    }
    await stop();
    process.exit(0);
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function post(port: number, scenario: Scenario, body: Buffer): Promise<string> {
  const headers: Record<string, string> = { "content-type": FORM };
  if (!scenario.chunked) headers["content-length"] = String(body.length);
  if (scenario.forged) {
    headers["x-slack-request-timestamp"] = String(Math.floor(Date.now() / 1000));
    headers["x-slack-signature"] = `v0=${"0".repeat(64)}`;
  }
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, method: "POST", path: "/slack/events", headers },
      (res) => {
        res.resume();
        resolve(String(res.statusCode));
      },
    );
    req.on("error", (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    if (scenario.chunked) {
      req.write(body);
      req.end();
    } else {
      req.end(body);
    }
  });
}

async function runLoad(): Promise<void> {
  const api = await startFakeSlackApi();
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: {
      ...process.env,
      HTTP_BENCH_APP: api.url,
      ...(process.env.HTTP_BENCH_TUNABLES === "0" ? {} : { GLIBC_TUNABLES: DOCKER_TUNABLES }),
    },
    execArgv: [...process.execArgv, "--expose-gc"],
  });
  const memory = () =>
    new Promise<{ heap: NodeJS.MemoryUsage; afterGc: NodeJS.MemoryUsage }>((resolve) => {
      child.once("message", (m) => resolve(m as { heap: NodeJS.MemoryUsage; afterGc: NodeJS.MemoryUsage }));
      child.send("memory");
    });
  const started = await new Promise<{ port: number }>((resolve) =>
    child.once("message", (m) => resolve(m as { port: number })),
  );
  const pid = child.pid as number;
  const { port } = started;
  const url = `http://127.0.0.1:${port}/slack/events`;
  // Warm-up: signed commands through every layer, then a quiet second.
  for (let i = 0; i < 20; i += 1) {
    await postSigned(url, slashCommandBody({ text: "help", responseUrl: api.responseUrl(`w${i}`) }), FORM, {
      signingSecret: SECRET,
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const baseline = rssMb(pid);
  console.log(
    `allocator: ${process.env.HTTP_BENCH_TUNABLES === "0" ? "glibc defaults" : `GLIBC_TUNABLES=${DOCKER_TUNABLES} (as in the Docker image)`}`,
  );
  console.log(
    `receiver: ${process.env.HTTP_BENCH_BOLT ? "Bolt's HTTPReceiver (4 MB limit, no timeouts)" : "forecast-audit's bounded receiver (512 KB limit)"}; ${POSTS} posts per scenario, ${CONCURRENCY} at a time unless said`,
  );
  console.log(`app RSS at the start, after a warm-up: ${baseline.toFixed(0)} MB`);
  console.log(
    "| scenario | statuses | seconds | RSS before (MB) | peak (MB) | 2 s after (MB) | after − first baseline (MB) | V8 heap / external (MB) | RSS after a forced GC (MB) |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const scenario of SCENARIOS) {
    const body = Buffer.alloc(scenario.bytes, "a");
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 20);
    const statuses: Record<string, number> = {};
    const t0 = performance.now();
    const atOnce = scenario.concurrency ?? CONCURRENCY;
    for (let sent = 0; sent < POSTS; sent += atOnce) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(atOnce, POSTS - sent) }, () => post(port, scenario, body)),
      );
      for (const a of answers) statuses[a] = (statuses[a] ?? 0) + 1;
    }
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    clearInterval(sampler);
    const after = rssMb(pid);
    peak = Math.max(peak, after);
    const { heap } = await memory();
    const afterGc = rssMb(pid);
    const counts = Object.entries(statuses)
      .map(([s, n]) => `${n}× ${s}`)
      .join(", ");
    console.log(
      `| ${scenario.name} | ${counts} | ${seconds.toFixed(1)} | ${before.toFixed(0)} | ${peak.toFixed(0)} | ${after.toFixed(0)} | ${(after - baseline).toFixed(0)} | ${(heap.heapTotal / MB).toFixed(0)} / ${(heap.external / MB).toFixed(0)} | ${afterGc.toFixed(0)} |`,
    );
  }
  console.log(
    `${availableParallelism()} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; Node ${process.version}`,
  );
  child.send("stop");
  await new Promise((resolve) => child.once("exit", resolve));
  await api.close();
}

const appApiUrl = process.env.HTTP_BENCH_APP;
if (appApiUrl) await runApp(appApiUrl);
else await runLoad();

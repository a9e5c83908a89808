/**
 * `npm run bench:ack`: acknowledgement latency of `/forecast-audit` under load. The real app runs over HTTP
 * in its own process (as in production); this process plays Slack: it serves a fake Web API and sends
 * rounds of 50 concurrent, signed slash commands while scans run in the app (each reporting progress every
 * few milliseconds and ending with hundreds of findings to render and page into its thread).
 * Prints p50/p99/max; the target is p99 under 100 ms. Loopback only; bounded rounds; stops by itself.
 */
import { fork } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { parseConfig } from "../src/config/load-config.js";
import { createSlackApp } from "../src/slack/app.js";
import { startFakeSlackApi } from "../test/support/fake-slack-api.js";
import { createFakePorts, makeFindings, recordOf } from "../test/support/slack-fakes.js";
import { FORM, postSigned, slashCommandBody } from "../test/support/slack-signing.js";

const SECRET = "bench-signing-secret-0123456789";
const CONCURRENCY = 50;
const ROUNDS = 20;
const WARMUP = 20;
const FINDINGS_PER_SCAN = 400;
const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-1",
  "ap-northeast-1",
];

type FromApp =
  | { port: number }
  | { marked: true }
  | { stopped: true; scansStarted: number; scansRunning: number; cpuMs: number };

/** The app process: the real Slack app over fake ports whose scans really run in the background. */
async function runApp(apiUrl: string): Promise<void> {
  const findings = makeFindings(FINDINGS_PER_SCAN);
  const fakes = createFakePorts({
    scan: { findings, steps: 20, stepDelayMs: 10 },
    records: findings.map((f) => recordOf(f)),
  });
  const slack = createSlackApp({
    // Everyone in the workspace may scan (and so see findings): every command passes the policy's checks.
    config: parseConfig({ slack: { scanners: { everyone: true } } }),
    ports: fakes.ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-bench",
    signingSecret: SECRET,
    slackApiUrl: apiUrl,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  process.send?.({ port } satisfies FromApp);
  let cpuAtMark = process.cpuUsage();
  process.on("message", async (message) => {
    if (message === "mark") {
      cpuAtMark = process.cpuUsage();
      process.send?.({ marked: true } satisfies FromApp);
      return;
    }
    const cpu = process.cpuUsage(cpuAtMark);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const scansRunning = fakes.scans.running().length;
    await slack.stop();
    process.send?.(
      { stopped: true, scansStarted: fakes.scans.started.length, scansRunning, cpuMs } satisfies FromApp,
      () => process.exit(0),
    );
  });
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function runLoad(): Promise<void> {
  const api = await startFakeSlackApi();
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, ACK_BENCH_APP: api.url },
    execArgv: [
      ...process.execArgv,
      ...(process.env.ACK_BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/ackprof"] : []),
    ],
  });
  const next = () => new Promise<FromApp>((resolve) => child.once("message", (m) => resolve(m as FromApp)));
  const started = await next();
  if (!("port" in started)) throw new Error("the app did not start");
  const url = `http://127.0.0.1:${started.port}/slack/events`;
  let n = 0;

  /**
   * Half the commands ask for a scan of one of seven regions: the first of each starts it, the others join
   * it (as people do when a team scans at once). The rest read status and findings, or ask for help.
   */
  function nextCommand(): string {
    n += 1;
    if (n % 2 === 0) return `scan ${REGIONS[n % REGIONS.length]}`;
    return ["status", "findings high", "help"][n % 3] ?? "help";
  }

  async function send(): Promise<number> {
    const body = slashCommandBody({
      text: nextCommand(),
      responseUrl: api.responseUrl(`b${n}`),
      channelId: "C0BENCH",
    });
    const res = await postSigned(url, body, FORM, { signingSecret: SECRET });
    if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
    return res.elapsedMs;
  }

  // Warm-up: every path once (JIT, lazily loaded modules, the first scans' results), then a quiet second.
  for (let i = 0; i < WARMUP; i += 1) await send();
  await Promise.all(Array.from({ length: CONCURRENCY }, () => send()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const marked = next();
  child.send("mark");
  await marked;
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    samples.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, () => send()))));
  }
  const stopping = next();
  child.send("stop");
  const stopped = await stopping;
  await api.close();

  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const p99 = percentile(sorted, 99);
  console.log(
    `/forecast-audit acknowledgement: ${ROUNDS} rounds × ${CONCURRENCY} concurrent = ${samples.length} requests`,
  );
  if ("stopped" in stopped) {
    console.log(`scans started: ${stopped.scansStarted}, still running at the end: ${stopped.scansRunning}`);
    // CPU time is what the app spends; unlike latency, it hardly depends on what else the machine runs.
    console.log(
      `app CPU time per request (scans' work included): ${(stopped.cpuMs / samples.length).toFixed(2)} ms`,
    );
  }
  console.log(`Web API calls the app made meanwhile: ${api.calls.length}`);
  // The machine's own load skews latency more than anything here; print it so results can be compared.
  console.log(
    `${availableParallelism()} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `p50 ${fmt(percentile(sorted, 50))}  p99 ${fmt(p99)}  max ${fmt(sorted.at(-1) ?? Number.NaN)}  (target p99 < 100 ms: ${p99 < 100 ? "met" : "NOT met"})`,
  );
}

const appApiUrl = process.env.ACK_BENCH_APP;
if (appApiUrl) await runApp(appApiUrl);
else await runLoad();

/**
 * `npm run bench:startup`: CPU time and peak memory of starting the built CLI (`node dist/cli/main.js`, what
 * the container runs) for `--help`, the demo scan (`scan --inventory examples/demo-inventory.json --no-store`)
 * and `serve` up to the line that says it listens. Each is run RUNS times under `/usr/bin/time` (user + system
 * CPU, maximum resident set size); the medians are printed. Needs `npm run build` first. `serve` gets a dummy
 * bot token, a signing secret, port 0 and a throwaway SQLite file; nothing leaves the machine.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = join(ROOT, "dist", "cli", "main.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Sample {
  cpuMs: number;
  rssMiB: number;
}

/** Runs `node MAIN args` under /usr/bin/time; `until` (for serve) sends SIGTERM once stderr matches it. */
async function measure(args: string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<Sample> {
  const dir = await mkdtemp(join(tmpdir(), "forecast-audit-startup-"));
  const timeFile = join(dir, "time.txt");
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(
        "/usr/bin/time",
        ["-f", "%U %S %M", "-o", timeFile, process.execPath, MAIN, ...args],
        { cwd: ROOT, env: { ...process.env, ...env, DATABASE_URL: `sqlite:${join(dir, "b.db")}` } },
      );
      let err = "";
      let signalled = false;
      // A start that never reaches `until` is a failure, not a hang of the benchmark.
      const watchdog = setTimeout(() => spawn("pkill", ["-KILL", "-P", String(child.pid)]), 30_000);
      child.stdout.resume();
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
        if (until?.test(err) && !signalled) {
          signalled = true;
          // /usr/bin/time forwards nothing; signal the node process, its only child.
          spawn("pkill", ["-TERM", "-P", String(child.pid)]);
        }
      });
      child.on("exit", (code) => {
        clearTimeout(watchdog);
        if (code === 0 || (until && code !== null)) done();
        else fail(new Error(`${args.join(" ")} exited ${code}: ${err.slice(-500)}`));
      });
    });
    const [user, system, maxKiB] = (await readFile(timeFile, "utf8"))
      .trim()
      .split(/\s+/)
      .slice(-3)
      .map(Number);
    return { cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, rssMiB: (maxKiB ?? 0) / 1024 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const CASES: Array<{ name: string; args: string[]; env?: NodeJS.ProcessEnv; until?: RegExp }> = [
  { name: "--help", args: ["--help"] },
  {
    name: "scan --inventory (demo)",
    args: ["scan", "--inventory", "examples/demo-inventory.json", "--no-store", "--fail-on", "none"],
  },
  {
    name: "serve (until listening)",
    args: ["serve"],
    env: {
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: "bench-signing-secret",
      PORT: "0",
      SLACK_API_URL: "http://127.0.0.1:9/api/",
    },
    until: /listening on/,
  },
];

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first.`);
  console.log(`node ${process.version}, ${RUNS} runs each, medians`);
  console.log("| command | CPU (ms) | max RSS (MiB) |");
  console.log("|---|---:|---:|");
  for (const c of CASES) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await measure(c.args, c.env ?? {}, c.until));
    const cpu = median(samples.map((s) => s.cpuMs));
    const rss = median(samples.map((s) => s.rssMiB));
    console.log(`| \`${c.name}\` | ${cpu.toFixed(0)} | ${rss.toFixed(0)} |`);
  }
}

await main();

/**
 * Runs `forecast-audit` the way a user does: in-process through `buildProgram` with captured output and the
 * real AWS runtime (`runCli`), or as the real entry point in a child process (`runCliProcess`).
 *
 * Both route `localhost` and `<account-id>.localhost` to 127.0.0.1: S3 Control puts the account id in front of
 * the endpoint's host name, and nothing else resolves that name. The product's own request handler is kept.
 */
import { execFile, spawn } from "node:child_process";
import dns from "node:dns";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CommanderError } from "commander";
import { createAuditRuntime } from "../../src/app/audit-runtime.js";
import type { CliDeps } from "../../src/cli/deps.js";
import { EXIT_ERROR } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";
import { VERSION } from "../../src/cli/version.js";
import { createLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/store/open-store.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /**
   * Variables the CLI sees (`FORECAST_AUDIT_CONFIG`, `DATABASE_URL`, the SDK's `AWS_*`); `undefined` unsets one.
   * The SDK reads endpoints and credentials from `process.env`, so in-process runs apply these there for the
   * duration of the run and restore them afterwards.
   */
  env?: Record<string, string | undefined>;
  /** Where relative paths and `./forecast-audit.yml` are looked up; default: the repository root. */
  cwd?: string;
  now?: () => Date;
}

type Lookup = typeof dns.lookup;
type LookupCallback = (error: Error | null, address: unknown, family?: number) => void;

function isLoopbackName(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

/** Patches `dns.lookup` (which `net` calls for every connection) until the returned function is called. */
export function routeLocalhostNames(): () => void {
  const original: Lookup = dns.lookup;
  const patched = (hostname: string, options: unknown, callback?: LookupCallback): void => {
    const done = (typeof options === "function" ? options : callback) as LookupCallback;
    const opts = (typeof options === "object" && options !== null ? options : {}) as { all?: boolean };
    if (!isLoopbackName(hostname)) {
      (original as (h: string, o: unknown, c: LookupCallback) => void)(hostname, opts, done);
      return;
    }
    if (opts.all) process.nextTick(done, null, [{ address: "127.0.0.1", family: 4 }]);
    else process.nextTick(done, null, "127.0.0.1", 4);
  };
  dns.lookup = patched as unknown as Lookup;
  return () => {
    dns.lookup = original;
  };
}

/** The same routing for a child process, loaded with `--import`. */
const CHILD_ROUTING_MODULE = `import dns from "node:dns";
const original = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const done = typeof options === "function" ? options : callback;
  const opts = typeof options === "object" && options !== null ? options : {};
  if (hostname !== "localhost" && !String(hostname).endsWith(".localhost")) return original.call(dns, hostname, opts, done);
  if (opts.all) process.nextTick(done, null, [{ address: "127.0.0.1", family: 4 }]);
  else process.nextTick(done, null, "127.0.0.1", 4);
};
`;

function applyEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.keys(env).map((key) => [key, process.env[key]] as const);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** What `main.ts` does with an error that escapes the program; kept in step with it. */
function exitCodeOf(error: unknown, stderr: (text: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_ERROR;
  stderr(`forecast-audit: ${error instanceof Error ? error.message : String(error)}\n`);
  const code = (error as { exitCode?: unknown }).exitCode;
  return code === 1 || code === 2 ? code : EXIT_ERROR;
}

/**
 * `forecast-audit <args>` in this process: real config loading, store (`DATABASE_URL`) and `createAuditRuntime`,
 * with stdout, stderr, logs and the exit code captured. Runs must not overlap (they share `process.env`).
 */
export async function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const env = options.env ?? {};
  const cliEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const stderr = (text: string) => err.push(text);
  const deps: CliDeps = {
    openStore: () => openStore({ databaseUrl: cliEnv.DATABASE_URL }),
    createAuditRuntime: (config, runtimeOptions) =>
      createAuditRuntime(config, { ...runtimeOptions, env: { ...process.env, ...cliEnv } }),
    createLogger: (level) => createLogger({ level, destination: { write: stderr } }),
    stdout: (text) => out.push(text),
    stderr,
    now: options.now ?? (() => new Date()),
    isTty: false,
    env: cliEnv,
    cwd: options.cwd ?? REPO_ROOT,
    setExitCode: (code) => {
      exitCode = code;
    },
    localUser: "ci",
  };
  const restoreEnv = applyEnv(env);
  const restoreDns = routeLocalhostNames();
  try {
    await buildProgram(VERSION, deps).parseAsync([...args], { from: "user" });
  } catch (error) {
    exitCode = exitCodeOf(error, stderr);
  } finally {
    restoreDns();
    restoreEnv();
  }
  return { exitCode, stdout: out.join(""), stderr: err.join("") };
}

/** A temp dir with the localhost-routing module, the child's environment, and the tsx binary. */
async function prepareChild(
  overrides: Record<string, string | undefined> | undefined,
  imports: readonly string[] = [],
) {
  const dir = await mkdtemp(join(tmpdir(), "forecast-audit-cli-"));
  const routing = join(dir, "route-localhost.mjs");
  await writeFile(routing, CHILD_ROUTING_MODULE);
  const preload = [pathToFileURL(routing).href, ...imports.map((m) => pathToFileURL(m).href)];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: preload.map((m) => `--import=${m}`).join(" "),
  };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return { dir, env, tsx: join(REPO_ROOT, "node_modules", ".bin", "tsx") };
}

/** `tsx src/cli/main.ts <args>` in a child process: the real entry point, its streams and exit code. */
export async function runCliProcess(
  args: readonly string[],
  options: Omit<CliRunOptions, "now"> & {
    /** Modules preloaded in the child (`--import`), e.g. a probe that reports the peak RSS at exit. */
    imports?: readonly string[];
  } = {},
): Promise<CliResult> {
  const { dir, env, tsx } = await prepareChild(options.env, options.imports);
  try {
    return await new Promise<CliResult>((done) => {
      execFile(
        tsx,
        [join(REPO_ROOT, "src", "cli", "main.ts"), ...args],
        { cwd: options.cwd ?? REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
          done({ exitCode: code, stdout, stderr });
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `tsx src/cli/main.ts <args>` whose standard output is closed before it writes anything, as when a reader
 * stops early (`forecast-audit … | head -1`): every write meets EPIPE. Resolves with the exit code and stderr.
 */
export async function runCliProcessClosedStdout(
  args: readonly string[],
  options: Omit<CliRunOptions, "now"> = {},
): Promise<Omit<CliResult, "stdout">> {
  const { dir, env, tsx } = await prepareChild(options.env);
  try {
    return await new Promise((done, fail) => {
      const child = spawn(tsx, [join(REPO_ROOT, "src", "cli", "main.ts"), ...args], {
        cwd: options.cwd ?? REPO_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      child.on("error", fail);
      child.on("close", (code) => done({ exitCode: code ?? -1, stderr }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CliProcess {
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** Sends `signal` to the process (with `direct`, the CLI's own node process) and returns at once. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** `tsx src/cli/main.ts <args>` as a long-running child (for `serve`), with the same localhost routing. */
export async function startCliProcess(
  args: readonly string[],
  options: Omit<CliRunOptions, "now"> & {
    /**
     * Run the CLI in this node process itself (`node --import tsx`), not under the `tsx` launcher, which runs
     * it in a child of its own: a signal then reaches the CLI exactly as sent (SIGKILL included).
     */
    direct?: boolean;
  } = {},
): Promise<CliProcess> {
  const { dir, env, tsx } = await prepareChild(options.env);
  const main = join(REPO_ROOT, "src", "cli", "main.ts");
  const [command, commandArgs] = options.direct
    ? [
        process.execPath,
        [
          "--import",
          pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href,
          main,
          ...args,
        ],
      ]
    : [tsx, [main, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => chunks.push(c.toString()));
  const exited = new Promise<number | null>((resolveExit) => {
    child.on("exit", (code) => {
      void rm(dir, { recursive: true, force: true });
      resolveExit(code);
    });
  });
  return {
    output: () => chunks.join(""),
    exited,
    kill(signal) {
      if (child.exitCode === null) child.kill(signal);
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

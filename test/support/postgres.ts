/**
 * A PostgreSQL server for tests and benchmarks: `TEST_POSTGRES_URL` when set (CI sets it from
 * `.ci/postgres.sh`), otherwise a throwaway cluster in a temp directory on a free loopback port.
 * As root, the cluster runs as the `postgres` OS user (PostgreSQL refuses root), via `runuser`.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresServer {
  /** A URL of a database on the server whose user may create databases. */
  url: string;
  /** Where it came from: the environment, or a cluster this process started. */
  source: "env" | "throwaway";
  stop(): Promise<void>;
}

/** In CI the PostgreSQL half of a suite must run: an unavailable server is a failure, not a skip. */
export function postgresRequired(): boolean {
  const ci = process.env.CI ?? "";
  return ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

function findBinDir(): string | undefined {
  const candidates: string[] = [];
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  candidates.push("/usr/local/bin", "/usr/bin");
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function osUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run("id", ["-u", name])).stdout.trim());
    const gid = Number((await run("id", ["-g", name])).stdout.trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  /** Keep fsync on (for benchmarks); tests turn it off for speed. */
  durable?: boolean;
}

async function startThrowaway(options: StartOptions): Promise<PostgresServer> {
  const bin = findBinDir();
  if (!bin)
    throw new Error(
      "no PostgreSQL binaries (initdb, pg_ctl) found; run .ci/postgres.sh or set TEST_POSTGRES_URL",
    );
  const dir = await mkdtemp(join(tmpdir(), "forecast-audit-pg-"));
  const asRoot = process.getuid?.() === 0;
  let wrap = (cmd: string, args: string[]): [string, string[]] => [cmd, args];
  if (asRoot) {
    const user = await osUser("postgres");
    if (!user) throw new Error("running as root and there is no `postgres` OS user to run PostgreSQL as");
    await chown(dir, user.uid, user.gid);
    wrap = (cmd, args) => ["runuser", ["-u", "postgres", "--", cmd, ...args]];
  }
  const exec = (cmd: string, args: string[]) => {
    const [c, a] = wrap(join(bin, cmd), args);
    return run(c, a, { cwd: dir });
  };
  const data = join(dir, "data");
  await exec("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  const port = await freePort();
  const settings = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c max_connections=200"];
  if (!options.durable) settings.push("-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off");
  await exec("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-w",
    "-t",
    "60",
    "-o",
    settings.join(" "),
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    source: "throwaway",
    async stop() {
      try {
        await exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The server for this run, or undefined when none can be had and the environment does not require one.
 * With `CI` set, failing to start one throws.
 */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer | undefined> {
  const fromEnv = process.env.TEST_POSTGRES_URL;
  if (fromEnv) return { url: fromEnv, source: "env", stop: async () => {} };
  try {
    return await startThrowaway(options);
  } catch (error) {
    if (postgresRequired()) throw error;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`PostgreSQL unavailable, skipping its half of the suite: ${message}\n`);
    return undefined;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let counter = 0;

/** A fresh, empty database on the server; `drop` removes it even with connections left open. */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fa_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

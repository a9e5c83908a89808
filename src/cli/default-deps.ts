/** The real CLI dependencies: process I/O, the store from DATABASE_URL, live AWS. */
import { userInfo } from "node:os";
import { createLogger } from "../logging/logger.js";
import type { CliDeps } from "./deps.js";

function localUser(env: NodeJS.ProcessEnv): string {
  try {
    return env.FORECAST_AUDIT_USER ?? userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}

/**
 * A reader that stops early (`forecast-audit scan | head`) closes the pipe: the rest of the output has nowhere to
 * go, which is not an error of the command. Without a listener Node throws EPIPE out of the next write and the
 * command dies with a stack trace and exit code 1 — before a scan's exit code (its findings) is set.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();

export function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    // After EPIPE the stream is destroyed, and a write that was already on its way fails as destroyed.
    if (error.code === "EPIPE" || (closed && error.code === "ERR_STREAM_DESTROYED")) {
      closed = true;
      return;
    }
    throw error;
  });
}

export function createDefaultDeps(): CliDeps {
  const env = process.env;
  ignoreClosedPipe(process.stdout);
  const logger = (level: string) => createLogger({ level });
  return {
    // Imported on use: the AWS SDK clients and the database drivers cost most of the start-up time.
    openStore: async () => {
      const { openStore, SQLITE_WRITER_CACHE_KIB } = await import("../store/open-store.js");
      // A one-shot command: a small SQLite page cache keeps a large scan's commit under its memory target.
      return openStore({
        databaseUrl: env.DATABASE_URL,
        logger: logger(env.LOG_LEVEL ?? "warn"),
        sqliteCacheKiB: SQLITE_WRITER_CACHE_KIB,
      });
    },
    createAuditRuntime: async (config, options) => {
      const { createAuditRuntime } = await import("../app/audit-runtime.js");
      return createAuditRuntime(config, options);
    },
    createLogger: logger,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    now: () => new Date(),
    isTty: process.stderr.isTTY === true,
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    color: process.stdout.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb",
    env,
    cwd: process.cwd(),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    localUser: localUser(env),
    onStopSignal(cleanup) {
      const signals = ["SIGINT", "SIGTERM"] as const;
      const handler = (signal: NodeJS.Signals) => {
        // A second signal now finds no listener of ours and ends the process the default way.
        for (const s of signals) process.off(s, handler);
        cleanup(signal)
          .catch(() => {})
          .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
      };
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
  };
}

/** Opens the Kysely instance for an engine, with the settings the store's guarantees depend on. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type KyselyPlugin,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type { DatabaseTarget } from "./database-url.js";
import { StoreConfigError } from "./errors.js";
import type { Database } from "./schema.js";
import { withStatementCache } from "./statement-cache.js";

export interface StoreLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Every transaction takes the write lock at BEGIN, so read-then-write commits never hit a lock upgrade. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** SQLite does have transactional DDL: migrations then run in one (immediate) transaction per process. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** The oldest Node.js whose ABI the pinned better-sqlite3 supports: on Node 20 loading it crashes the process. */
export const SQLITE_MIN_NODE_MAJOR = 22;

/**
 * Loads better-sqlite3 only when a SQLite store is opened (the demo, `--help` and PostgreSQL never load it),
 * and refuses before loading it on a Node.js it would crash (a segmentation fault, not an error).
 */
export async function loadBetterSqlite3(nodeVersion = process.versions.node): Promise<typeof BetterSqlite3> {
  const major = Number(nodeVersion.split(".")[0]);
  if (major < SQLITE_MIN_NODE_MAJOR) {
    throw new StoreConfigError(
      `the SQLite store needs Node.js ${SQLITE_MIN_NODE_MAJOR} or later (this is Node.js ${nodeVersion}, which is end of life). ` +
        "Install Node.js 24 LTS (or 22), use DATABASE_URL=postgres://… instead, or pass --no-store to scan.",
    );
  }
  return (await import("better-sqlite3")).default;
}

/**
 * SQLite's page cache per connection for a process that writes much and reads little (the CLI, scan workers):
 * 4 MiB instead of better-sqlite3's 16. A commit's reads are point lookups by key, which the operating
 * system's file cache serves as well; 12 MiB less resident memory per connection (docs/benchmarks.md).
 */
export const SQLITE_WRITER_CACHE_KIB = 4_096;

export interface SqliteOptions {
  /** The connection's page cache, in KiB (SQLite's `cache_size`); default: the driver's (16 MiB). */
  cacheKiB?: number | undefined;
}

export async function openSqlite(path: string, options: SqliteOptions = {}): Promise<BetterSqlite3.Database> {
  const Sqlite = await loadBetterSqlite3();
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new Sqlite(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma("foreign_keys = ON");
  // FULL syncs the WAL on every commit: a committed scan survives a power cut, not only a process crash.
  database.pragma("synchronous = FULL");
  if (options.cacheKiB !== undefined) {
    if (!Number.isInteger(options.cacheKiB) || options.cacheKiB < 64) {
      database.close();
      throw new StoreConfigError(
        `SQLite cache size must be an integer of at least 64 KiB, got ${options.cacheKiB}`,
      );
    }
    // A negative cache_size is in KiB (a positive one would be in pages).
    database.pragma(`cache_size = -${options.cacheKiB}`);
  }
  return database;
}

/** Opens the engine's driver on first use: each engine's driver is imported only when that engine is used. */
export async function createKysely(
  target: DatabaseTarget,
  options: {
    logger?: StoreLogger;
    plugins?: readonly KyselyPlugin[];
    poolSize?: number;
    sqliteCacheKiB?: number | undefined;
  } = {},
): Promise<Kysely<Database>> {
  const plugins = [...(options.plugins ?? [])];
  if (target.engine === "sqlite") {
    return new Kysely<Database>({
      dialect: new StoreSqliteDialect({
        database: withStatementCache(await openSqlite(target.path, { cacheKiB: options.sqliteCacheKiB })),
      }),
      plugins,
    });
  }
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.logger?.warn({ err: error }, "PostgreSQL idle client error"));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
}

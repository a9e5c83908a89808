/** Opens the Kysely instance for an engine, with the settings the store's guarantees depend on. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
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
import pg from "pg";
import type { DatabaseTarget } from "./database-url.js";
import type { Database } from "./schema.js";

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

export function openSqlite(path: string): BetterSqlite3.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma("foreign_keys = ON");
  // FULL syncs the WAL on every commit: a committed scan survives a power cut, not only a process crash.
  database.pragma("synchronous = FULL");
  return database;
}

export function createKysely(
  target: DatabaseTarget,
  options: { logger?: StoreLogger; plugins?: readonly KyselyPlugin[]; poolSize?: number } = {},
): Kysely<Database> {
  const plugins = [...(options.plugins ?? [])];
  if (target.engine === "sqlite") {
    return new Kysely<Database>({
      dialect: new StoreSqliteDialect({ database: openSqlite(target.path) }),
      plugins,
    });
  }
  const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.logger?.warn({ err: error }, "PostgreSQL idle client error"));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
}

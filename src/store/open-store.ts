/** Opens the state store named by `DATABASE_URL` and brings its schema up to date. */
import type { KyselyPlugin } from "kysely";
import { createKysely, type StoreLogger } from "./connect.js";

export { SQLITE_WRITER_CACHE_KIB } from "./connect.js";

import { parseDatabaseUrl } from "./database-url.js";
import { KyselyStore } from "./kysely-store.js";
import { type MIGRATION_NAMES, migrate } from "./migrations.js";
import { SqliteDeliveryClaims } from "./sqlite-delivery-claims.js";
import type { Store } from "./types.js";
import { WriteGate } from "./write-gate.js";

export interface OpenStoreOptions {
  /** `sqlite:` path or `postgres://` URL; default `sqlite:./data/forecast-audit.db` (pass `DATABASE_URL`). */
  databaseUrl?: string | undefined;
  logger?: StoreLogger | undefined;
  /** The store's clock (suppression expiry, timestamps); tests pass a fixed one. */
  now?: () => Date;
  /** Kysely plugins, for diagnostics and fault-injection tests. */
  plugins?: readonly KyselyPlugin[];
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * SQLite: shared with the other threads of this process that write the same file (serve's scan workers), so
   * that delivery claims go before a scan commit's next write transaction.
   */
  writeGate?: SharedArrayBuffer | undefined;
  /**
   * SQLite file: open the second, non-blocking connection for Slack delivery claims (`claimDelivery`); the
   * Slack process asks for it, scan workers and the CLI do not.
   */
  deliveryClaims?: boolean;
  /**
   * SQLite: the page cache of the store's connection, in KiB (default the driver's 16 MiB). Processes that
   * mostly write (the CLI, scan workers) pass `SQLITE_WRITER_CACHE_KIB`; the Slack process keeps the default
   * for its digest and App Home reads.
   */
  sqliteCacheKiB?: number;
  /** Migrates only up to this migration (tests of a later migration on a database written before it). */
  migrateTo?: (typeof MIGRATION_NAMES)[number];
}

/**
 * One Store per process and database: on SQLite it is the process's single connection (writes are
 * serialised through it); other processes on the same file wait on the file lock (busy_timeout).
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(options.databaseUrl);
  const connectOptions: Parameters<typeof createKysely>[1] = {};
  if (options.logger) connectOptions.logger = options.logger;
  if (options.plugins) connectOptions.plugins = options.plugins;
  if (options.poolSize !== undefined) connectOptions.poolSize = options.poolSize;
  if (options.sqliteCacheKiB !== undefined) connectOptions.sqliteCacheKiB = options.sqliteCacheKiB;
  const db = await createKysely(target, connectOptions);
  try {
    const applied = await migrate(db, target.engine, options.migrateTo);
    if (applied.length > 0) options.logger?.debug({ migrations: applied }, "store migrated");
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const gate = target.engine === "sqlite" && options.writeGate ? new WriteGate(options.writeGate) : undefined;
  const claims =
    target.engine === "sqlite" && options.deliveryClaims && target.path !== ":memory:"
      ? await SqliteDeliveryClaims.open(target.path)
      : undefined;
  return new KyselyStore(db, target.engine, options.now ?? (() => new Date()), options.logger, gate, claims);
}

/**
 * SQLite statements prepared once per SQL text and reused, for Kysely's SQLite dialect. Kysely prepares
 * every query anew; better-sqlite3 finalizes a statement only when its JavaScript object is garbage collected,
 * and V8 does not see the native memory behind it. A 150,000-finding commit prepares about 3,000 multi-row
 * statements of the same few shapes: each is compiled again (about a tenth of the commit's CPU), and the
 * compiled programs pile up outside the heap until a collection (tens of MB of the process's peak).
 *
 * The cache keeps the `size` most recently used statements. A statement still being iterated (a streamed
 * query) is not handed out again: that query gets a statement of its own.
 */
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** What the cache needs of a better-sqlite3 database and its statements. */
export interface PreparingDatabase {
  close(): unknown;
  prepare(sql: string): SqliteStatement & { readonly busy: boolean };
}

export interface StatementCacheStats {
  hits: number;
  misses: number;
  size: number;
}

export interface CachingDatabase extends SqliteDatabase {
  stats(): StatementCacheStats;
}

export const DEFAULT_STATEMENT_CACHE_SIZE = 64;

export function withStatementCache(
  database: PreparingDatabase,
  size = DEFAULT_STATEMENT_CACHE_SIZE,
): CachingDatabase {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`statement cache size must be ≥ 1, got ${size}`);
  /** Insertion order is use order: the first key is the least recently used. */
  const cache = new Map<string, SqliteStatement & { readonly busy: boolean }>();
  let hits = 0;
  let misses = 0;
  return {
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) {
        hits++;
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      misses++;
      const statement = database.prepare(sql);
      if (cached === undefined) {
        cache.set(sql, statement);
        if (cache.size > size) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
    stats: () => ({ hits, misses, size: cache.size }),
  };
}

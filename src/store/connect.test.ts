import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadBetterSqlite3, openSqlite, SQLITE_WRITER_CACHE_KIB } from "./connect.js";
import { StoreConfigError } from "./errors.js";
import { openStore } from "./open-store.js";

describe("the SQLite driver on an unsupported Node.js", () => {
  it("refuses with the fix instead of loading better-sqlite3 (which would crash Node 20)", async () => {
    await expect(loadBetterSqlite3("20.20.2")).rejects.toThrow(StoreConfigError);
    await expect(loadBetterSqlite3("20.20.2")).rejects.toThrow(
      /needs Node.js 22 or later \(this is Node.js 20.20.2.*--no-store/,
    );
  });

  it("loads it on Node 22 and later", async () => {
    await expect(loadBetterSqlite3("22.0.0")).resolves.toBeTypeOf("function");
  });
});

describe("the SQLite page cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "fa-cache-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is the driver's 16 MiB unless asked, and the writer size (in KiB, not pages) when asked", async () => {
    const plain = await openSqlite(join(dir, "plain.db"));
    const writer = await openSqlite(join(dir, "writer.db"), { cacheKiB: SQLITE_WRITER_CACHE_KIB });
    try {
      expect(plain.pragma("cache_size", { simple: true })).toBe(-16_000);
      expect(writer.pragma("cache_size", { simple: true })).toBe(-SQLITE_WRITER_CACHE_KIB);
      // The store's other settings stay as they are.
      expect(writer.pragma("synchronous", { simple: true })).toBe(2);
      expect(writer.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      plain.close();
      writer.close();
    }
  });

  it("refuses a size that is not a whole number of KiB, at least 64", async () => {
    for (const cacheKiB of [0, -4, 12.5, 63]) {
      await expect(openSqlite(join(dir, `bad${cacheKiB}.db`), { cacheKiB })).rejects.toThrow(
        /cache size must be an integer of at least 64 KiB/,
      );
    }
  });

  it("reaches the store's connection through openStore", async () => {
    const store = await openStore({
      databaseUrl: `sqlite:${join(dir, "store.db")}`,
      sqliteCacheKiB: SQLITE_WRITER_CACHE_KIB,
    });
    try {
      // The pragma is per connection: read it through the store's own connection.
      const { sql } = await import("kysely");
      const db = (store as unknown as { db: import("kysely").Kysely<unknown> }).db;
      const rows = await sql<{ cache_size: number }>`pragma cache_size`.execute(db);
      expect(rows.rows[0]?.cache_size).toBe(-SQLITE_WRITER_CACHE_KIB);
    } finally {
      await store.close();
    }
  });
});

import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { withStatementCache } from "./statement-cache.js";

function open() {
  const db = new Database(":memory:");
  db.exec("create table t (id integer primary key, v text)");
  return db;
}

describe("the SQLite statement cache", () => {
  it("prepares a SQL text once and reuses the statement, with fresh parameters each time", () => {
    const cached = withStatementCache(open(), 4);
    const insert = "insert into t (v) values (?)";
    for (const v of ["a", "b", "c"]) cached.prepare(insert).run([v]);
    expect(cached.prepare("select v from t order by id").all([])).toEqual([
      { v: "a" },
      { v: "b" },
      { v: "c" },
    ]);
    expect(cached.prepare(insert)).toBe(cached.prepare(insert));
    expect(cached.stats()).toMatchObject({ misses: 2, size: 2 });
    cached.close();
  });

  it("keeps only the most recently used statements", () => {
    const cached = withStatementCache(open(), 2);
    const a = cached.prepare("select 1 as n");
    cached.prepare("select 2 as n");
    cached.prepare("select 1 as n"); // used again: now the most recent
    cached.prepare("select 3 as n"); // evicts "select 2"
    expect(cached.stats().size).toBe(2);
    expect(cached.prepare("select 1 as n")).toBe(a);
    const misses = cached.stats().misses;
    cached.prepare("select 2 as n");
    expect(cached.stats().misses).toBe(misses + 1);
    cached.close();
  });

  it("gives a query of its own to a statement still being iterated", () => {
    const db = open();
    db.exec("insert into t (v) values ('x'), ('y')");
    const cached = withStatementCache(db);
    const sql = "select v from t order by id";
    const outer = cached.prepare(sql);
    const rows: unknown[] = [];
    for (const row of outer.iterate([])) {
      // The cached statement is busy here: reusing it would throw in better-sqlite3.
      rows.push(row, cached.prepare(sql).all([]).length);
    }
    expect(rows).toEqual([{ v: "x" }, 2, { v: "y" }, 2]);
    cached.close();
  });

  it("closes the database", () => {
    const db = open();
    withStatementCache(db).close();
    expect(db.open).toBe(false);
  });
});

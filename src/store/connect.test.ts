import { describe, expect, it } from "vitest";
import { loadBetterSqlite3 } from "./connect.js";
import { StoreConfigError } from "./errors.js";

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

import { describe, expect, it } from "vitest";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "./database-url.js";
import { StoreConfigError } from "./errors.js";

describe("parseDatabaseUrl", () => {
  it("defaults to the SQLite file under ./data", () => {
    expect(DEFAULT_DATABASE_URL).toBe("sqlite:./data/forecast-audit.db");
    expect(parseDatabaseUrl(undefined)).toEqual({ engine: "sqlite", path: "./data/forecast-audit.db" });
    expect(parseDatabaseUrl("  ")).toEqual({ engine: "sqlite", path: "./data/forecast-audit.db" });
  });

  it("reads short and URL-shaped sqlite: forms", () => {
    expect(parseDatabaseUrl("sqlite:./x.db")).toEqual({ engine: "sqlite", path: "./x.db" });
    expect(parseDatabaseUrl("sqlite:///var/lib/fa.db")).toEqual({ engine: "sqlite", path: "/var/lib/fa.db" });
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ engine: "sqlite", path: ":memory:" });
  });

  it("passes postgres URLs through", () => {
    const url = "postgres://u:p@db:5432/fa?sslmode=require";
    expect(parseDatabaseUrl(url)).toEqual({ engine: "postgres", url });
    expect(parseDatabaseUrl("postgresql://db/fa").engine).toBe("postgres");
  });

  it("names DATABASE_URL when it cannot be read", () => {
    expect(() => parseDatabaseUrl("mysql://db/fa")).toThrow(StoreConfigError);
    expect(() => parseDatabaseUrl("mysql://db/fa")).toThrow(/DATABASE_URL/);
    expect(() => parseDatabaseUrl("sqlite:")).toThrow(/DATABASE_URL/);
  });
});

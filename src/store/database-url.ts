/** Reads `DATABASE_URL`: a `sqlite:` path (the default) or a `postgres://` URL. */
import { StoreConfigError } from "./errors.js";

export const DEFAULT_DATABASE_URL = "sqlite:./data/forecast-audit.db";

export type DatabaseTarget = { engine: "sqlite"; path: string } | { engine: "postgres"; url: string };

export function parseDatabaseUrl(value: string | undefined): DatabaseTarget {
  const url = value?.trim() || DEFAULT_DATABASE_URL;
  if (/^postgres(ql)?:\/\//i.test(url)) return { engine: "postgres", url };
  if (/^sqlite:/i.test(url)) {
    // `sqlite:///abs/file.db` and `sqlite://./rel.db` are URL-shaped; `sqlite:./rel.db` is the short form.
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "")
      throw new StoreConfigError(
        "DATABASE_URL: a sqlite: URL needs a file path, e.g. sqlite:./data/forecast-audit.db",
      );
    return { engine: "sqlite", path };
  }
  throw new StoreConfigError(
    "DATABASE_URL must start with sqlite: (a file path) or postgres:// (a PostgreSQL server).",
  );
}

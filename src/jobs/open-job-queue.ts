/** The job queue of a deployment: pg-boss on a PostgreSQL store, the in-process runner on SQLite. */
import type { Config } from "../config/schema.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/types.js";
import { recordDeadLetter } from "./dead-letter.js";
import type { JobQueue } from "./job-queue.js";
import { LocalJobQueue } from "./local-job-queue.js";
import { PgBossJobQueue } from "./pg-boss-queue.js";

export function createJobQueue(deps: {
  store: Pick<Store, "engine" | "jobs" | "appendAudit" | "listAudit">;
  /** The PostgreSQL URL (the store's `DATABASE_URL`); unused on SQLite. */
  databaseUrl: string | undefined;
  config: Pick<Config, "jobs">;
  logger: Logger;
  /** The runner's clock on SQLite (retry delays); tests pass a virtual one. */
  now?: () => Date;
}): JobQueue {
  const logger = deps.logger.child({ component: "jobs" });
  const onDeadLetter = async (letter: Parameters<typeof recordDeadLetter>[1]) => {
    logger.error({ kind: letter.kind, jobId: letter.jobId, attempts: letter.attempts }, "job dead-lettered");
    await recordDeadLetter(deps.store, letter);
  };
  if (deps.store.engine === "postgres") {
    if (!deps.databaseUrl) throw new Error("The PostgreSQL job queue needs DATABASE_URL.");
    return new PgBossJobQueue({
      connectionString: deps.databaseUrl,
      settings: deps.config.jobs,
      onDeadLetter,
      logger,
    });
  }
  return new LocalJobQueue({
    table: deps.store.jobs,
    settings: deps.config.jobs,
    onDeadLetter,
    logger,
    ...(deps.now ? { now: deps.now } : {}),
  });
}

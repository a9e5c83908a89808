/**
 * The job queue of a SQLite deployment (one process): the same handlers as on PostgreSQL, run in-process over
 * the store's `jobs` table. A job claimed and not finished when the process stopped runs again at the next
 * start-up (or is dead-lettered when that was its last attempt); a failed attempt is retried after the retry
 * delay until the retry limit, then dead-lettered. The job fails for good with its dead letter marked pending in
 * one statement; the dead letter (audit entry, then the kind's hook, both safe to run twice) is handled after
 * it and the mark cleared once both succeeded, so one that a kill or a store error interrupted is handled again
 * at start-up and on every poll until it succeeds.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import type { JobTable, StoredJob } from "../store/job-table.js";
import { JobHandlers } from "./job-handlers.js";
import {
  type DeadLetter,
  errorMessage,
  type JobHandler,
  type JobQueue,
  type JobQueueSettings,
  type JobState,
  keyedJobId,
  type SendOptions,
  type WorkOptions,
} from "./job-queue.js";

export interface LocalJobQueueDeps {
  table: JobTable;
  settings: Pick<JobQueueSettings, "retryLimit" | "retryDelaySeconds" | "pollSeconds">;
  onDeadLetter(letter: DeadLetter): Promise<void>;
  logger: Logger;
  /**
   * Jobs of one kind run at the same time (default 2, as pg-boss's `localConcurrency` per queue). Per kind, not
   * shared: a slot job waiting for its scan's parts, or a digest waiting for its slot's scan, must never hold
   * every place while the work it waits for stays queued.
   */
  concurrency?: number;
  now?: () => Date;
}

export class LocalJobQueue implements JobQueue {
  readonly engine = "sqlite" as const;
  readonly #deps: LocalJobQueueDeps;
  readonly #handlers: JobHandlers;
  readonly #running = new Set<Promise<void>>();
  readonly #runningByKind = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  #again = false;
  #stopped = false;
  /** Jobs whose dead letter this process is handling now: a poll's retry never runs one twice at once. */
  readonly #deadLettering = new Set<string>();
  #retryingDeadLetters: Promise<void> | undefined;

  constructor(deps: LocalJobQueueDeps) {
    this.#deps = deps;
    this.#handlers = new JobHandlers(deps.onDeadLetter);
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }

  work(kind: string, handler: JobHandler, options: WorkOptions = {}): void {
    this.#handlers.register(kind, handler, options);
  }

  async start(): Promise<void> {
    this.#handlers.seal();
    await this.#deps.table.requeueActive(this.#now().toISOString());
    // Dead letters pending from before: a job whose last attempt ran when the process stopped, or one whose
    // dead letter a kill or a store error interrupted.
    await this.#retryDeadLetters();
    this.#timer = setInterval(() => this.#poll(), this.#deps.settings.pollSeconds * 1000);
    this.#timer.unref();
    this.#wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    await this.#retryingDeadLetters;
  }

  /** Resolves when no job is running and none is due (tests, and a graceful stop's log). */
  async idle(): Promise<void> {
    for (;;) {
      while (this.#running.size > 0 || this.#draining || this.#retryingDeadLetters) {
        await Promise.allSettled([...this.#running, this.#retryingDeadLetters]);
        await new Promise((r) => setImmediate(r));
      }
      const due = await this.#deps.table.hasDue(this.#handlers.kinds(), this.#now().toISOString());
      if (!due) return;
      this.#wake();
      await new Promise((r) => setImmediate(r));
    }
  }

  async send(kind: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<string> {
    const id = options.key === undefined ? randomUUID() : keyedJobId(kind, options.key);
    await this.#deps.table.insert(
      { id, kind, payload, retryLimit: this.#deps.settings.retryLimit },
      this.#now().toISOString(),
    );
    if (this.#handlers.sealed) this.#wake();
    return id;
  }

  async state(kind: string, key: string): Promise<JobState | undefined> {
    const job = await this.#deps.table.get(keyedJobId(kind, key));
    if (!job) return undefined;
    return job.state === "created" ? "pending" : job.state;
  }

  hasAny(kind: string): Promise<boolean> {
    return this.#deps.table.hasKind(kind);
  }

  #poll(): void {
    if (this.#stopped) return;
    if (!this.#retryingDeadLetters) void this.#retryDeadLetters();
    this.#wake();
  }

  /** Handles the dead letters still pending (one pass; a poll runs the next). */
  #retryDeadLetters(): Promise<void> {
    if (this.#retryingDeadLetters) return this.#retryingDeadLetters;
    const pass = (async () => {
      try {
        const pending = await this.#deps.table.pendingDeadLetters();
        for (const job of pending) {
          if (this.#stopped) return;
          await this.#deadLetter(job, job.lastError ?? "the job failed");
        }
      } catch (error) {
        this.#deps.logger.error({ err: error }, "could not read the pending dead letters");
      }
    })().finally(() => {
      this.#retryingDeadLetters = undefined;
    });
    this.#retryingDeadLetters = pass;
    return pass;
  }

  #wake(): void {
    if (this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = true;
    void this.#drain()
      .catch((error: unknown) =>
        this.#deps.logger.error({ err: error }, "could not take jobs from the store"),
      )
      .finally(() => {
        this.#draining = false;
        if (this.#again) {
          this.#again = false;
          this.#wake();
        }
      });
  }

  async #drain(): Promise<void> {
    const limit = this.#deps.concurrency ?? 2;
    while (!this.#stopped) {
      const open = this.#handlers.kinds().filter((kind) => (this.#runningByKind.get(kind) ?? 0) < limit);
      if (open.length === 0) return;
      const job = await this.#deps.table.claimNext(open, this.#now().toISOString());
      if (!job) return;
      const kind = job.kind;
      this.#runningByKind.set(kind, (this.#runningByKind.get(kind) ?? 0) + 1);
      const run = this.#run(job).finally(() => {
        this.#running.delete(run);
        this.#runningByKind.set(kind, (this.#runningByKind.get(kind) ?? 1) - 1);
        this.#wake();
      });
      this.#running.add(run);
    }
  }

  async #run(job: StoredJob): Promise<void> {
    const handler = this.#handlers.get(job.kind);
    const log = this.#deps.logger.child({ job: job.kind, jobId: job.id, attempt: job.attempts });
    try {
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      await handler(job.payload as Record<string, unknown>, { jobId: job.id, attempt: job.attempts });
      await this.#deps.table.complete(job.id, this.#now().toISOString());
    } catch (error) {
      const message = errorMessage(error);
      const now = this.#now();
      const runAfter = new Date(now.getTime() + this.#deps.settings.retryDelaySeconds * 1000).toISOString();
      const state = await this.#deps.table.fail(job.id, message, now.toISOString(), runAfter);
      log.warn({ err: error, state }, "job attempt failed");
      if (state === "failed") await this.#deadLetter(job, message);
    }
  }

  /**
   * Records the dead letter and runs the kind's hook, then clears the job's pending mark; on any failure the mark
   * stays and the next poll (or start-up) runs both again.
   */
  async #deadLetter(job: StoredJob, error: string): Promise<void> {
    if (this.#deadLettering.has(job.id)) return;
    this.#deadLettering.add(job.id);
    try {
      await this.#handlers.deadLettered({
        kind: job.kind,
        jobId: job.id,
        payload: job.payload as Record<string, unknown>,
        attempts: job.attempts,
        error,
      });
      await this.#deps.table.settleDeadLetter(job.id);
    } catch (err) {
      this.#deps.logger.error(
        { err, jobId: job.id },
        "could not handle a dead-lettered job; it is tried again on the next poll",
      );
    } finally {
      this.#deadLettering.delete(job.id);
    }
  }
}

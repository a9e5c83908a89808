/**
 * The job queue on PostgreSQL: pg-boss. Each kind is a queue with a heartbeat lease (`heartbeatSeconds`: a
 * job whose worker stopped heartbeating is failed by any replica's supervisor and retried, by whichever worker
 * fetches it next), a hard bound per attempt (`expireInSeconds`), a retry limit and a dead-letter queue
 * (`<kind>-dead`) whose worker records the job in the audit log. Nothing here leases anything by itself.
 */
import { randomUUID } from "node:crypto";
import { PgBoss } from "pg-boss";
import type { Logger } from "../logging/logger.js";
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

interface Envelope {
  jobId: string;
  payload: Record<string, unknown>;
}

export interface PgBossJobQueueDeps {
  connectionString: string;
  settings: JobQueueSettings;
  onDeadLetter(letter: DeadLetter): Promise<void>;
  logger: Logger;
  /** pg-boss's schema (default `pgboss`). */
  schema?: string;
  /** Jobs of one kind this process runs at the same time (default 2). */
  concurrency?: number;
}

function deadQueue(kind: string): string {
  return `${kind}-dead`;
}

function outputError(output: unknown): string {
  if (output && typeof output === "object") {
    const { message } = output as { message?: unknown };
    if (typeof message === "string") return message;
  }
  return output === undefined || output === null ? "unknown error" : JSON.stringify(output);
}

export class PgBossJobQueue implements JobQueue {
  readonly engine = "postgres" as const;
  readonly #deps: PgBossJobQueueDeps;
  readonly #handlers: JobHandlers;
  readonly #boss: PgBoss;

  constructor(deps: PgBossJobQueueDeps) {
    this.#deps = deps;
    this.#handlers = new JobHandlers(deps.onDeadLetter);
    this.#boss = new PgBoss({
      connectionString: deps.connectionString,
      schema: deps.schema ?? "pgboss",
      application_name: "forecast-audit-jobs",
      max: 4,
      schedule: false,
      superviseIntervalSeconds: deps.settings.superviseSeconds,
      monitorIntervalSeconds: deps.settings.superviseSeconds,
    });
    this.#boss.on("error", (error: unknown) => deps.logger.error({ err: error }, "job queue error"));
  }

  work(kind: string, handler: JobHandler, options: WorkOptions = {}): void {
    this.#handlers.register(kind, handler, options);
  }

  async start(): Promise<void> {
    this.#handlers.seal();
    const { settings, logger } = this.#deps;
    await this.#boss.start();
    for (const [kind, handler] of this.#handlers.entries()) {
      await this.#boss.createQueue(deadQueue(kind), {
        retryLimit: 5,
        retryDelay: settings.retryDelaySeconds,
      });
      await this.#boss.createQueue(kind, {
        retryLimit: settings.retryLimit,
        retryDelay: settings.retryDelaySeconds,
        expireInSeconds: settings.expireSeconds,
        heartbeatSeconds: settings.leaseSeconds,
        deadLetter: deadQueue(kind),
      });
      await this.#boss.work<Envelope>(
        kind,
        {
          pollingIntervalSeconds: settings.pollSeconds,
          includeMetadata: true,
          localConcurrency: this.#deps.concurrency ?? 2,
        },
        async ([job]) => {
          if (!job) return;
          const log = logger.child({ job: kind, jobId: job.id, attempt: job.retryCount + 1 });
          log.info("job attempt started");
          try {
            await handler(job.data.payload, { jobId: job.id, attempt: job.retryCount + 1 });
            log.info("job attempt ended");
          } catch (error) {
            log.warn({ err: error }, "job attempt failed");
            throw error;
          }
        },
      );
      await this.#boss.work<Envelope>(
        deadQueue(kind),
        { pollingIntervalSeconds: settings.pollSeconds },
        async ([dead]) => {
          if (!dead) return;
          const original = await this.#boss.getJobById<Envelope>(kind, dead.data.jobId);
          await this.#handlers.deadLettered({
            kind,
            jobId: dead.data.jobId,
            payload: dead.data.payload,
            attempts: original ? original.retryCount + 1 : settings.retryLimit + 1,
            error: original ? outputError(original.output) : "unknown error",
          });
        },
      );
    }
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 30_000 });
  }

  async send(kind: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<string> {
    const id = options.key === undefined ? randomUUID() : keyedJobId(kind, options.key);
    const envelope: Envelope = { jobId: id, payload };
    try {
      await this.#boss.send(kind, envelope, { id });
    } catch (error) {
      throw new Error(`could not enqueue a ${kind} job: ${errorMessage(error)}`, { cause: error });
    }
    return id;
  }

  async state(kind: string, key: string): Promise<JobState | undefined> {
    const job = await this.#boss.getJobById(kind, keyedJobId(kind, key));
    if (!job) return undefined;
    switch (job.state) {
      case "created":
      case "retry":
        return "pending";
      case "active":
        return "active";
      case "completed":
        return "completed";
      default:
        return "failed";
    }
  }

  async hasAny(kind: string): Promise<boolean> {
    return (await this.#boss.findJobs(kind, { limit: 1 })).length > 0;
  }
}

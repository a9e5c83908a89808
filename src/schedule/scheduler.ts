/**
 * Runs each scheduled job once per slot across every replica and restart. A slot is a keyed job in the job
 * queue (one per kind and slot, ever): every replica's trigger enqueues it, the first insert wins and later
 * ones are no-ops, and whichever worker fetches it runs it. A worker that dies mid-slot loses its lease and the
 * slot runs again elsewhere (PostgreSQL) or at the next start-up (SQLite). At start-up the latest slot runs
 * once when no job for it was ever sent (a slot that completed, is pending or failed is not "missed").
 */
import type { JobQueue } from "../jobs/job-queue.js";
import type { Logger } from "../logging/logger.js";
import type { CronSchedule } from "./cron-schedule.js";
import {
  type Clock,
  nodeCronTrigger,
  type RunningTrigger,
  type StartTrigger,
  systemClock,
} from "./triggers.js";

export interface ScheduledJob {
  /** The job's kind in the queue (`scan`, `digest`). */
  name: string;
  schedule: CronSchedule;
  /** Runs the slot (an ISO instant); resolves with a short outcome (logged); throws to retry the slot. */
  run(slot: string): Promise<string>;
}

export interface SchedulerOptions {
  queue: Pick<JobQueue, "work" | "send" | "state" | "hasAny">;
  logger: Logger;
  /** Enqueue the latest slot missed while no instance was up, once, at start-up. */
  runMissedOnStart: boolean;
  clock?: Clock;
  startTrigger?: StartTrigger;
}

export type SlotResult = { status: "ran"; outcome: string } | { status: "failed"; error: string };

/** A slot this instance ran (or tried to). */
export interface SlotRun {
  job: string;
  slot: string;
  attempt: number;
  result: SlotResult;
}

/** A slot this instance enqueued. */
export interface SlotSent {
  job: string;
  slot: string;
  reason: "scheduled" | "missed";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Scheduler {
  readonly #jobs: readonly ScheduledJob[];
  readonly #options: SchedulerOptions;
  readonly #clock: Clock;
  readonly #triggers: RunningTrigger[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #runs: SlotRun[] = [];
  readonly #sent: SlotSent[] = [];
  #stopped = false;

  /** Registers each job's handler with the queue: construct before the queue starts. */
  constructor(jobs: readonly ScheduledJob[], options: SchedulerOptions) {
    const names = new Set<string>();
    for (const job of jobs) {
      if (names.has(job.name)) throw new Error(`Two scheduled jobs are named ${job.name}.`);
      names.add(job.name);
    }
    this.#jobs = jobs;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    for (const job of jobs) {
      options.queue.work(job.name, async (payload, context) => {
        const slot = String(payload.slot);
        await this.#run(job, slot, context.attempt);
      });
    }
  }

  get jobs(): readonly ScheduledJob[] {
    return this.#jobs;
  }

  /** Every slot this instance ran, in order (for logs and tests). */
  get runs(): readonly SlotRun[] {
    return this.#runs;
  }

  /** Every slot this instance enqueued (a no-op when another instance had). */
  get sent(): readonly SlotSent[] {
    return this.#sent;
  }

  /**
   * Arms the triggers, then enqueues the missed slots (when configured). The queue runs them. In this order no
   * slot falls between the two: one that comes while the catch-up is still reading the queue is fired by its
   * trigger, and the catch-up looks at the latest slot as of after the arming (keyed enqueues: both is one).
   */
  async start(): Promise<void> {
    // Asked before any trigger can enqueue: a first start has missed nothing.
    const catchUp = this.#options.runMissedOnStart && (await this.#ranBefore());
    this.#arm();
    if (!catchUp) return;
    for (const job of this.#jobs) {
      const slot = job.schedule.previous(this.#clock.now());
      if (!slot) continue;
      const key = slot.toISOString();
      if ((await this.#options.queue.state(job.name, key)) !== undefined) continue;
      await this.#enqueue(job, slot, "missed");
    }
  }

  #arm(): void {
    const startTrigger = this.#options.startTrigger ?? nodeCronTrigger;
    for (const job of this.#jobs) {
      this.#triggers.push(
        startTrigger({ name: job.name, schedule: job.schedule }, (at) => this.#fire(job, at)),
      );
      this.#options.logger.info(
        {
          job: job.name,
          cron: job.schedule.expression,
          timezone: job.schedule.timeZone,
          next: job.schedule.next(this.#clock.now()).toISOString(),
        },
        "scheduled job armed",
      );
    }
  }

  /**
   * Whether this deployment ran scheduled work before. A first start has missed nothing (it does not post
   * yesterday's digest); once any job exists, every job's latest slot is caught up — also a job whose first
   * slot was cut off between the enqueues of one instant (the scan enqueued, the process killed before the
   * digest was).
   */
  async #ranBefore(): Promise<boolean> {
    for (const job of this.#jobs) if (await this.#options.queue.hasAny(job.name)) return true;
    return false;
  }

  /** Stops the triggers and waits for the enqueues already under way (the queue owns the running slots). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const trigger of this.#triggers.splice(0)) trigger.stop();
    await this.idle();
  }

  /** Resolves when every enqueue started so far has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Enqueues the slot's job (a no-op when it exists). Never throws: a failed enqueue is logged. */
  async enqueueSlot(job: ScheduledJob, at: Date, reason: SlotSent["reason"]): Promise<void> {
    await this.#enqueue(job, at, reason);
  }

  async #enqueue(job: ScheduledJob, at: Date, reason: SlotSent["reason"]): Promise<void> {
    const slot = at.toISOString();
    try {
      await this.#options.queue.send(job.name, { slot }, { key: slot });
      this.#sent.push({ job: job.name, slot, reason });
      this.#options.logger.debug({ job: job.name, slot, reason }, "schedule slot enqueued");
    } catch (error) {
      this.#options.logger.error({ err: error, job: job.name, slot }, "could not enqueue a schedule slot");
    }
  }

  async #run(job: ScheduledJob, slot: string, attempt: number): Promise<void> {
    const log = this.#options.logger.child({ job: job.name, slot, attempt });
    log.info("schedule slot running");
    try {
      const outcome = await job.run(slot);
      this.#runs.push({ job: job.name, slot, attempt, result: { status: "ran", outcome } });
      log.info({ outcome }, "schedule slot finished");
    } catch (error) {
      this.#runs.push({ job: job.name, slot, attempt, result: { status: "failed", error: message(error) } });
      log.error({ err: error }, "scheduled job failed; the queue retries it until its retry limit");
      throw error;
    }
  }

  #fire(job: ScheduledJob, at: Date): void {
    if (this.#stopped) return;
    // node-cron reports the instant it planned; the schedule names the slot (first occurrence in an overlap).
    const slot = job.schedule.previous(at) ?? at;
    const sent = this.#enqueue(job, slot, "scheduled");
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }
}

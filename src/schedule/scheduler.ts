/**
 * Runs each job once per slot across every replica and restart: a slot is claimed in the store before it runs
 * (the one instance whose claim wins runs it), and marked done with its outcome afterwards. At start-up the
 * most recent slot that came while no instance was up runs once, when configured.
 */
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/types.js";
import type { CronSchedule } from "./cron-schedule.js";
import {
  type Clock,
  nodeCronTrigger,
  type RunningTrigger,
  type StartTrigger,
  systemClock,
} from "./triggers.js";

export interface ScheduledJob {
  /** The job's key in the store's slot table (`scan`, `digest`). */
  name: string;
  schedule: CronSchedule;
  /** Runs the slot (an ISO instant); resolves with a short outcome recorded with the slot. */
  run(slot: string): Promise<string>;
}

export type SlotStore = Pick<Store, "claimSlot" | "lastClaimedSlot" | "markSlotDone">;

export interface SchedulerOptions {
  store: SlotStore;
  /** Names this process in the claims (`host:pid:random`). */
  instanceId: string;
  logger: Logger;
  /** Run the latest slot missed while no instance was up, once, at start-up. */
  runMissedOnStart: boolean;
  clock?: Clock;
  startTrigger?: StartTrigger;
}

export type SlotResult =
  | { status: "ran"; outcome: string }
  | { status: "failed"; error: string }
  /** Another instance (or an earlier run of this one) claimed the slot. */
  | { status: "taken" };

export interface SlotRun {
  job: string;
  slot: string;
  reason: "scheduled" | "missed";
  result: SlotResult;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Scheduler {
  readonly #jobs: readonly ScheduledJob[];
  readonly #options: SchedulerOptions;
  readonly #clock: Clock;
  readonly #triggers: RunningTrigger[] = [];
  readonly #inFlight = new Set<Promise<SlotRun>>();
  readonly #runs: SlotRun[] = [];
  #stopped = false;

  constructor(jobs: readonly ScheduledJob[], options: SchedulerOptions) {
    const names = new Set<string>();
    for (const job of jobs) {
      if (names.has(job.name)) throw new Error(`Two scheduled jobs are named ${job.name}.`);
      names.add(job.name);
    }
    this.#jobs = jobs;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get jobs(): readonly ScheduledJob[] {
    return this.#jobs;
  }

  /** Every slot this instance has tried, in order (for logs and tests). */
  get runs(): readonly SlotRun[] {
    return this.#runs;
  }

  /**
   * Runs the missed slots (when configured), then arms the triggers. Resolves once the catch-up has been
   * claimed and started, without waiting for it to finish (a scan can take minutes).
   */
  async start(): Promise<void> {
    const missed: { job: ScheduledJob; slot: Date }[] = [];
    if (this.#options.runMissedOnStart) {
      for (const job of this.#jobs) {
        const slot = await this.#missedSlot(job);
        if (slot) missed.push({ job, slot });
      }
    }
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
    for (const { job, slot } of missed) this.#track(this.runSlot(job, slot, "missed"));
  }

  /** Stops the triggers and waits for the slots already running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const trigger of this.#triggers.splice(0)) trigger.stop();
    await this.idle();
  }

  /** Resolves when every slot started so far has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Claims the slot and, when the claim wins, runs the job and records its outcome. Never throws. */
  async runSlot(job: ScheduledJob, at: Date, reason: SlotRun["reason"]): Promise<SlotRun> {
    const { store, instanceId, logger } = this.#options;
    const slot = at.toISOString();
    const log = logger.child({ job: job.name, slot, reason });
    let result: SlotResult;
    let claimed = false;
    try {
      claimed = await store.claimSlot(job.name, slot, instanceId);
    } catch (error) {
      // Without a claim nobody can tell whether another instance runs it: skipping is the safe side.
      log.error({ err: error }, "could not claim a schedule slot; skipped");
      result = { status: "failed", error: `could not claim the slot: ${message(error)}` };
      return this.#record({ job: job.name, slot, reason, result });
    }
    if (!claimed) {
      log.debug("schedule slot already claimed elsewhere");
      return this.#record({ job: job.name, slot, reason, result: { status: "taken" } });
    }
    log.info("schedule slot claimed; running");
    try {
      const outcome = await job.run(slot);
      result = { status: "ran", outcome };
    } catch (error) {
      log.error({ err: error }, "scheduled job failed");
      result = { status: "failed", error: message(error) };
    }
    try {
      await store.markSlotDone(
        job.name,
        slot,
        result.status === "ran" ? result.outcome : `failed: ${result.error}`.slice(0, 1000),
      );
    } catch (error) {
      log.error({ err: error }, "could not record the outcome of a schedule slot");
    }
    log.info({ result }, "schedule slot finished");
    return this.#record({ job: job.name, slot, reason, result });
  }

  /** The latest slot at or before now, when it is later than the last slot any instance claimed. */
  async #missedSlot(job: ScheduledJob): Promise<Date | undefined> {
    const slot = job.schedule.previous(this.#clock.now());
    if (!slot) return undefined;
    const last = await this.#options.store.lastClaimedSlot(job.name);
    // A job that never ran has missed nothing: a first start does not post yesterday's digest.
    if (!last || Date.parse(last.slot) >= slot.getTime()) return undefined;
    return slot;
  }

  #fire(job: ScheduledJob, at: Date): void {
    if (this.#stopped) return;
    // node-cron reports the instant it planned; the schedule names the slot (first occurrence in an overlap).
    const slot = job.schedule.previous(at) ?? at;
    this.#track(this.runSlot(job, slot, "scheduled"));
  }

  #track(run: Promise<SlotRun>): void {
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  #record(run: SlotRun): SlotRun {
    this.#runs.push(run);
    return run;
  }
}

import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import { type DeadLetter, keyedJobId } from "../jobs/job-queue.js";
import { LocalJobQueue } from "../jobs/local-job-queue.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { CronSchedule } from "./cron-schedule.js";
import { type ScheduledJob, Scheduler } from "./scheduler.js";
import { timerTrigger } from "./triggers.js";

const logger = pino({ level: "silent" });
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

function recordingJob(expression: string, timeZone: string, runs: string[], fail = false): ScheduledJob {
  return {
    name: "digest",
    schedule: new CronSchedule(expression, timeZone),
    run: async (slot) => {
      runs.push(slot);
      if (fail) throw new Error("Slack is down");
      return `posted ${slot}`;
    },
  };
}

/** A `scan` job that records the slots it ran. */
function scanningJob(expression: string, scans: string[]): ScheduledJob {
  return {
    name: "scan",
    schedule: new CronSchedule(expression, "UTC"),
    run: async (slot) => {
      scans.push(slot);
      return "scanned";
    },
  };
}

/** One process of a SQLite deployment: its store, its in-process job queue and its scheduler. */
class Process {
  readonly queue: LocalJobQueue;
  readonly scheduler: Scheduler;
  readonly letters: DeadLetter[] = [];
  constructor(
    readonly store: Store,
    clock: VirtualClock,
    job: ScheduledJob | ScheduledJob[],
    options: { runMissedOnStart?: boolean; retryLimit?: number } = {},
  ) {
    this.queue = new LocalJobQueue({
      table: store.jobs,
      settings: { retryLimit: options.retryLimit ?? 1, retryDelaySeconds: 0, pollSeconds: 60 },
      onDeadLetter: async (letter) => {
        this.letters.push(letter);
      },
      logger,
      now: clock.now,
    });
    this.scheduler = new Scheduler(Array.isArray(job) ? job : [job], {
      queue: this.queue,
      logger,
      runMissedOnStart: options.runMissedOnStart ?? true,
      clock,
      startTrigger: timerTrigger(clock, clock),
    });
  }
  async start(): Promise<void> {
    await this.queue.start();
    await this.scheduler.start();
  }
  settle = async (): Promise<void> => {
    await this.scheduler.idle();
    await this.queue.idle();
  };
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.queue.stop();
  }
}

async function newStore(clock: VirtualClock): Promise<Store> {
  const store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
  stores.push(store);
  return store;
}

describe("Scheduler on a virtual clock, with the in-process job queue", () => {
  it("runs at 09:00 Berlin time every day across the spring change, never skipping or doubling a slot", async () => {
    const clock = new VirtualClock("2026-03-26T12:00:00Z");
    const runs: string[] = [];
    const p = new Process(await newStore(clock), clock, recordingJob("0 9 * * *", "Europe/Berlin", runs));
    await p.start();
    await clock.advanceTo("2026-03-31T12:00:00Z", p.settle);
    await p.stop();
    expect(runs).toEqual([
      "2026-03-27T08:00:00.000Z",
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
      "2026-03-31T07:00:00.000Z",
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("runs at 09:00 Berlin time across the autumn change", async () => {
    const clock = new VirtualClock("2026-10-23T12:00:00Z");
    const runs: string[] = [];
    const p = new Process(await newStore(clock), clock, recordingJob("0 9 * * *", "Europe/Berlin", runs));
    await p.start();
    await clock.advanceTo("2026-10-26T12:00:00Z", p.settle);
    await p.stop();
    expect(runs).toEqual([
      "2026-10-24T07:00:00.000Z",
      "2026-10-25T08:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
    ]);
  });

  it("enqueues a slot once however often it is triggered", async () => {
    const clock = new VirtualClock("2026-05-01T10:00:00Z");
    const runs: string[] = [];
    const job = recordingJob("0 9 * * *", "UTC", runs);
    const p = new Process(await newStore(clock), clock, job);
    await p.start();
    const slot = new Date("2026-05-01T09:00:00Z");
    await Promise.all([1, 2, 3].map(() => p.scheduler.enqueueSlot(job, slot, "scheduled")));
    await p.settle();
    await p.scheduler.enqueueSlot(job, slot, "scheduled");
    await p.settle();
    await p.stop();
    expect(runs).toEqual(["2026-05-01T09:00:00.000Z"]);
  });

  it("runs the most recent missed slot once at start-up, and not again on the next restart", async () => {
    const clock = new VirtualClock("2026-05-01T08:00:00Z");
    const store = await newStore(clock);
    const runs: string[] = [];
    const first = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await first.start();
    await clock.advanceTo("2026-05-01T10:00:00Z", first.settle);
    await first.stop();
    // Down from 1 May 10:00 to 4 May 10:00: 2, 3 and 4 May were missed; only 4 May runs.
    await clock.advanceTo("2026-05-04T10:00:00Z");
    const second = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await second.start();
    await second.settle();
    await second.stop();
    expect(runs).toEqual(["2026-05-01T09:00:00.000Z", "2026-05-04T09:00:00.000Z"]);
    expect(second.scheduler.sent.map((s) => s.reason)).toEqual(["missed"]);

    const third = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await third.start();
    await third.settle();
    await third.stop();
    expect(runs).toHaveLength(2);
    expect(third.scheduler.sent).toEqual([]);
  });

  it("catches up a job's first slot when another job of that instant was enqueued before the process died", async () => {
    // Kill -9 between the two enqueues of one instant: the scan of the deployment's first slot is in the
    // queue, its digest is not. The digest job "never ran", but the deployment did: its slot is missed.
    const clock = new VirtualClock("2026-05-01T09:00:05Z");
    const store = await newStore(clock);
    await store.jobs.insert(
      {
        id: keyedJobId("scan", "2026-05-01T09:00:00.000Z"),
        kind: "scan",
        payload: { slot: "2026-05-01T09:00:00.000Z" },
        retryLimit: 0,
      },
      "2026-05-01T09:00:00.000Z",
    );
    const runs: string[] = [];
    const scans: string[] = [];
    const scan = scanningJob("0 9 * * *", scans);
    const restarted = new Process(store, clock, [scan, recordingJob("0 9 * * *", "UTC", runs)]);
    await restarted.start();
    await restarted.settle();
    await restarted.stop();
    expect(runs).toEqual(["2026-05-01T09:00:00.000Z"]);
    expect(restarted.scheduler.sent.map((s) => [s.job, s.reason])).toEqual([["digest", "missed"]]);
  });

  it("loses no slot that comes while the start-up catch-up is still reading the queue", async () => {
    // A deployment that ran yesterday's slot of both jobs restarts a moment before today's; reading the queue
    // takes long enough that 09:00 comes in the middle of the catch-up (a busy machine, a slow database).
    const clock = new VirtualClock("2026-05-01T08:59:59.900Z");
    const store = await newStore(clock);
    for (const kind of ["scan", "digest"]) {
      const id = keyedJobId(kind, "2026-04-30T09:00:00.000Z");
      await store.jobs.insert(
        { id, kind, payload: { slot: "2026-04-30T09:00:00.000Z" }, retryLimit: 0 },
        "2026-04-30T09:00:00.000Z",
      );
      await store.jobs.claimNext([kind], "2026-04-30T09:00:00.000Z");
      await store.jobs.complete(id, "2026-04-30T09:00:01.000Z");
    }
    const scans: string[] = [];
    const digests: string[] = [];
    const scan = scanningJob("0 9 * * *", scans);
    const p = new Process(store, clock, [scan, recordingJob("0 9 * * *", "UTC", digests)]);
    const state = p.queue.state.bind(p.queue);
    p.queue.state = async (name, key) => {
      await clock.advanceTo(new Date(clock.now().getTime() + 100));
      return state(name, key);
    };
    await p.start();
    await p.settle();
    await clock.advanceTo("2026-05-01T09:00:01Z", p.settle);
    await p.stop();
    expect(clock.now().toISOString()).toBe("2026-05-01T09:00:01.000Z");
    expect(scans).toEqual(["2026-05-01T09:00:00.000Z"]);
    expect(digests).toEqual(["2026-05-01T09:00:00.000Z"]);
  });

  it("does not catch up on a first start, nor when runMissedOnStart is off", async () => {
    const clock = new VirtualClock("2026-05-04T10:00:00Z");
    const runs: string[] = [];
    const fresh = new Process(await newStore(clock), clock, recordingJob("0 9 * * *", "UTC", runs));
    await fresh.start();
    await fresh.settle();
    await fresh.stop();
    const store = await newStore(clock);
    await store.jobs.insert(
      { id: "old", kind: "digest", payload: { slot: "x" }, retryLimit: 0 },
      "2026-05-01T09:00:00.000Z",
    );
    await store.jobs.claimNext(["digest"], "2026-05-01T09:00:00.000Z");
    await store.jobs.complete("old", "2026-05-01T09:00:01.000Z");
    const off = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs), {
      runMissedOnStart: false,
    });
    await off.start();
    await off.settle();
    await off.stop();
    expect(runs).toEqual([]);
  });

  it("runs again at start-up a slot whose process stopped in the middle of it (claimed is not done)", async () => {
    const clock = new VirtualClock("2026-05-01T08:00:00Z");
    const store = await newStore(clock);
    const runs: string[] = [];
    let hang: () => void = () => {};
    const crashing: ScheduledJob = {
      name: "digest",
      schedule: new CronSchedule("0 9 * * *", "UTC"),
      // Never finishes: the process "dies" (is abandoned) with the job active in the store.
      run: (slot) => {
        runs.push(`crashed ${slot}`);
        return new Promise((resolve) => {
          hang = () => resolve("never");
        });
      },
    };
    const dying = new Process(store, clock, crashing);
    await dying.start();
    await clock.advanceTo("2026-05-01T09:00:00Z", () => dying.scheduler.idle());
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await store.jobs.hasDue(["digest"], clock.now().toISOString())).toBe(false);

    const restarted = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await restarted.start();
    await restarted.settle();
    await restarted.stop();
    expect(runs).toEqual(["crashed 2026-05-01T09:00:00.000Z", "2026-05-01T09:00:00.000Z"]);
    hang();
  });

  it("retries a failed slot up to the retry limit, then dead-letters it, and keeps the schedule going", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const runs: string[] = [];
    const p = new Process(await newStore(clock), clock, recordingJob("0 9 * * *", "UTC", runs, true), {
      retryLimit: 2,
    });
    await p.start();
    await clock.advanceTo("2026-05-03T00:00:00Z", p.settle);
    await p.stop();
    expect(runs).toEqual([
      ...Array(3).fill("2026-05-01T09:00:00.000Z"),
      ...Array(3).fill("2026-05-02T09:00:00.000Z"),
    ]);
    expect(p.letters.map((l) => [l.kind, l.payload.slot, l.attempts, l.error])).toEqual([
      ["digest", "2026-05-01T09:00:00.000Z", 3, "Slack is down"],
      ["digest", "2026-05-02T09:00:00.000Z", 3, "Slack is down"],
    ]);
  });

  it("dead-letters at start-up a job whose last attempt died with its process", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const store = await newStore(clock);
    await store.jobs.insert(
      { id: "j1", kind: "digest", payload: { slot: "s" }, retryLimit: 0 },
      clock.now().toISOString(),
    );
    expect(await store.jobs.claimNext(["digest"], clock.now().toISOString())).toMatchObject({ attempts: 1 });
    const runs: string[] = [];
    const p = new Process(store, clock, recordingJob("0 9 * * *", "UTC", runs), { runMissedOnStart: false });
    await p.start();
    await p.settle();
    await p.stop();
    expect(runs).toEqual([]);
    expect(p.letters).toEqual([
      {
        kind: "digest",
        jobId: "j1",
        payload: { slot: "s" },
        attempts: 1,
        error: "the process running it stopped",
      },
    ]);
  });

  it("stops firing once stopped", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const runs: string[] = [];
    const p = new Process(await newStore(clock), clock, recordingJob("*/5 * * * *", "UTC", runs));
    await p.start();
    await clock.advanceTo("2026-05-01T00:10:00Z", p.settle);
    await p.stop();
    await clock.advanceTo("2026-05-01T01:00:00Z");
    expect(runs).toEqual(["2026-05-01T00:05:00.000Z", "2026-05-01T00:10:00.000Z"]);
  });
});

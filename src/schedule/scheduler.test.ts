import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import type { SlotClaim } from "../store/types.js";
import { CronSchedule } from "./cron-schedule.js";
import { type ScheduledJob, Scheduler, type SlotStore } from "./scheduler.js";
import { timerTrigger } from "./triggers.js";

const logger = pino({ level: "silent" });

/** The store's slot semantics: the first claim of (job, slot) wins; instants are compared as instants. */
class MemorySlots implements SlotStore {
  readonly claims = new Map<string, SlotClaim>();
  failClaims = false;
  key = (job: string, slot: string) => `${job}|${new Date(slot).toISOString()}`;
  async claimSlot(job: string, slot: string, instanceId: string): Promise<boolean> {
    await Promise.resolve();
    if (this.failClaims) throw new Error("database is down");
    const k = this.key(job, slot);
    if (this.claims.has(k)) return false;
    this.claims.set(k, { job, slot: new Date(slot).toISOString(), instanceId, claimedAt: "now" });
    return true;
  }
  async lastClaimedSlot(job: string): Promise<SlotClaim | undefined> {
    return [...this.claims.values()]
      .filter((c) => c.job === job)
      .sort((a, b) => (a.slot < b.slot ? 1 : -1))[0];
  }
  async markSlotDone(job: string, slot: string, outcome: string): Promise<boolean> {
    const claim = this.claims.get(this.key(job, slot));
    if (!claim || claim.doneAt) return false;
    claim.doneAt = "now";
    claim.outcome = outcome;
    return true;
  }
}

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

function schedulerOf(
  store: SlotStore,
  clock: VirtualClock,
  job: ScheduledJob,
  options: { instanceId?: string; runMissedOnStart?: boolean } = {},
): Scheduler {
  return new Scheduler([job], {
    store,
    instanceId: options.instanceId ?? "a",
    logger,
    runMissedOnStart: options.runMissedOnStart ?? true,
    clock,
    startTrigger: timerTrigger(clock, clock),
  });
}

describe("Scheduler on a virtual clock", () => {
  it("runs at 09:00 Berlin time every day across the spring change, never skipping or doubling a slot", async () => {
    const clock = new VirtualClock("2026-03-26T12:00:00Z");
    const runs: string[] = [];
    const scheduler = schedulerOf(new MemorySlots(), clock, recordingJob("0 9 * * *", "Europe/Berlin", runs));
    await scheduler.start();
    await clock.advanceTo("2026-03-31T12:00:00Z", () => scheduler.idle());
    await scheduler.stop();
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
    const scheduler = schedulerOf(new MemorySlots(), clock, recordingJob("0 9 * * *", "Europe/Berlin", runs));
    await scheduler.start();
    await clock.advanceTo("2026-10-26T12:00:00Z", () => scheduler.idle());
    await scheduler.stop();
    expect(runs).toEqual([
      "2026-10-24T07:00:00.000Z",
      "2026-10-25T08:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
    ]);
  });

  it("lets exactly one of two replicas run each slot, and records its outcome", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const store = new MemorySlots();
    const runsA: string[] = [];
    const runsB: string[] = [];
    const a = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runsA), { instanceId: "a" });
    const b = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runsB), { instanceId: "b" });
    await a.start();
    await b.start();
    await clock.advanceTo("2026-05-04T00:00:00Z", async () => {
      await Promise.all([a.idle(), b.idle()]);
    });
    await Promise.all([a.stop(), b.stop()]);
    expect([...runsA, ...runsB].sort()).toEqual([
      "2026-05-01T09:00:00.000Z",
      "2026-05-02T09:00:00.000Z",
      "2026-05-03T09:00:00.000Z",
    ]);
    const taken = [...a.runs, ...b.runs].filter((r) => r.result.status === "taken");
    expect(taken).toHaveLength(3);
    expect([...store.claims.values()].map((c) => c.outcome)).toEqual([
      "posted 2026-05-01T09:00:00.000Z",
      "posted 2026-05-02T09:00:00.000Z",
      "posted 2026-05-03T09:00:00.000Z",
    ]);
  });

  it("runs the most recent missed slot once at start-up, and not again on the next restart", async () => {
    const store = new MemorySlots();
    await store.claimSlot("digest", "2026-05-01T09:00:00.000Z", "old");
    const runs: string[] = [];
    // Down from 1 May 10:00 to 4 May 10:00: 2, 3 and 4 May were missed; only 4 May runs.
    const clock = new VirtualClock("2026-05-04T10:00:00Z");
    const first = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await first.start();
    await first.stop();
    expect(runs).toEqual(["2026-05-04T09:00:00.000Z"]);
    expect(first.runs.map((r) => r.reason)).toEqual(["missed"]);

    const second = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await second.start();
    await second.stop();
    expect(runs).toEqual(["2026-05-04T09:00:00.000Z"]);
  });

  it("does not catch up on a first start, nor when runMissedOnStart is off", async () => {
    const runs: string[] = [];
    const clock = new VirtualClock("2026-05-04T10:00:00Z");
    const fresh = schedulerOf(new MemorySlots(), clock, recordingJob("0 9 * * *", "UTC", runs));
    await fresh.start();
    await fresh.stop();
    const store = new MemorySlots();
    await store.claimSlot("digest", "2026-05-01T09:00:00.000Z", "old");
    const off = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runs), {
      runMissedOnStart: false,
    });
    await off.start();
    await off.stop();
    expect(runs).toEqual([]);
  });

  it("records a failed run as done with its error, and keeps the schedule going", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const store = new MemorySlots();
    const runs: string[] = [];
    const scheduler = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runs, true));
    await scheduler.start();
    await clock.advanceTo("2026-05-03T00:00:00Z", () => scheduler.idle());
    await scheduler.stop();
    expect(runs).toHaveLength(2);
    expect([...store.claims.values()].map((c) => c.outcome)).toEqual([
      "failed: Slack is down",
      "failed: Slack is down",
    ]);
  });

  it("skips a slot it cannot claim (the database is down) rather than risk running it twice", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const store = new MemorySlots();
    store.failClaims = true;
    const runs: string[] = [];
    const scheduler = schedulerOf(store, clock, recordingJob("0 9 * * *", "UTC", runs));
    await scheduler.start();
    await clock.advanceTo("2026-05-01T12:00:00Z", () => scheduler.idle());
    await scheduler.stop();
    expect(runs).toEqual([]);
    expect(scheduler.runs.map((r) => r.result.status)).toEqual(["failed"]);
  });

  it("stops firing once stopped", async () => {
    const clock = new VirtualClock("2026-05-01T00:00:00Z");
    const runs: string[] = [];
    const scheduler = schedulerOf(new MemorySlots(), clock, recordingJob("*/5 * * * *", "UTC", runs));
    await scheduler.start();
    await clock.advanceTo("2026-05-01T00:10:00Z", () => scheduler.idle());
    await scheduler.stop();
    await clock.advanceTo("2026-05-01T01:00:00Z");
    expect(runs).toEqual(["2026-05-01T00:05:00.000Z", "2026-05-01T00:10:00.000Z"]);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import { CronSchedule } from "./cron-schedule.js";
import { nodeCronTrigger, timerTrigger } from "./triggers.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("nodeCronTrigger", () => {
  it("wakes at the slot in the configured zone and reports the scheduled instant", async () => {
    vi.useFakeTimers({
      now: new Date("2026-03-28T07:59:00Z"),
      toFake: ["setTimeout", "clearTimeout", "Date"],
    });
    const fired: string[] = [];
    const trigger = nodeCronTrigger(
      { name: "digest", schedule: new CronSchedule("0 9 * * *", "Europe/Berlin") },
      (at) => fired.push(at.toISOString()),
    );
    try {
      await vi.advanceTimersByTimeAsync(2 * 24 * 3600_000);
    } finally {
      trigger.stop();
    }
    expect(fired).toEqual([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
  });
});

describe("timerTrigger", () => {
  it("does not fire a slot before it has come, even if the timer wakes early", async () => {
    const clock = new VirtualClock("2026-05-01T08:59:00Z");
    const fired: string[] = [];
    let armed = 0;
    // The first timer wakes 30 s early, as a timer may after the system clock was adjusted.
    const timers = {
      setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, armed++ === 0 ? ms - 30_000 : ms),
      clearTimeout: clock.clearTimeout,
    };
    const trigger = timerTrigger(clock, timers)(
      { name: "digest", schedule: new CronSchedule("0 9 * * *", "UTC") },
      (at) => fired.push(at.toISOString()),
    );
    await clock.advanceTo("2026-05-01T08:59:45Z");
    expect(fired).toEqual([]);
    expect(armed).toBe(2);
    await clock.advanceTo("2026-05-01T09:00:00Z");
    trigger.stop();
    expect(fired).toEqual(["2026-05-01T09:00:00.000Z"]);
  });

  it("re-arms waits longer than setTimeout allows", async () => {
    const clock = new VirtualClock("2026-01-01T00:00:00Z");
    const fired: string[] = [];
    const trigger = timerTrigger(clock, clock)(
      { name: "yearly", schedule: new CronSchedule("0 0 1 7 *", "UTC") },
      (at) => fired.push(at.toISOString()),
    );
    await clock.advanceTo("2026-07-02T00:00:00Z");
    trigger.stop();
    expect(fired).toEqual(["2026-07-01T00:00:00.000Z"]);
  });
});

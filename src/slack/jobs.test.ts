import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createJobRunner } from "./jobs.js";
import { createTaskTracker } from "./tasks.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("background jobs", () => {
  it("refuse a job that has no policy entry", () => {
    const jobs = createJobRunner(createTaskTracker(pino({ level: "silent" })));
    expect(() => jobs.once("job:nothing" as never, async () => {})).toThrow(/no entry in the policy/);
    expect(jobs.keys()).toEqual([]);
  });

  it("run at start when asked, never overlap themselves, and stop", async () => {
    vi.useFakeTimers();
    const tasks = createTaskTracker(pino({ level: "silent" }));
    const jobs = createJobRunner(tasks);
    let runs = 0;
    let release = () => {};
    jobs.every(
      "job:suppressions:announce",
      1000,
      () => {
        runs += 1;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { atStart: true },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    release();
    jobs.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
    expect(jobs.keys()).toEqual(["job:suppressions:announce"]);
  });
});

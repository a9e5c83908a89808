import { describe, expect, it } from "vitest";
import { createProgressThrottle, type ThrottleClock } from "./progress-throttle.js";

/** A clock whose time moves only when the test says so. */
function manualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: ThrottleClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  async function advance(ms: number) {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.fn();
      await flush();
    }
    now = until;
    await flush();
  }
  return { clock, advance };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("createProgressThrottle", () => {
  it("sends at most once per interval, always the latest value", async () => {
    const { clock, advance } = manualClock();
    const sent: { value: number; at: number }[] = [];
    const throttle = createProgressThrottle<number>(
      async (value) => {
        sent.push({ value, at: clock.now() });
      },
      { intervalMs: 1000, clock },
    );
    for (let i = 1; i <= 100; i += 1) {
      throttle.push(i);
      await advance(35);
    }
    await advance(2000);
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(sent[0]).toEqual({ value: 1, at: 0 });
    expect(sent.at(-1)?.value).toBe(100);
    expect(sent.length).toBeLessThanOrEqual(5);
  });

  it("sends the final value last, after the interval, and ignores later pushes", async () => {
    const { clock, advance } = manualClock();
    const sent: string[] = [];
    const throttle = createProgressThrottle<string>(
      async (value) => {
        sent.push(value);
      },
      { intervalMs: 1000, clock },
    );
    throttle.push("p1");
    throttle.push("p2");
    let finished = false;
    const done = throttle.finish("result").then(() => {
      finished = true;
    });
    throttle.push("late");
    await advance(999);
    expect(sent).toEqual(["p1"]);
    expect(finished).toBe(false);
    await advance(1);
    await done;
    expect(sent).toEqual(["p1", "result"]);
  });

  it("never overlaps sends and keeps going after a failed one", async () => {
    const { clock, advance } = manualClock();
    const errors: unknown[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const releases: (() => void)[] = [];
    const sent: number[] = [];
    const throttle = createProgressThrottle<number>(
      (value) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<void>((resolve, reject) => {
          releases.push(() => {
            inFlight -= 1;
            sent.push(value);
            if (value === 1) reject(new Error("rate limited"));
            else resolve();
          });
        });
      },
      { intervalMs: 10, clock, onError: (e) => errors.push(e) },
    );
    throttle.push(1);
    await advance(50);
    throttle.push(2);
    await advance(50);
    expect(releases).toHaveLength(1);
    releases.shift()?.();
    await advance(50);
    const done = throttle.finish(3);
    releases.shift()?.();
    await advance(50);
    releases.shift()?.();
    await done;
    expect(sent).toEqual([1, 2, 3]);
    expect(maxInFlight).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it("counts an earlier write (the post) as the first send", async () => {
    const { clock, advance } = manualClock();
    const sent: number[] = [];
    const throttle = createProgressThrottle<number>(
      async () => {
        sent.push(clock.now());
      },
      { intervalMs: 1000, clock, lastSentAt: 0 },
    );
    throttle.push(1);
    await advance(999);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent).toEqual([1000]);
  });
});

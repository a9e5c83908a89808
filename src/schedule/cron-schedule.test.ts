import cron from "node-cron";
import { describe, expect, it } from "vitest";
import { CronSchedule, CronScheduleError, cronExpressionProblem, timeZoneProblem } from "./cron-schedule.js";
import { fromLocalTime, toLocalTime } from "./local-time.js";

const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());

describe("CronSchedule across daylight-saving changes", () => {
  const berlin = new CronSchedule("0 9 * * *", "Europe/Berlin");

  it("fires at 09:00 Berlin time across the spring change: 08:00Z before, 07:00Z after, none skipped", () => {
    const slots = berlin.between(new Date("2026-03-27T00:00:00Z"), new Date("2026-03-31T00:00:00Z"));
    expect(iso(slots)).toEqual([
      "2026-03-27T08:00:00.000Z",
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
  });

  it("fires at 09:00 Berlin time across the autumn change: 07:00Z before, 08:00Z after, none doubled", () => {
    const slots = berlin.between(new Date("2026-10-23T00:00:00Z"), new Date("2026-10-27T00:00:00Z"));
    expect(iso(slots)).toEqual([
      "2026-10-23T07:00:00.000Z",
      "2026-10-24T07:00:00.000Z",
      "2026-10-25T08:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
    ]);
    for (const slot of slots)
      expect(toLocalTime(slot, "Europe/Berlin")).toMatchObject({ hour: 9, minute: 0 });
  });

  it("has no slot for a wall time the spring gap skips, and one for a wall time the autumn overlap repeats", () => {
    const night = new CronSchedule("30 2 * * *", "Europe/Berlin");
    const spring = night.between(new Date("2026-03-28T00:00:00Z"), new Date("2026-03-31T00:00:00Z"));
    expect(iso(spring)).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    const autumn = night.between(new Date("2026-10-24T00:00:00Z"), new Date("2026-10-27T00:00:00Z"));
    // 02:30 happens twice on 25 October (00:30Z in summer time, 01:30Z in winter time): the first one counts.
    expect(iso(autumn)).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("finds the previous slot at or before an instant, on either side of the change", () => {
    expect(berlin.previous(new Date("2026-03-29T07:00:00Z"))?.toISOString()).toBe("2026-03-29T07:00:00.000Z");
    expect(berlin.previous(new Date("2026-03-29T06:59:59Z"))?.toISOString()).toBe("2026-03-28T08:00:00.000Z");
    expect(berlin.previous(new Date("2026-10-25T07:30:00Z"))?.toISOString()).toBe("2026-10-24T07:00:00.000Z");
    expect(berlin.next(new Date("2026-03-28T08:00:00Z")).toISOString()).toBe("2026-03-29T07:00:00.000Z");
  });

  it("handles a zone behind UTC whose local date differs from the UTC date", () => {
    const ny = new CronSchedule("0 22 * * 5", "America/New_York");
    // Fridays at 22:00 New York are Saturdays 02:00Z (summer) or 03:00Z (winter); DST ends 1 November 2026.
    const slots = ny.between(new Date("2026-10-20T00:00:00Z"), new Date("2026-11-10T00:00:00Z"));
    expect(iso(slots)).toEqual([
      "2026-10-24T02:00:00.000Z",
      "2026-10-31T02:00:00.000Z",
      "2026-11-07T03:00:00.000Z",
    ]);
  });
});

describe("CronSchedule semantics", () => {
  it("agrees with node-cron's own matcher on every slot, and finds every quarter hour node-cron matches", () => {
    const cases: [string, string][] = [
      ["*/15 8-10 * * 1-5", "Europe/Berlin"],
      ["0 9 L * *", "UTC"],
      ["15 6 * * 1#2", "Australia/Sydney"],
      ["0 12 LW * *", "America/Sao_Paulo"],
      ["45 23 * * 5L", "Asia/Kolkata"],
      ["0 0 1,15 * *", "Pacific/Chatham"],
    ];
    const from = new Date("2026-01-01T00:00:00Z");
    const to = new Date("2026-04-15T00:00:00Z");
    for (const [expression, timeZone] of cases) {
      const schedule = new CronSchedule(expression, timeZone);
      const task = cron.createTask(expression, () => {}, { timezone: timeZone });
      try {
        const ours = iso(schedule.between(from, to));
        const theirs: string[] = [];
        // Every zone here is offset from UTC by a multiple of 15 minutes, and so is every slot.
        for (let t = from.getTime() + 900_000; t <= to.getTime(); t += 900_000) {
          if (task.match(new Date(t))) theirs.push(new Date(t).toISOString());
        }
        expect(ours.length).toBeGreaterThan(0);
        expect(ours, `${expression} in ${timeZone}`).toEqual(theirs);
      } finally {
        void task.destroy();
      }
    }
  });

  it("supports a seconds field", () => {
    const s = new CronSchedule("30 0 9 * * *", "UTC");
    expect(s.next(new Date("2026-05-01T09:00:00Z")).toISOString()).toBe("2026-05-01T09:00:30.000Z");
  });

  it("rejects bad expressions and zones with a message that says what was expected", () => {
    expect(() => new CronSchedule("61 * * * *", "UTC")).toThrow(CronScheduleError);
    expect(() => new CronSchedule("0 9 * * *", "Europe/Berln")).toThrow(/IANA time zone/);
    expect(cronExpressionProblem("0 9 * * *")).toBeUndefined();
    expect(cronExpressionProblem("daily")).toMatch(/expected 5 or 6 fields/);
    expect(timeZoneProblem("UTC")).toBeUndefined();
    expect(timeZoneProblem("")).toMatch(/IANA/);
  });
});

describe("local time", () => {
  it("maps wall times to instants: none in a gap, two in an overlap", () => {
    expect(
      fromLocalTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, "Europe/Berlin"),
    ).toEqual([]);
    expect(
      iso(fromLocalTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, "Europe/Berlin")),
    ).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]);
    expect(
      iso(fromLocalTime({ year: 2026, month: 7, day: 1, hour: 9, minute: 0, second: 0 }, "Asia/Kathmandu")),
    ).toEqual(["2026-07-01T03:15:00.000Z"]);
  });
});

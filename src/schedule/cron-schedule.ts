/**
 * A cron expression in a time zone, as instants: the slots it names before and after any moment. node-cron
 * parses the expression (so what validates here is what it schedules); the calendar walk is ours, on Intl, so
 * that any clock can be injected and every replica derives the same slot for the same run.
 *
 * Day matching follows node-cron 4: day of month AND day of week must both match; `L`, `LW`, `nW`, `L-n` in
 * the day of month and `nL`, `n#k` in the day of week. A wall time that a spring-forward gap skips has no slot
 * that day; a wall time that a fall-back overlap repeats has one slot, at its first occurrence.
 */
import cron from "node-cron";
import { fromLocalTime, isValidTimeZone, type LocalTime, toLocalTime } from "./local-time.js";

type DayToken = number | string;

interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: DayToken[];
  months: number[];
  daysOfWeek: DayToken[];
}

/** The reason an expression is not a valid cron expression, or undefined when it is one. */
export function cronExpressionProblem(expression: string): string | undefined {
  const example =
    "must be a cron expression such as `0 9 * * *` (minute hour day-of-month month day-of-week)";
  if (expression.trim() === "") return `${example}; it is empty`;
  const result = cron.validateDetailed(expression);
  if (result.valid) return undefined;
  const reasons = result.errors.map((e) => e.message).join("; ");
  return `${example}; \`${expression}\`: ${reasons || "unrecognised"}`;
}

/** The reason a name is not an IANA time zone, or undefined when it is one. */
export function timeZoneProblem(timeZone: string): string | undefined {
  return isValidTimeZone(timeZone)
    ? undefined
    : `must be an IANA time zone such as \`UTC\` or \`Europe/Berlin\`; \`${timeZone}\` is not one`;
}

export class CronScheduleError extends Error {
  override readonly name = "CronScheduleError";
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = weekdayOf(year, month, target);
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(field: readonly DayToken[], year: number, month: number, day: number): boolean {
  const last = lastDayOfMonth(year, month);
  return field.some((value) => {
    if (value === day) return true;
    if (typeof value !== "string") return false;
    if (value === "L") return day === last;
    const weekday = /^(\d{1,2}|L)W$/i.exec(value);
    if (weekday?.[1]) {
      const target = weekday[1].toUpperCase() === "L" ? last : Number(weekday[1]);
      return nearestWeekday(year, month, target) === day;
    }
    const offset = /^L-(\d{1,2})$/i.exec(value);
    if (offset?.[1]) return last - Number(offset[1]) === day;
    return false;
  });
}

function matchesDayOfWeek(field: readonly DayToken[], year: number, month: number, day: number): boolean {
  const weekday = weekdayOf(year, month, day);
  return field.some((value) => {
    if (value === weekday) return true;
    if (typeof value !== "string") return false;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth) return Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]);
    const lastOf = /^([0-7])L$/i.exec(value);
    if (lastOf) return Number(lastOf[1]) % 7 === weekday && day + 7 > lastDayOfMonth(year, month);
    return false;
  });
}

function numbers(values: readonly DayToken[]): number[] {
  return values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
}

type Day = Pick<LocalTime, "year" | "month" | "day">;

function shiftDay(d: Day, by: number): Day {
  const date = new Date(Date.UTC(d.year, d.month - 1, d.day + by));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** How far a search looks before it gives up (an expression such as `0 9 29 2 1` matches rarely). */
const SEARCH_DAYS = 366 * 8;

export class CronSchedule {
  readonly #fields: Fields;
  /** Wall times within a day, in seconds since midnight, ascending. */
  readonly #times: number[];

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    const expressionError = cronExpressionProblem(expression);
    if (expressionError) throw new CronScheduleError(`The schedule ${expressionError}.`);
    const zoneError = timeZoneProblem(timeZone);
    if (zoneError) throw new CronScheduleError(`The time zone ${zoneError}.`);
    const parsed = cron.parse(expression);
    this.#fields = {
      seconds: numbers(parsed.second),
      minutes: numbers(parsed.minute),
      hours: numbers(parsed.hour),
      daysOfMonth: parsed.dayOfMonth,
      months: numbers(parsed.month),
      daysOfWeek: parsed.dayOfWeek,
    };
    const times: number[] = [];
    for (const h of this.#fields.hours)
      for (const m of this.#fields.minutes)
        for (const s of this.#fields.seconds) times.push(h * 3600 + m * 60 + s);
    this.#times = times;
  }

  #dayMatches(d: Day): boolean {
    const f = this.#fields;
    return (
      f.months.includes(d.month) &&
      matchesDayOfMonth(f.daysOfMonth, d.year, d.month, d.day) &&
      matchesDayOfWeek(f.daysOfWeek, d.year, d.month, d.day)
    );
  }

  /** The slots of one local day, in order (none for a wall time a DST gap skips); lazily, as days can be dense. */
  *#slotsOn(d: Day, order: "asc" | "desc"): Generator<Date> {
    if (!this.#dayMatches(d)) return;
    const n = this.#times.length;
    for (let i = 0; i < n; i++) {
      const t = this.#times[order === "asc" ? i : n - 1 - i] as number;
      const wall = { ...d, hour: Math.floor(t / 3600), minute: Math.floor(t / 60) % 60, second: t % 60 };
      const first = fromLocalTime(wall, this.timeZone)[0];
      if (first) yield first;
    }
  }

  /** The first slot strictly after `after`. */
  next(after: Date): Date {
    const start = toLocalTime(after, this.timeZone);
    // Start a day early: the first occurrence of a repeated hour can lie before `after`'s local date.
    for (let i = -1; i < SEARCH_DAYS; i++) {
      for (const slot of this.#slotsOn(shiftDay(start, i), "asc")) {
        if (slot.getTime() > after.getTime()) return slot;
      }
    }
    throw new CronScheduleError(`\`${this.expression}\` has no time within ${SEARCH_DAYS} days`);
  }

  /** The latest slot at or before `atOrBefore`, or undefined when none falls within the search window. */
  previous(atOrBefore: Date): Date | undefined {
    const start = toLocalTime(atOrBefore, this.timeZone);
    for (let i = 1; i > -SEARCH_DAYS; i--) {
      for (const slot of this.#slotsOn(shiftDay(start, i), "desc")) {
        if (slot.getTime() <= atOrBefore.getTime()) return slot;
      }
    }
    return undefined;
  }

  /** The slots in `(from, to]`, earliest first; bounded by `limit`. */
  between(from: Date, to: Date, limit = 1000): Date[] {
    const out: Date[] = [];
    let cursor = from;
    while (out.length < limit) {
      const slot = this.next(cursor);
      if (slot.getTime() > to.getTime()) break;
      out.push(slot);
      cursor = slot;
    }
    return out;
  }
}

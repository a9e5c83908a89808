/**
 * Wall-clock time in an IANA time zone, from the runtime's own tz database (Intl): no library, no process TZ.
 */

export interface LocalTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a zone the runtime knows (`Europe/Berlin`, `UTC`); false for typos such as `Europe/Berln`. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === "") return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function toLocalTime(instant: Date, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const year = parts.year ?? 0;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  return {
    year,
    month,
    day,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

function sameWallTime(a: LocalTime, b: Omit<LocalTime, "weekday">): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  const local = toLocalTime(new Date(ms), timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * Every instant at which the zone's clocks read this wall time, earliest first: none inside a spring-forward
 * gap, two inside a fall-back overlap, one otherwise. Assumes at most one offset change within a day.
 */
export function fromLocalTime(wall: Omit<LocalTime, "weekday">, timeZone: string): Date[] {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const day = 24 * 3600_000;
  const offsets = new Set([offsetAt(naive - day, timeZone), offsetAt(naive + day, timeZone)]);
  const out: number[] = [];
  for (const offset of offsets) {
    const candidate = naive - offset;
    if (sameWallTime(toLocalTime(new Date(candidate), timeZone), wall) && !out.includes(candidate)) {
      out.push(candidate);
    }
  }
  return out.sort((a, b) => a - b).map((ms) => new Date(ms));
}

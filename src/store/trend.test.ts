import { describe, expect, it } from "vitest";
import { computeTrend, trendWindowStart } from "./trend.js";

describe("computeTrend", () => {
  const now = "2026-03-03T12:00:00.000Z";

  it("rewinds today's state through the history to each day's end", () => {
    const current = [
      { key: "a", lifecycle: "open" as const, severity: "high" as const },
      { key: "b", lifecycle: "resolved" as const, severity: "critical" as const },
      { key: "c", lifecycle: "new" as const, severity: "low" as const },
    ];
    const changes = [
      { key: "c", from: null, at: "2026-03-03T08:00:00.000Z" },
      { key: "b", from: "open" as const, at: "2026-03-03T08:00:00.000Z" },
      { key: "a", from: "new" as const, at: "2026-03-02T08:00:00.000Z" },
      { key: "b", from: "new" as const, at: "2026-03-02T08:00:00.000Z" },
    ];
    const points = computeTrend(current, changes, 3, now);
    expect(points.map((p) => [p.day, p.total])).toEqual([
      ["2026-03-01", 2],
      ["2026-03-02", 2],
      ["2026-03-03", 2],
    ]);
    expect(points[2]?.bySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1 });
    expect(points[1]?.bySeverity).toEqual({ critical: 1, high: 1, medium: 0, low: 0 });
    expect(computeTrend(current, changes, 3, now, new Set(["a"])).map((p) => p.total)).toEqual([1, 1, 1]);
  });

  it("starts the window at the end of the oldest day", () => {
    expect(trendWindowStart(7, now)).toBe("2026-02-25T23:59:59.999Z");
    expect(trendWindowStart(1, now)).toBe("2026-03-03T23:59:59.999Z");
  });
});

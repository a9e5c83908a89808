import { describe, expect, it } from "vitest";
import { ProgressTracker, type ScanProgress } from "./progress.js";

const event = (overrides: Partial<ScanProgress>): ScanProgress => ({
  phase: "forecast",
  accountId: "111122223333",
  region: "us-east-1",
  done: 0,
  total: 0,
  message: "",
  ...overrides,
});

describe("ProgressTracker", () => {
  it("sums the latest counters of each account, region and phase", () => {
    const tracker = new ProgressTracker();
    tracker.update(event({ done: 0, total: 10 }));
    tracker.update(event({ region: "eu-west-1", done: 2, total: 5 }));
    tracker.update({ phase: "iam", accountId: "111122223333", done: 1, total: 3, message: "" });
    expect(tracker.update(event({ done: 4, total: 12 }))).toEqual({ done: 7, total: 20 });
  });

  it("ignores done events and never lets done exceed total", () => {
    const tracker = new ProgressTracker();
    tracker.update(event({ done: 9, total: 3 }));
    expect(tracker.update(event({ phase: "done", done: 1, total: 1 }))).toEqual({ done: 3, total: 3 });
  });
});

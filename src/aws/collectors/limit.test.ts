import { describe, expect, it } from "vitest";
import { concurrencyLimit, DeadlineError, withDeadline } from "./limit.js";

/** A call that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    release: () => release(),
    run: async () => {
      log.push(name);
      await done;
      return name;
    },
  };
}

describe("concurrencyLimit", () => {
  it("never runs more than its concurrency; queued calls start in order, urgent ones first", async () => {
    const limit = concurrencyLimit(2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const call = (name: string) => async () => {
      started.push(name);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return name;
    };
    const a = gate(started, "a");
    const b = gate(started, "b");
    const first = [limit(a.run), limit(b.run)];
    const queued = [
      limit(call("n1")),
      limit(call("n2")),
      limit(call("u1"), { urgent: true }),
      limit(call("n3")),
      limit(call("u2"), { urgent: true }),
    ];
    expect(started).toEqual(["a", "b"]);
    a.release();
    b.release();
    expect(await Promise.all([...first, ...queued])).toEqual(["a", "b", "n1", "n2", "u1", "n3", "u2"]);
    expect(started).toEqual(["a", "b", "u1", "u2", "n1", "n2", "n3"]);
    expect(most).toBeLessThanOrEqual(2);
  });

  it("refuses a queued call once the scan is cancelled, and lets the one in flight finish", async () => {
    const cancel = new AbortController();
    const limit = concurrencyLimit(1, cancel.signal);
    const started: string[] = [];
    const inFlight = gate(started, "in flight");
    const running = limit(inFlight.run);
    const queued = limit(async () => "never");
    cancel.abort(new Error("scan cancelled"));
    inFlight.release();
    await expect(running).resolves.toBe("in flight");
    await expect(queued).rejects.toThrow("scan cancelled");
  });

  it("keeps urgency through the deadline wrapper", async () => {
    const deadline = new AbortController();
    const limit = withDeadline(concurrencyLimit(1), deadline.signal, () => "the deadline passed");
    const started: string[] = [];
    const blocker = gate(started, "blocker");
    const all = [
      limit(blocker.run),
      limit(async () => started.push("normal")),
      limit(async () => started.push("urgent"), { urgent: true }),
    ];
    blocker.release();
    await Promise.all(all);
    expect(started).toEqual(["blocker", "urgent", "normal"]);
    deadline.abort();
    await expect(limit(async () => "late")).rejects.toBeInstanceOf(DeadlineError);
  });
});

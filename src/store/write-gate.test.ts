import { describe, expect, it } from "vitest";
import { WriteGate } from "./write-gate.js";

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("the write gate between delivery claims and a scan commit", () => {
  it("holds a commit's next transaction while a claim is pending, across views of the same shared memory", async () => {
    const claims = new WriteGate();
    const commit = new WriteGate(claims.buffer); // the worker thread's view
    let release!: () => void;
    const claim = claims.priority(() => new Promise<void>((resolve) => (release = resolve)));
    let cleared = false;
    const next = commit.clear(60_000).then(() => {
      cleared = true;
    });
    await turns(20);
    expect(cleared).toBe(false);
    release();
    await claim;
    await next;
    expect(cleared).toBe(true);
  });

  it("never holds a commit longer than its bound, and counts a failed claim as done", async () => {
    const gate = new WriteGate();
    const stuck = gate.priority(() => new Promise<void>(() => {}));
    await gate.clear(0);
    await expect(gate.priority(() => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
    void stuck;
  });
});

import { describe, expect, it } from "vitest";
import type { ScanProgress } from "./progress.js";
import { ScanCoordinator, scopeKey } from "./scan-coordinator.js";
import type { ScanSummary } from "./scan-summary.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const scope = { accounts: [{ id: "123456789012" }], regions: ["us-east-1", "eu-west-1"] };

describe("ScanCoordinator", () => {
  it("joins a second request for the same scope and runs the scan once", async () => {
    const gate = deferred<ScanSummary>();
    let runs = 0;
    let emit: ((e: ScanProgress) => void) | undefined;
    const coordinator = new ScanCoordinator(async ({ onProgress }) => {
      runs += 1;
      emit = onProgress;
      return gate.promise;
    });
    const first = coordinator.start(scope, { kind: "cli", user: "a" });
    const second = coordinator.start(
      { accounts: [{ id: "123456789012" }], regions: ["eu-west-1", "us-east-1"] },
      { kind: "cli", user: "b" },
    );
    expect(first.joined).toBe(false);
    expect(second.joined).toBe(true);
    expect(second.id).toBe(first.id);
    const seen: number[] = [];
    second.onProgress((e) => seen.push(e.done));
    emit?.({ phase: "forecast", accountId: "123456789012", done: 3, total: 10, message: "" });
    expect(seen).toEqual([3]);
    expect(coordinator.running()).toHaveLength(1);
    gate.resolve({ scanId: first.id } as ScanSummary);
    await expect(second.done).resolves.toMatchObject({ scanId: first.id });
    expect(runs).toBe(1);
    expect(coordinator.running()).toHaveLength(0);
  });

  it("starts a new scan once the previous one has failed, and passes the failure to every joiner", async () => {
    const coordinator = new ScanCoordinator(async () => {
      throw new Error("boom");
    });
    const first = coordinator.start(scope, { kind: "cli", user: "a" });
    await expect(first.done).rejects.toThrow("boom");
    const again = coordinator.start(scope, { kind: "cli", user: "a" });
    expect(again.joined).toBe(false);
    await expect(again.done).rejects.toThrow("boom");
  });

  it("keys scopes independently of order", () => {
    expect(scopeKey(scope)).toBe(
      scopeKey({ accounts: [{ id: "123456789012" }], regions: ["eu-west-1", "us-east-1"] }),
    );
    expect(scopeKey({ accounts: [], regions: ["us-east-1"] })).toBe("current|us-east-1");
  });
});

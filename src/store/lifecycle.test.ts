import { describe, expect, it } from "vitest";
import type { Finding } from "../domain/finding.js";
import { findingId, findingKey } from "../domain/finding.js";
import { applyScan, dedupeResults, type FindingState, nextLifecycle, scopeCovers } from "./lifecycle.js";
import type { Lifecycle } from "./types.js";

const scope = { accounts: ["111111111111"], regions: ["us-east-1"], controls: ["c1"] };

function result(resource: string, status: Finding["status"], over: Partial<Finding> = {}): Finding {
  return {
    controlId: "c1",
    status,
    severity: "high",
    accountId: "111111111111",
    region: "us-east-1",
    resourceArn: `arn:${resource}`,
    resourceType: "s3-bucket",
    title: "T",
    detail: `${status}.`,
    ...over,
  };
}

function stored(
  resource: string,
  lifecycle: Lifecycle,
  observedAt = "2026-01-01T00:00:00.000Z",
): FindingState {
  const f = result(resource, lifecycle === "passing" ? "PASS" : "FAIL");
  return {
    ...f,
    key: findingKey(f),
    id: findingId(f),
    lifecycle,
    firstSeenAt: observedAt,
    lastSeenAt: observedAt,
    changedAt: observedAt,
    lastScanId: "s0",
    observedAt,
  };
}

const T1 = "2026-01-02T00:00:00.000Z";
const T2 = "2026-01-02T00:05:00.000Z";

describe("nextLifecycle", () => {
  it.each([
    [undefined, "FAIL", "new"],
    [undefined, "PASS", "passing"],
    [undefined, "ERROR", "unevaluated"],
    ["new", "FAIL", "open"],
    ["open", "FAIL", undefined],
    ["reopened", "FAIL", "open"],
    ["new", "PASS", "resolved"],
    ["open", "missing", "resolved"],
    ["resolved", "FAIL", "reopened"],
    ["resolved", "PASS", undefined],
    ["resolved", "missing", undefined],
    ["passing", "FAIL", "new"],
    ["passing", "missing", undefined],
    ["unevaluated", "PASS", "passing"],
    ["unevaluated", "FAIL", "new"],
    ["open", "ERROR", undefined],
    ["resolved", "ERROR", undefined],
    ["new", "ERROR", undefined],
  ] as const)("%s + %s → %s", (from, seen, to) => {
    expect(nextLifecycle(from, seen)?.to).toBe(to);
  });

  it("says why a finding resolved", () => {
    expect(nextLifecycle("open", "PASS")?.reason).toBe("pass");
    expect(nextLifecycle("open", "missing")?.reason).toBe("gone");
  });
});

describe("dedupeResults", () => {
  it("keeps the worst status for a key reported twice", () => {
    const out = dedupeResults([result("a", "PASS"), result("a", "FAIL"), result("a", "ERROR")]);
    expect([...out.values()].map((f) => f.status)).toEqual(["FAIL"]);
  });
});

describe("scopeCovers", () => {
  it("covers global findings from any region of the account", () => {
    expect(scopeCovers(scope, { controlId: "c1", accountId: "111111111111", region: "global" })).toBe(true);
    expect(scopeCovers(scope, { controlId: "c1", accountId: "111111111111", region: "eu-west-1" })).toBe(
      false,
    );
    expect(scopeCovers(scope, { controlId: "c2", accountId: "111111111111", region: "us-east-1" })).toBe(
      false,
    );
    expect(scopeCovers(scope, { controlId: "c1", accountId: "222222222222", region: "us-east-1" })).toBe(
      false,
    );
  });
});

describe("applyScan", () => {
  const base = { scanId: "s1", scope, observedAt: T1, at: T2 };

  it("resolves a failing finding missing from a covering scan, and stamps the commit time", () => {
    const old = stored("gone", "open");
    const out = applyScan({ ...base, results: [], existing: new Map([[old.key, old]]) });
    expect(out.changes).toEqual([{ key: old.key, from: "open", to: "resolved", reason: "gone" }]);
    expect(out.upserts[0]).toMatchObject({
      lifecycle: "resolved",
      resolvedAt: T2,
      observedAt: T1,
      lastScanId: "s1",
    });
    expect(out.counts.resolved).toBe(1);
  });

  it("leaves a missing finding alone when its control errored in the same account and region", () => {
    const old = stored("gone", "open");
    const out = applyScan({ ...base, results: [result("*", "ERROR")], existing: new Map([[old.key, old]]) });
    expect(out.changes.map((c) => c.to)).toEqual(["unevaluated"]);
    expect(out.covered).not.toContain("c1|111111111111|us-east-1");
    expect(out.covered).toContain("c1|111111111111|global");
  });

  it("ignores results for findings a later-started scan already evaluated or saw gone", () => {
    const newer = stored("x", "resolved", "2026-01-03T00:00:00.000Z");
    const out = applyScan({
      ...base,
      results: [result("x", "FAIL"), result("y", "FAIL")],
      existing: new Map([[newer.key, newer]]),
      coverage: new Map([["c1|111111111111|us-east-1", "2026-01-03T00:00:00.000Z"]]),
    });
    expect(out.upserts).toEqual([]);
    expect(out.changes).toEqual([]);
    expect(out.counts.fail).toBe(2);
  });

  it("keeps the last PASS/FAIL detail when the control errors, and records the error", () => {
    const old = stored("a", "open");
    const error = { code: "AccessDenied", message: "no", action: "s3:GetBucketPolicy" };
    const out = applyScan({
      ...base,
      results: [result("a", "ERROR", { error, detail: "Could not." })],
      existing: new Map([[old.key, old]]),
    });
    expect(out.upserts[0]).toMatchObject({
      lifecycle: "open",
      status: "ERROR",
      detail: "FAIL.",
      error,
      lastErrorAt: T2,
    });
    expect(out.changes).toEqual([]);
  });

  it("clears the resolution when a finding fails again, and the remediation follows the latest result", () => {
    const old = { ...stored("a", "resolved"), resolvedAt: T1, resolvedReason: "pass" as const };
    const out = applyScan({
      ...base,
      results: [result("a", "FAIL", { remediationId: "fix" })],
      existing: new Map([[old.key, old]]),
    });
    expect(out.upserts[0]).toMatchObject({ lifecycle: "reopened", remediationId: "fix", lastFailedAt: T2 });
    expect(out.upserts[0]?.resolvedAt).toBeUndefined();
    expect(out.counts).toMatchObject({ reopened: 1, fail: 1 });
    expect(out.counts.failBySeverity.high).toBe(1);
  });
});

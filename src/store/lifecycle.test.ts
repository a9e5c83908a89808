import { describe, expect, it } from "vitest";
import type { NotApplicable } from "../domain/control.js";
import type { AccountEvidence } from "../domain/evidence.js";
import type { Finding } from "../domain/finding.js";
import { findingId, findingKey } from "../domain/finding.js";
import {
  applyScan,
  CHANGES_KEPT,
  createScanApplier,
  dedupeResults,
  type FindingState,
  nextLifecycle,
  scopeCovers,
} from "./lifecycle.js";
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
    ["open", "not-applicable", "resolved"],
    ["passing", "not-applicable", undefined],
    ["resolved", "not-applicable", undefined],
  ] as const)("%s + %s → %s", (from, seen, to) => {
    expect(nextLifecycle(from, seen)?.to).toBe(to);
  });

  it("says why a finding resolved", () => {
    expect(nextLifecycle("open", "PASS")?.reason).toBe("pass");
    expect(nextLifecycle("open", "missing")?.reason).toBe("gone");
    expect(nextLifecycle("new", "not-applicable")?.reason).toBe("not-applicable");
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

describe("applyScan on evidence", () => {
  const ACCOUNT = "111111111111";
  const base = { scanId: "s1", scope, observedAt: T1, at: T2 };
  const evidence = (over: Partial<AccountEvidence> = {}): AccountEvidence[] => [
    { accountId: ACCOUNT, incomplete: {}, seen: [], reach: {}, notApplicable: [], ...over },
  ];
  const checked = (f: FindingState): FindingState => ({ ...f, checkedAt: "2026-01-01T00:00:00.000Z" });

  it("resolves a failing finding as gone only when its scope was read completely and its resource was not seen", () => {
    const old = checked(stored("gone", "open"));
    const out = applyScan({
      ...base,
      results: [],
      existing: new Map([[old.key, old]]),
      evidence: evidence(),
    });
    expect(out.changes).toEqual([{ key: old.key, from: "open", to: "resolved", reason: "gone" }]);
    expect(out.upserts[0]?.notRecheckedSince).toBeUndefined();
  });

  it("keeps a failing finding whose scope was incomplete, marked not re-checked since its last evaluation", () => {
    const old = checked(stored("hidden", "open"));
    const out = applyScan({
      ...base,
      results: [],
      existing: new Map([[old.key, old]]),
      evidence: evidence({ incomplete: { c1: ["us-east-1"] } }),
    });
    expect(out.changes).toEqual([]);
    expect(out.upserts).toEqual([{ ...old, notRecheckedSince: "2026-01-01T00:00:00.000Z" }]);
    expect(out.covered).not.toContain(`c1|${ACCOUNT}|us-east-1`);
    expect(out.covered).toContain(`c1|${ACCOUNT}|global`);
  });

  it("never takes a control's silence about a resource the scan saw for its disappearance", () => {
    const old = checked(stored("quiet", "open"));
    const out = applyScan({
      ...base,
      results: [],
      existing: new Map([[old.key, old]]),
      evidence: evidence({ seen: [old.resourceArn] }),
    });
    expect(out.changes).toEqual([]);
    expect(out.upserts[0]?.notRecheckedSince).toBe("2026-01-01T00:00:00.000Z");
  });

  it("never resolves a finding about a region or the account by absence", () => {
    const region = checked(stored("x", "open"));
    const scopeFinding = {
      ...region,
      resourceArn: "arn:aws:forecast:us-east-1:111111111111:*",
      key: "k-scope",
    };
    const root = {
      ...region,
      resourceArn: "arn:aws:iam::111111111111:root",
      region: "global",
      key: "k-root",
    };
    const out = applyScan({
      ...base,
      results: [],
      existing: new Map([
        [scopeFinding.key, scopeFinding],
        [root.key, root],
      ]),
      evidence: evidence(),
    });
    expect(out.changes).toEqual([]);
  });

  it("resolves as not applicable what the control says no longer applies", () => {
    const old = checked(stored("user", "open"));
    const na: NotApplicable = {
      controlId: "c1",
      status: "N/A",
      severity: "high",
      title: "T",
      accountId: ACCOUNT,
      region: "us-east-1",
      resourceArn: old.resourceArn,
      resourceType: "s3-bucket",
      detail: "No longer applies.",
    };
    const out = applyScan({
      ...base,
      results: [],
      existing: new Map([[old.key, old]]),
      evidence: evidence({ seen: [old.resourceArn], notApplicable: [na], incomplete: { c1: ["us-east-1"] } }),
    });
    expect(out.changes).toEqual([{ key: old.key, from: "open", to: "resolved", reason: "not-applicable" }]);
    expect(out.upserts[0]).toMatchObject({ resolvedReason: "not-applicable", resolvedAt: T2 });
  });

  it("marks a finding that came back ERROR as not re-checked, and clears the mark when it is evaluated again", () => {
    const old = checked(stored("a", "open"));
    const error = { code: "Timeout", message: "deadline", action: "kms:DescribeKey" };
    const first = applyScan({
      ...base,
      results: [result("a", "ERROR", { error })],
      existing: new Map([[old.key, old]]),
      evidence: evidence(),
    });
    const kept = first.upserts[0];
    expect(kept).toMatchObject({
      lifecycle: "open",
      status: "ERROR",
      notRecheckedSince: old.checkedAt,
      checkedAt: old.checkedAt,
    });
    if (!kept) throw new Error("no upsert");
    const second = applyScan({
      ...base,
      scanId: "s2",
      observedAt: "2026-01-03T00:00:00.000Z",
      at: "2026-01-03T00:05:00.000Z",
      results: [result("a", "FAIL")],
      existing: new Map([[kept.key, kept]]),
      evidence: evidence(),
    });
    expect(second.upserts[0]?.notRecheckedSince).toBeUndefined();
    expect(second.upserts[0]?.checkedAt).toBe("2026-01-03T00:05:00.000Z");
  });

  it("judges a referenced resource by the regions that lead to it, wherever it lives", () => {
    // A bucket in us-east-1 that only a Forecast export in eu-west-1 references.
    const bucket = { ...checked(stored("bucket", "open")), scopeRegions: ["eu-west-1"] };
    const existing = new Map([[bucket.key, bucket]]);
    // A scan of us-east-1 alone cannot tell whether eu-west-1 still references it: not its business.
    const elsewhere = applyScan({ ...base, results: [], existing, evidence: evidence() });
    expect(elsewhere.upserts).toEqual([]);
    const both = { accounts: [ACCOUNT], regions: ["eu-west-1", "us-east-1"], controls: ["c1"] };
    // eu-west-1 scanned but its listings failed: kept and marked.
    const incomplete = applyScan({
      ...base,
      scope: both,
      results: [],
      existing,
      evidence: evidence({ incomplete: { c1: ["eu-west-1"] } }),
    });
    expect(incomplete.changes).toEqual([]);
    expect(incomplete.upserts[0]?.notRecheckedSince).toBe(bucket.checkedAt);
    // eu-west-1 read completely, nothing references it any more: gone.
    const gone = applyScan({ ...base, scope: both, results: [], existing, evidence: evidence() });
    expect(gone.changes).toEqual([{ key: bucket.key, from: "open", to: "resolved", reason: "gone" }]);
  });

  it("stores the regions a referenced resource was reached from", () => {
    const finding = result("bucket", "FAIL");
    const out = applyScan({
      ...base,
      results: [finding],
      existing: new Map(),
      evidence: evidence({ reach: { [finding.resourceArn]: ["eu-west-1"] } }),
    });
    expect(out.upserts[0]?.scopeRegions).toEqual(["eu-west-1"]);
  });

  it("keeps a critical FAIL when the listing that leads to its key failed (DescribeAutoPredictor denied)", () => {
    const key = {
      ...checked(stored("key", "open")),
      controlId: "kms-key-not-pending-deletion",
      severity: "critical" as const,
      scopeRegions: ["us-east-1"],
    };
    const out = applyScan({
      ...base,
      scope: { ...scope, controls: ["kms-key-not-pending-deletion"] },
      results: [
        result("scope", "ERROR", {
          controlId: "kms-key-not-pending-deletion",
          resourceArn: "arn:aws:kms:us-east-1:111111111111:*",
          error: {
            code: "AccessDeniedException",
            message: "denied",
            action: "forecast:DescribeAutoPredictor",
          },
        }),
      ],
      existing: new Map([[key.key, key]]),
      evidence: evidence({ incomplete: { "kms-key-not-pending-deletion": ["us-east-1"] } }),
    });
    expect(out.changes.filter((c) => c.to === "resolved")).toEqual([]);
    expect(out.upserts.find((u) => u.key === key.key)).toMatchObject({
      lifecycle: "open",
      notRecheckedSince: key.checkedAt,
    });
  });
});

describe("the lifecycle changes a scan hands back", () => {
  it("keeps the first CHANGES_KEPT and counts every one (a first scan changes every finding)", () => {
    const applier = createScanApplier({ scanId: "s1", scope, observedAt: T1, at: T2 });
    const total = CHANGES_KEPT + 25;
    for (let i = 0; i < total; i++) {
      const f = result(`r${i}`, i % 2 === 0 ? "FAIL" : "PASS");
      applier.result(findingKey(f), f, undefined);
    }
    expect(applier.changeCount).toBe(total);
    expect(applier.changes).toHaveLength(CHANGES_KEPT);
    expect(applier.changes[0]).toEqual({ key: findingKey(result("r0", "FAIL")), from: null, to: "new" });
    expect(applier.counts.new).toBe(Math.ceil(total / 2));
  });
});

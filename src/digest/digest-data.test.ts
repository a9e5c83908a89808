import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ACCOUNT_A,
  ACCOUNT_B,
  ACCOUNTS,
  DIGEST_AT,
  KEYS,
  PREVIOUS_DIGEST_AT,
  seedDigestHistory,
  TestClock,
  UNREACHABLE_MESSAGE,
} from "../../test/support/digest-fixtures.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { assembleDigest, buildDigestData, digestAccounts, parseScanReport } from "./digest-data.js";

let store: Store;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock("2026-02-27T00:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
});
afterEach(async () => {
  await store.close();
});

describe("buildDigestData over a seeded history", () => {
  it("says exactly what is new, resolved, still failing and trending since the previous digest", async () => {
    const { requestId, suppressionId } = await seedDigestHistory(store, clock);
    const data = await buildDigestData(store, {
      asOf: new Date(DIGEST_AT),
      since: new Date(PREVIOUS_DIGEST_AT),
      sinceKind: "previous-digest",
      accounts: ACCOUNTS,
    });

    expect(data.asOf).toBe(DIGEST_AT);
    expect(data.since).toBe(PREVIOUS_DIGEST_AT);
    expect(data.totals).toEqual({ critical: 1, high: 1, medium: 1, low: 1 });
    expect(data.posture).toEqual([
      {
        accountId: ACCOUNT_A,
        accountName: "prod",
        counts: { critical: 1, high: 1, medium: 1, low: 1 },
        total: 4,
      },
      {
        accountId: ACCOUNT_B,
        accountName: "staging",
        counts: { critical: 0, high: 0, medium: 0, low: 0 },
        total: 0,
      },
    ]);
    expect(data.trend.map((p) => [p.day, p.total])).toEqual([
      ["2026-02-24", 0],
      ["2026-02-25", 0],
      ["2026-02-26", 0],
      ["2026-02-27", 2],
      ["2026-02-28", 2],
      ["2026-03-01", 3],
      ["2026-03-02", 4],
    ]);
    expect(data.newFindings.map((f) => f.key)).toEqual([KEYS.f, KEYS.d]);
    expect(data.resolved.map((f) => f.key)).toEqual([KEYS.b]);
    expect(data.resolved[0]?.resolvedAt).toBe("2026-03-02T08:30:00.000Z");
    // The new high finding is listed as new, not again as still failing.
    expect(data.stillFailing.map((f) => f.key)).toEqual([KEYS.a]);
    expect(data.pendingApprovals).toEqual([
      {
        id: requestId,
        remediationId: "s3-bucket-enforce-tls",
        controlId: "s3-bucket-tls-enforced",
        accountId: ACCOUNT_A,
        region: "us-east-1",
        resourceArn: "arn:aws:s3:::bucket-f",
        requester: "U0BOB",
        createdAt: "2026-03-02T08:45:00.000Z",
        expiresAt: "2026-03-03T08:45:00.000Z",
      },
    ]);
    expect(data.expiringSuppressions).toEqual([
      {
        id: suppressionId,
        controlId: "s3-bucket-tls-enforced",
        resourcePattern: "arn:aws:s3:::archive-*",
        reason: "accepted until the migration",
        createdBy: "slack:U0ALICE",
        expiresAt: "2026-03-05T00:00:00.000Z",
      },
    ]);
    expect(data.scanProblems).toHaveLength(1);
    expect(data.scanProblems[0]?.unscanned).toEqual([
      { accountId: ACCOUNT_B, code: "AccessDenied", action: "sts:AssumeRole", message: UNREACHABLE_MESSAGE },
    ]);
    // The unreachable account is reported once, as unscanned; its ERROR checks do not repeat it.
    expect(data.missingPermissions).toEqual([
      {
        accountId: ACCOUNT_A,
        action: "kms:GetKeyRotationStatus",
        code: "AccessDeniedException",
        checks: 1,
        regions: ["us-east-1"],
      },
    ]);
    expect(data.lastScan).toMatchObject({ outcome: "partial", finishedAt: "2026-03-02T08:30:00.000Z" });
  });

  it("counts everything in the window as new when the window starts before the first scan", async () => {
    await seedDigestHistory(store, clock);
    const data = await buildDigestData(store, {
      asOf: new Date(DIGEST_AT),
      since: new Date("2026-02-01T00:00:00.000Z"),
      sinceKind: "default-window",
      accounts: ACCOUNTS,
    });
    expect(data.newFindings.map((f) => f.key).sort()).toEqual([KEYS.a, KEYS.c, KEYS.d, KEYS.f].sort());
    expect(data.stillFailing).toEqual([]);
  });
});

describe("assembleDigest", () => {
  it("lists configured accounts with nothing failing and orders the worst first", () => {
    const data = assembleDigest({
      asOf: DIGEST_AT,
      since: PREVIOUS_DIGEST_AT,
      sinceKind: "previous-digest",
      accounts: [{ id: "333333333333" }, { id: ACCOUNT_A }],
      posture: [
        { accountId: ACCOUNT_B, region: "us-east-1", severity: "high", count: 2 },
        { accountId: ACCOUNT_A, region: "us-east-1", severity: "critical", count: 1 },
        { accountId: ACCOUNT_A, region: "eu-west-1", severity: "critical", count: 1 },
      ],
      trend: [],
      newSince: [],
      resolvedSince: [],
      failingHigh: [],
      errored: [],
      pending: [],
      expiring: [],
      scanAudit: [],
      lastScan: undefined,
    });
    expect(data.posture.map((p) => [p.accountId, p.total])).toEqual([
      [ACCOUNT_A, 2],
      [ACCOUNT_B, 2],
      ["333333333333", 0],
    ]);
    expect(data.lastScan).toBeUndefined();
  });

  it("groups the accounts of an organization by OU, the worst OU first, with how many accounts fail", () => {
    const base = {
      asOf: DIGEST_AT,
      since: PREVIOUS_DIGEST_AT,
      sinceKind: "previous-digest" as const,
      trend: [],
      newSince: [],
      resolvedSince: [],
      failingHigh: [],
      errored: [],
      pending: [],
      expiring: [],
      scanAudit: [],
      lastScan: undefined,
    };
    const accounts = digestAccounts(
      [{ id: "100000000001", name: "shop (configured)" }],
      [
        {
          accountId: "100000000001",
          name: "shop",
          ouPath: "Root/Prod",
          source: "organization",
          seenAt: DIGEST_AT,
        },
        {
          accountId: "100000000002",
          name: "ledger",
          ouPath: "Root/Prod/Payments",
          source: "organization",
          seenAt: DIGEST_AT,
        },
        {
          accountId: "100000000003",
          name: "cards",
          ouPath: "Root/Prod/Payments",
          source: "organization",
          seenAt: DIGEST_AT,
        },
        {
          accountId: "100000000004",
          name: "sandbox",
          ouPath: "Root/Dev",
          source: "organization",
          seenAt: DIGEST_AT,
        },
      ],
    );
    const data = assembleDigest({
      ...base,
      accounts,
      posture: [
        { accountId: "100000000001", region: "us-east-1", severity: "high", count: 5 },
        { accountId: "100000000002", region: "us-east-1", severity: "critical", count: 1 },
        { accountId: "100000000004", region: "us-east-1", severity: "low", count: 9 },
      ],
    });
    expect(data.ouPosture).toEqual([
      {
        ouPath: "Prod/Payments",
        counts: { critical: 1, high: 0, medium: 0, low: 0 },
        total: 1,
        accounts: 2,
        failingAccounts: 1,
      },
      {
        ouPath: "Prod",
        counts: { critical: 0, high: 5, medium: 0, low: 0 },
        total: 5,
        accounts: 1,
        failingAccounts: 1,
      },
      {
        ouPath: "Dev",
        counts: { critical: 0, high: 0, medium: 0, low: 9 },
        total: 9,
        accounts: 1,
        failingAccounts: 1,
      },
    ]);
    // The configured name wins; the directory adds where the account sits.
    expect(data.posture.find((p) => p.accountId === "100000000001")).toMatchObject({
      accountName: "shop (configured)",
      ouPath: "Prod",
    });
    expect(data.posture.find((p) => p.accountId === "100000000003")).toMatchObject({
      accountName: "cards",
      total: 0,
    });
  });

  it("reads back only well-formed scan reports", () => {
    expect(parseScanReport({ detail: { slot: "x" } })).toBeUndefined();
    expect(parseScanReport({ detail: "nonsense" })).toBeUndefined();
    expect(
      parseScanReport({
        detail: {
          slot: "2026-03-02T08:30:00.000Z",
          finishedAt: "2026-03-02T08:31:00.000Z",
          outcome: "failed",
          accounts: [ACCOUNT_A, 42],
          unscanned: [{ accountId: 1 }],
          error: "boom",
        },
      }),
    ).toEqual({
      slot: "2026-03-02T08:30:00.000Z",
      finishedAt: "2026-03-02T08:31:00.000Z",
      outcome: "failed",
      accounts: [ACCOUNT_A],
      unscanned: [],
      error: "boom",
    });
  });
});

describe("work that did not complete", () => {
  it("reads dead-lettered jobs and interrupted scans recorded since the last digest from the audit log, newest first", async () => {
    await seedDigestHistory(store, clock);
    const at = async (iso: string, entry: Parameters<Store["appendAudit"]>[0]) => {
      clock.set(iso);
      await store.appendAudit(entry);
    };
    // Before `since`: already reported by the previous digest.
    await at("2026-03-01T08:00:00.000Z", {
      actor: "queue",
      action: "job.dead-lettered",
      target: "job-old",
      detail: { kind: "scan-account", jobId: "job-old", attempts: 3, error: "old" },
    });
    await at("2026-03-01T10:00:00.000Z", {
      actor: "queue",
      action: "job.dead-lettered",
      target: "job-1",
      detail: {
        kind: "scan-account",
        jobId: "job-1",
        slot: "2026-03-01T09:30:00.000Z",
        accountId: ACCOUNT_B,
        region: "eu-west-1",
        attempts: 5,
        error: "AccessDenied <!channel>",
      },
    });
    await at("2026-03-01T11:00:00.000Z", {
      actor: "scan",
      action: "scan.interrupted",
      target: "scan-42",
      detail: { reason: "the replica stopped" },
    });
    // Malformed: skipped, never trusted blindly.
    await at("2026-03-01T12:00:00.000Z", {
      actor: "queue",
      action: "job.dead-lettered",
      target: "x",
      detail: { attempts: "many" },
    });
    await at("2026-03-01T12:30:00.000Z", { actor: "scan", action: "scan.interrupted" });
    clock.set(DIGEST_AT);
    const data = await buildDigestData(store, {
      asOf: new Date(DIGEST_AT),
      since: new Date(PREVIOUS_DIGEST_AT),
      sinceKind: "previous-digest",
      accounts: ACCOUNTS,
    });
    expect(data.incompleteWork).toEqual([
      { kind: "scan", at: "2026-03-01T11:00:00.000Z", scanId: "scan-42", reason: "the replica stopped" },
      {
        kind: "job",
        at: "2026-03-01T10:00:00.000Z",
        jobKind: "scan-account",
        jobId: "job-1",
        slot: "2026-03-01T09:30:00.000Z",
        accountId: ACCOUNT_B,
        region: "eu-west-1",
        attempts: 5,
        error: "AccessDenied <!channel>",
      },
    ]);
    expect(data.incompleteWorkTruncated).toBeUndefined();
  });
});

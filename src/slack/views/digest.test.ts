import { describe, expect, it } from "vitest";
import type { DigestData, DigestFinding, IncompleteWork } from "../../digest/digest-data.js";
import { findingId } from "../../domain/finding.js";
import { SEVERITIES } from "../../domain/severity.js";
import { checkMessage } from "../limits.js";
import { MAX_THREAD_PAGES, renderDigest } from "./digest.js";

const EVIL = "<!channel> <@U1> <https://evil.example|click> alice@example.com <!here> <#C999>";

function finding(i: number, text = ""): DigestFinding {
  return {
    key: `s3-bucket-tls-enforced|1111111111${String(i % 100).padStart(2, "0")}|us-east-1|arn:aws:s3:::bucket-${i}`,
    controlId: "s3-bucket-tls-enforced",
    accountId: `1111111111${String(i % 100).padStart(2, "0")}`,
    accountName: `acct-${i % 100}${text}`,
    region: "us-east-1",
    resourceArn: `arn:aws:s3:::bucket-${i}${text}`,
    severity: SEVERITIES[i % 4] ?? "low",
    title: `Bucket policy does not deny plain HTTP ${i}${text}`,
    status: "FAIL",
    firstSeenAt: "2026-03-01T09:00:00.000Z",
  };
}

function digestOf(n: number, text = ""): DigestData {
  const findings = Array.from({ length: n }, (_, i) => finding(i, text));
  const accounts = Math.min(100, Math.max(1, Math.ceil(n / 10)));
  return {
    asOf: "2026-03-02T09:00:00.000Z",
    since: "2026-03-01T09:00:00.000Z",
    sinceKind: "previous-digest",
    posture: Array.from({ length: accounts }, (_, i) => ({
      accountId: `1111111111${String(i).padStart(2, "0")}`,
      accountName: `prod-${i}${text}`,
      ouPath: `Prod/Team-${i % 12}${text}`,
      counts: { critical: 1, high: 2, medium: 3, low: 4 },
      total: 10,
    })),
    ouPosture: Array.from({ length: Math.min(12, accounts) }, (_, i) => ({
      ouPath: `Prod/Team-${i}${text}`,
      counts: { critical: 12 - i, high: 2, medium: 0, low: 0 },
      total: 14 - i,
      accounts: 9,
      failingAccounts: i === 0 ? 9 : 1,
    })),
    totals: { critical: n, high: n, medium: n, low: n },
    trend: ["24", "25", "26", "27", "28", "01", "02"].map((d, i) => ({
      day: `2026-${i < 5 ? "02" : "03"}-${d}`,
      total: n + 6 - i,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
    })),
    newFindings: findings,
    resolved: findings.map((f) => ({
      ...f,
      status: "PASS" as const,
      resolvedAt: "2026-03-02T08:00:00.000Z",
    })),
    stillFailing: findings,
    pendingApprovals: findings.map((f, i) => ({
      id: `req-${i}`,
      remediationId: `s3-bucket-enforce-tls${text}`,
      controlId: f.controlId,
      accountId: f.accountId,
      region: f.region,
      resourceArn: f.resourceArn,
      requester: `U0BOB${text}`,
      createdAt: "2026-03-01T10:00:00.000Z",
      expiresAt: "2026-03-03T10:00:00.000Z",
    })),
    expiringSuppressions: findings.map((f, i) => ({
      id: `sup-${i}`,
      findingKey: f.key,
      reason: `accepted risk ${text}`,
      createdBy: `slack:U0ALICE${text}`,
      expiresAt: "2026-03-05T00:00:00.000Z",
    })),
    scanProblems:
      n === 0
        ? []
        : [
            {
              slot: "2026-03-02T08:30:00.000Z",
              finishedAt: "2026-03-02T08:40:00.000Z",
              outcome: "partial",
              accounts: ["111111111100", "222222222222"],
              unscanned: [
                {
                  accountId: "222222222222",
                  code: "AccessDenied",
                  action: "sts:AssumeRole",
                  message: `Account 222222222222 could not be scanned: sts:AssumeRole was denied${text}`,
                },
              ],
            },
          ],
    missingPermissions: findings.slice(0, 20).map((f, i) => ({
      accountId: f.accountId,
      action: `kms:GetKeyRotationStatus${i}${text}`,
      code: "AccessDeniedException",
      checks: 3,
      regions: ["us-east-1"],
    })),
    incompleteWork: incompleteWorkOf(Math.min(n, 60), text),
    lastScan: {
      id: "scan-1",
      finishedAt: "2026-03-02T08:40:00.000Z",
      outcome: "partial",
      trigger: "schedule",
    },
  };
}

/** Dead-lettered jobs and interrupted scans, alternating, newest first. */
function incompleteWorkOf(n: number, text = ""): IncompleteWork[] {
  return Array.from({ length: n }, (_, i): IncompleteWork => {
    const at = new Date(Date.parse("2026-03-02T08:59:00.000Z") - i * 60_000).toISOString();
    return i % 2 === 0
      ? {
          kind: "job",
          at,
          jobKind: `scan-account${text}`,
          jobId: `job-${i}`,
          slot: "2026-03-02T08:30:00.000Z",
          accountId: "111111111100",
          region: "eu-west-1",
          attempts: 3,
          error: `AccessDenied: not authorized${text}`,
        }
      : { kind: "scan", at, scanId: `scan-${i}`, reason: `the process stopped${text}` };
  });
}

describe("renderDigest within Block Kit limits", () => {
  for (const n of [0, 1, 50, 5000]) {
    it(`keeps the main message and every thread page within limits with ${n} findings per list`, () => {
      const { main, thread } = renderDigest(digestOf(n));
      expect(checkMessage(main)).toEqual([]);
      for (const page of thread) expect(checkMessage(page)).toEqual([]);
      expect(thread.length).toBeLessThanOrEqual(MAX_THREAD_PAGES);
      if (n === 0) expect(thread).toEqual([]);
      else expect(main.blocks.at(-1)).toMatchObject({ type: "context" });
    });
  }

  it("says in the main message how many items each list holds, however many the thread shows", () => {
    const { main, thread } = renderDigest(digestOf(5000));
    const text = JSON.stringify(main.blocks);
    expect(text).toContain("5000 new findings");
    expect(text).toContain("5000 resolved");
    expect(text).toContain("Still failing, critical and high:* 5000");
    expect(text).toContain("Approvals pending:* 5000");
    expect(text).toContain("Full lists in the thread");
    expect(text).toContain("…and 4995 more in the thread");
    expect(thread).toHaveLength(MAX_THREAD_PAGES);
    expect(JSON.stringify(thread.at(-1)?.blocks)).toMatch(/more lines? not shown/);
  });

  it("puts every item in the thread when it fits", () => {
    const { thread } = renderDigest(digestOf(50));
    const all = thread.map((m) => JSON.stringify(m.blocks)).join("\n");
    for (let i = 0; i < 50; i++) expect(all).toContain(`arn:aws:s3:::bucket-${i}\``);
    expect(all).toContain("Approvals pending (50)");
    expect(all).not.toContain("not shown");
  });

  it("reports a clean posture plainly and needs no thread", () => {
    const { main, thread } = renderDigest(digestOf(0));
    expect(thread).toEqual([]);
    expect(main.text).toContain("0 failing");
    expect(JSON.stringify(main.blocks)).toContain("*Failing now:* :white_check_mark: nothing");
    expect(JSON.stringify(main.blocks)).not.toContain("Scan problems");
  });

  it("summarises by OU, the worst first with counts, names accounts by name, and puts the other OUs in the thread", () => {
    const { main, thread } = renderDigest(digestOf(120));
    const text = JSON.stringify(main.blocks);
    expect(text).toContain("By OU (12), the worst first:*");
    expect(text).toContain(
      "*Prod/Team-0* · 9 of 9 accounts failing — :red_circle: 12 critical · :large_orange_circle: 2 high",
    );
    expect(text.indexOf("Prod/Team-0*")).toBeLessThan(text.indexOf("Prod/Team-1*"));
    expect(text).toContain("…and 4 more in the thread");
    expect(text).toContain("`111111111100` (prod-0) · _Prod/Team-0_ —");
    expect(text).toContain("`111111111100` (acct-0) · `us-east-1`");
    const threadText = thread.map((m) => JSON.stringify(m.blocks)).join("\n");
    expect(threadText).toContain("By OU (12)*");
    expect(threadText).toContain("*Prod/Team-11* · 1 of 9 accounts failing");
  });

  it("names the account that could not be scanned, and why", () => {
    const { main } = renderDigest(digestOf(1));
    const text = JSON.stringify(main.blocks);
    expect(text).toContain("`222222222222` could not be scanned");
    expect(text).toContain("sts:AssumeRole was denied");
    expect(main.text).toMatch(/scan problems?/);
  });
});

describe("renderDigest escapes untrusted text", () => {
  for (const n of [1, 50]) {
    it(`forms no mention, link or broadcast, and shows no e-mail address (${n} items)`, () => {
      const { main, thread } = renderDigest(digestOf(n, ` ${EVIL}`));
      for (const message of [main, ...thread]) {
        const text = JSON.stringify(message);
        expect(text).not.toContain("<!channel>");
        expect(text).not.toContain("<!here");
        expect(text).not.toContain("<@U1>");
        expect(text).not.toContain("<#C999>");
        expect(text).not.toContain("<https://evil.example");
        expect(text).not.toContain("alice@example.com");
        expect(text).toContain("&lt;!channel&gt;");
        expect(checkMessage(message)).toEqual([]);
      }
    });
  }
});

describe("work that did not complete", () => {
  it("lists dead-lettered jobs and interrupted scans in the main message, the rest in the thread", () => {
    const { main, thread } = renderDigest(digestOf(20));
    const text = JSON.stringify(main.blocks);
    expect(text).toContain("Work that did not complete since the last digest (2026-03-01 09:00 UTC):* 20");
    expect(text).toContain(
      ":skull: `scan-account` job · `111111111100` · `eu-west-1` · slot 2026-03-02 08:30 UTC gave up after 3 tries (2026-03-02 08:59 UTC): AccessDenied: not authorized · job `job-0`",
    );
    expect(text).toContain(
      ":octagonal_sign: Scan `scan-1` was interrupted (2026-03-02 08:58 UTC): the process stopped",
    );
    expect(text).toContain("…and 15 more in the thread");
    expect(main.text).toContain("20 not completed");
    const threadText = thread.map((m) => JSON.stringify(m.blocks)).join("\n");
    expect(threadText).toContain(
      "Work that did not complete since the last digest (2026-03-01 09:00 UTC) (20)*",
    );
    expect(threadText).toContain("`job-18`");
    expect(threadText).toContain("`scan-19`");
  });

  it("says nothing about it when all work completed", () => {
    const data = { ...digestOf(3), incompleteWork: [] };
    const { main, thread } = renderDigest(data);
    for (const m of [main, ...thread]) expect(JSON.stringify(m)).not.toContain("did not complete");
    expect(main.text).not.toContain("not completed");
  });

  it("says that there was more than it read", () => {
    const data = { ...digestOf(3), incompleteWorkTruncated: true };
    expect(JSON.stringify(renderDigest(data).main.blocks)).toContain(
      "did not complete since the last digest (2026-03-01 09:00 UTC):* 3+",
    );
  });

  it("shows a job with no scope, no slot and one try", () => {
    const data = {
      ...digestOf(0),
      incompleteWork: [
        {
          kind: "job" as const,
          at: "2026-03-02T08:00:00.000Z",
          jobKind: "digest",
          jobId: "j1",
          attempts: 1,
          error: "boom",
        },
      ],
    };
    expect(JSON.stringify(renderDigest(data).main.blocks)).toContain(
      ":skull: `digest` job gave up after 1 try (2026-03-02 08:00 UTC): boom · job `j1`",
    );
  });
});

describe("a still-failing finding that could not be re-checked", () => {
  it("says since when, in the main message or the thread", () => {
    const data = digestOf(1);
    const stale = {
      ...finding(0),
      severity: "critical" as const,
      notRecheckedSince: "2026-02-27T09:00:00.000Z",
    };
    const rendered = renderDigest({ ...data, stillFailing: [stale], newFindings: [], resolved: [] });
    const text = JSON.stringify(rendered);
    expect(text).toContain("not re-checked since 2026-02-27 09:00 UTC");
  });
});

describe("finding ids in the digest", () => {
  it("shows the id of each new and still-failing finding", () => {
    const { main, thread } = renderDigest(digestOf(3));
    const text = JSON.stringify([main, ...thread]);
    for (const f of [finding(0), finding(1), finding(2)]) expect(text).toContain(`\`${findingId(f)}\``);
  });
});

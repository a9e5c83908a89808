/**
 * The digest's reads in SQL give exactly what loading every row and counting in JavaScript gave, on both
 * engines: posture counts, and the new / resolved / still-failing lists (counts, order, LIMIT), with
 * suppressions by key and by resource glob — including ARNs and patterns that hold the characters SQL's LIKE
 * and GLOB treat specially (`%`, `_`, `\`, `?`, `[`) and differ only in case.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../src/domain/finding.js";
import { type Severity, severityRank } from "../../src/domain/severity.js";
import { createKysely } from "../../src/store/connect.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { openStore } from "../../src/store/open-store.js";
import { computeTrend, trendWindowStart } from "../../src/store/trend.js";
import {
  type Engine,
  FAILING_LIFECYCLES,
  type FindingRecord,
  type Lifecycle,
  type PostureRow,
  type ScanScope,
  type Store,
} from "../../src/store/types.js";
import { TestClock } from "../support/digest-fixtures.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

interface Harness {
  engine: Engine;
  available: boolean;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const harnesses: Harness[] = [
  {
    engine: "sqlite",
    available: true,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-aggregates-"));
      return {
        url: `sqlite:${join(dir, "state.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
];

const ACCOUNTS = ["111111111111", "222222222222"];
const REGIONS = ["us-east-1", "eu-west-1"];
const CONTROLS: Array<[string, Severity]> = [
  ["kms-key-not-pending-deletion", "critical"],
  ["s3-bucket-tls-enforced", "high"],
  ["forecast-tags-no-sensitive-data", "high"],
  ["s3-bucket-min-tls-1-2", "medium"],
  ["cloudtrail-log-file-validation", "low"],
];
/** Names that LIKE and GLOB would treat specially, and that differ only in case. */
const NAMES = [
  "plain",
  "Plain",
  "per%cent",
  "perXcent",
  "under_score",
  "underXscore",
  "back\\slash",
  "ques?tion",
  "quesXtion",
  "br[ack]et",
  "brXacket",
  "star*name",
];
const scope: ScanScope = { accounts: ACCOUNTS, regions: REGIONS, controls: CONTROLS.map(([id]) => id) };

function findingsOf(day: number): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  for (const [controlId, severity] of CONTROLS) {
    for (const accountId of ACCOUNTS) {
      for (const region of REGIONS) {
        for (const name of NAMES) {
          i++;
          // Churn: some fail from the start, some start failing or stop failing later.
          const fails = (i + day) % 3 !== 0;
          out.push({
            controlId,
            status: fails ? "FAIL" : "PASS",
            severity,
            accountId,
            region,
            resourceArn: `arn:aws:s3:::${region}-${name}`,
            resourceType: "s3-bucket",
            title: `${controlId} ${name}`,
            detail: "d",
          });
        }
      }
    }
  }
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How the digest orders findings (digest-data.ts). */
function digestOrder(a: FindingRecord, b: FindingRecord): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.controlId, b.controlId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceArn, b.resourceArn)
  );
}

/** posture() as it was: every failing row loaded and counted. */
async function postureByRows(store: Store, includeSuppressed: boolean): Promise<PostureRow[]> {
  const failing = await store.listFindings({ lifecycle: FAILING_LIFECYCLES, includeSuppressed });
  const counts = new Map<string, PostureRow>();
  for (const f of failing) {
    const id = `${f.accountId}|${f.region}|${f.severity}`;
    const row = counts.get(id) ?? {
      accountId: f.accountId,
      region: f.region,
      severity: f.severity,
      count: 0,
    };
    row.count++;
    counts.set(id, row);
  }
  return [...counts.values()].sort(
    (a, b) =>
      a.accountId.localeCompare(b.accountId) ||
      a.region.localeCompare(b.region) ||
      severityRank(b.severity) - severityRank(a.severity),
  );
}

/** trend() as it was: every failing (or touched) row loaded, suppressions matched in JavaScript. */
async function trendByRows(
  url: string,
  store: Store,
  days: number,
  now: string,
  includeSuppressed: boolean,
): Promise<ReturnType<typeof computeTrend>> {
  const db = await createKysely(parseDatabaseUrl(url));
  try {
    const changes = await db
      .selectFrom("finding_history")
      .select(["finding_key", "from_state", "at"])
      .where("at", ">", trendWindowStart(days, now))
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .execute();
    const touched = new Set(changes.map((c) => c.finding_key));
    const all = await store.listFindings({ includeSuppressed: true });
    const current = all.filter(
      (f) => (FAILING_LIFECYCLES as readonly string[]).includes(f.lifecycle) || touched.has(f.key),
    );
    const excluded = new Set(
      includeSuppressed ? [] : all.filter((f) => f.suppressionId !== undefined).map((f) => f.key),
    );
    return computeTrend(
      current.map((f) => ({ key: f.key, lifecycle: f.lifecycle, severity: f.severity })),
      changes.map((c) => ({ key: c.finding_key, from: c.from_state as Lifecycle | null, at: c.at })),
      days,
      now,
      excluded,
    );
  } finally {
    await db.destroy();
  }
}

const strip = (f: FindingRecord) => ({ ...f, suppressionId: undefined });

describe.each(harnesses)("digest aggregates on $engine", (h) => {
  let store: Store;
  let clock: TestClock;
  let cleanup: () => Promise<void>;
  let url: string;

  beforeEach(async (ctx) => {
    if (!h.available) ctx.skip();
    const db = await h.newDatabase();
    cleanup = db.cleanup;
    url = db.url;
    clock = new TestClock("2026-03-01T08:00:00.000Z");
    store = await openStore({ databaseUrl: db.url, now: clock.now });
    for (let day = 0; day < 3; day++) {
      clock.set(new Date(Date.parse("2026-03-01T08:00:00.000Z") + day * 86_400_000).toISOString());
      await store.recordScan({ scope, trigger: "schedule", findings: findingsOf(day) });
    }
    clock.set("2026-03-03T09:00:00.000Z");
    const patterns = [
      "arn:aws:s3:::us-east-1-per%cent",
      "arn:aws:s3:::*under_score",
      "arn:aws:s3:::*back\\slash",
      "arn:aws:s3:::*ques?tion",
      "arn:aws:s3:::*br[ack]et",
      "arn:aws:s3:::*PLAIN",
      "arn:aws:s3:::eu-west-1-star*",
    ];
    for (const [i, pattern] of patterns.entries()) {
      await store.addSuppression({
        controlId: CONTROLS[i % CONTROLS.length]?.[0] as string,
        resourcePattern: pattern,
        reason: "r",
        createdBy: "t",
      });
    }
    // Every control, one exact name; an expired one and a removed one that must not count.
    await store.addSuppression({
      controlId: "s3-bucket-min-tls-1-2",
      resourcePattern: "*plain",
      reason: "r",
      createdBy: "t",
    });
    await store.addSuppression({
      controlId: "cloudtrail-log-file-validation",
      reason: "r",
      createdBy: "t",
      expiresAt: "2026-03-03T10:00:00.000Z",
    });
    const removed = await store.addSuppression({
      controlId: "cloudtrail-log-file-validation",
      reason: "r",
      createdBy: "t",
    });
    await store.removeSuppression(removed.id, "t");
    const failing = await store.listFindings({ lifecycle: FAILING_LIFECYCLES });
    for (const f of failing.slice(0, 5)) {
      await store.addSuppression({ findingKey: f.key, reason: "r", createdBy: "t" });
    }
    // Reads happen after the expiring suppression ran out.
    clock.set("2026-03-03T11:00:00.000Z");
  });

  afterEach(async () => {
    if (!h.available) return;
    await store.close();
    await cleanup();
  });

  it("counts the posture in SQL exactly as counting every failing row did", async () => {
    for (const includeSuppressed of [false, true]) {
      const expected = await postureByRows(store, includeSuppressed);
      expect(await store.posture({ includeSuppressed })).toEqual(expected);
    }
    // The suppressions above do silence something, so the comparison is not vacuous.
    const all = await store.posture({ includeSuppressed: true });
    const shown = await store.posture();
    const sum = (rows: PostureRow[]) => rows.reduce((n, r) => n + r.count, 0);
    expect(sum(all) - sum(shown)).toBeGreaterThan(10);
  });

  it("computes the trend from SQL counts and the touched findings exactly as from every row", async () => {
    for (const includeSuppressed of [false, true]) {
      for (const days of [1, 2, 7]) {
        for (const now of ["2026-03-03T11:00:00.000Z", "2026-03-02T12:00:00.000Z"]) {
          const expected = await trendByRows(url, store, days, now, includeSuppressed);
          expect(await store.trend(days, now, { includeSuppressed })).toEqual(expected);
        }
      }
    }
    const week = await store.trend(7, "2026-03-03T11:00:00.000Z");
    expect(new Set(week.map((p) => p.total)).size).toBeGreaterThan(1);
  });

  it("reads the digest's lists with counts and LIMIT exactly as filtering every row did", async () => {
    for (const since of [
      "2026-03-01T00:00:00.000Z",
      "2026-03-02T00:00:00.000Z",
      "2026-03-03T00:00:00.000Z",
    ]) {
      const newAll = (await store.findingsNewSince(since)).sort(digestOrder);
      const resolvedAll = (await store.findingsResolvedSince(since)).sort(digestOrder);
      const newKeys = new Set(newAll.map((f) => f.key));
      const stillAll = (await store.stillFailing({ minSeverity: "high" }))
        .filter((f) => !newKeys.has(f.key))
        .sort(digestOrder);
      for (const limit of [0, 7, 1000]) {
        const lists = await store.digestLists({ since, limit, minSeverity: "high" });
        expect(lists.newSince.total).toBe(newAll.length);
        expect(lists.resolvedSince.total).toBe(resolvedAll.length);
        expect(lists.stillFailing.total).toBe(stillAll.length);
        expect(lists.newSince.rows.map(strip)).toEqual(newAll.slice(0, limit).map(strip));
        expect(lists.resolvedSince.rows.map(strip)).toEqual(resolvedAll.slice(0, limit).map(strip));
        expect(lists.stillFailing.rows.map(strip)).toEqual(stillAll.slice(0, limit).map(strip));
      }
    }
  });

  it("reads open findings as a page: every match counted by severity, the first `limit` the worst first", async () => {
    const filters: Array<{ minSeverity?: Severity; accountId?: string }> = [
      {},
      { minSeverity: "high" },
      { minSeverity: "critical" },
      { accountId: ACCOUNTS[1] as string },
      { minSeverity: "medium", accountId: ACCOUNTS[0] as string },
    ];
    for (const filter of filters) {
      const all = (await store.listFindings({ lifecycle: FAILING_LIFECYCLES, ...filter })).sort(digestOrder);
      const expected = { critical: 0, high: 0, medium: 0, low: 0 };
      for (const f of all) expected[f.severity] += 1;
      for (const limit of [0, 1, 7, 1000]) {
        const page = await store.openFindings({ ...filter, limit });
        expect(page.counts).toEqual(expected);
        expect(page.records.map(strip)).toEqual(all.slice(0, limit).map(strip));
      }
    }
    // Suppressed findings are neither counted nor listed, and the lists are long enough to be cut.
    const unsuppressed = await store.listFindings({ lifecycle: FAILING_LIFECYCLES });
    const everything = await store.listFindings({ lifecycle: FAILING_LIFECYCLES, includeSuppressed: true });
    expect(everything.length - unsuppressed.length).toBeGreaterThan(10);
    expect(unsuppressed.length).toBeGreaterThan(100);
    await expect(store.openFindings({ limit: -1 })).rejects.toThrow(/limit/);
  });

  it("applies a whole-control suppression (no pattern) next to key and pattern ones exactly as the matcher", async () => {
    const before = await store.posture();
    await store.addSuppression({ controlId: "s3-bucket-tls-enforced", reason: "r", createdBy: "t" });
    const after = await store.posture();
    const sum = (rows: PostureRow[]) => rows.reduce((n, r) => n + r.count, 0);
    expect(sum(after)).toBeLessThan(sum(before));
    expect(after).toEqual(await postureByRows(store, false));
    const now = "2026-03-03T11:00:00.000Z";
    expect(await store.trend(7, now)).toEqual(await trendByRows(url, store, 7, now, false));
    const since = "2026-03-01T00:00:00.000Z";
    const newAll = (await store.findingsNewSince(since)).sort(digestOrder);
    const resolvedAll = (await store.findingsResolvedSince(since)).sort(digestOrder);
    const newKeys = new Set(newAll.map((f) => f.key));
    const stillAll = (await store.stillFailing({ minSeverity: "high" }))
      .filter((f) => !newKeys.has(f.key))
      .sort(digestOrder);
    const lists = await store.digestLists({ since, limit: 1000, minSeverity: "high" });
    expect(lists.newSince.rows.map(strip)).toEqual(newAll.map(strip));
    expect(lists.resolvedSince.rows.map(strip)).toEqual(resolvedAll.map(strip));
    expect(lists.stillFailing.rows.map(strip)).toEqual(stillAll.map(strip));
    expect(lists.stillFailing.rows.some((f) => f.controlId === "s3-bucket-tls-enforced")).toBe(false);
  });
});

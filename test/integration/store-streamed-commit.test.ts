/**
 * A scan's commit a batch of findings at a time (src/store/scan-commit.ts `streamCommit`), on both engines:
 * a commit of several batches (and, on SQLite, of more rows than one atomic transaction) ends every finding
 * where the lifecycle rules put it — results reported twice on either side of a batch boundary, failing
 * findings the scan did not report, ERRORs — and its writes start before its last batch is read.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { createKysely } from "../../src/store/connect.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { SQLITE_ATOMIC_ROWS } from "../../src/store/kysely-store.js";
import { openStore } from "../../src/store/open-store.js";
import { streamCommit } from "../../src/store/scan-commit.js";
import type { Engine, Lifecycle, ScanScope } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const ACCOUNT = "111111111111";
const REGION = "us-east-1";
const CONTROL = "kms-key-rotation-enabled";
const SCOPE: ScanScope = { accounts: [ACCOUNT], regions: [REGION], controls: [CONTROL] };

const harnesses: {
  engine: Engine;
  available: boolean;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}[] = [
  {
    engine: "sqlite",
    available: true,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-stream-"));
      return {
        url: `sqlite:${join(dir, "store.db")}`,
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

function finding(group: string, i: number, status: Finding["status"]): Finding {
  const f: Finding = {
    controlId: CONTROL,
    status,
    severity: "medium",
    accountId: ACCOUNT,
    region: REGION,
    resourceArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${group}-${i}`,
    resourceType: "kms-key",
    title: "KMS key rotation is enabled",
    detail: `${group}-${i} is ${status}.`,
  };
  if (status === "ERROR")
    f.error = { code: "AccessDenied", message: "denied", action: "kms:GetKeyRotationStatus" };
  return f;
}

/** Per group: the status in the first scan (or none), in the second (or none), and where it must end. */
const GROUPS: { name: string; first?: Finding["status"]; second?: Finding["status"]; ends: Lifecycle }[] = [
  { name: "fail-fail", first: "FAIL", second: "FAIL", ends: "open" },
  { name: "fail-pass", first: "FAIL", second: "PASS", ends: "resolved" },
  { name: "pass-fail", first: "PASS", second: "FAIL", ends: "new" },
  { name: "pass-pass", first: "PASS", second: "PASS", ends: "passing" },
  { name: "fail-gone", first: "FAIL", ends: "resolved" },
  { name: "pass-gone", first: "PASS", ends: "passing" },
  { name: "new-fail", second: "FAIL", ends: "new" },
  { name: "new-pass", second: "PASS", ends: "passing" },
];
const PER_GROUP = 700;

describe.each(harnesses)("a commit in batches on $engine", (h) => {
  it.skipIf(!h.available)(
    "ends every finding where the lifecycle puts it, across batches and short transactions",
    async () => {
      const db = await h.newDatabase();
      onTestFinished(db.cleanup);
      const store = await openStore({ databaseUrl: db.url });
      onTestFinished(() => store.close());
      const scan = (status: "first" | "second") =>
        GROUPS.flatMap((g) =>
          g[status] ? Array.from({ length: PER_GROUP }, (_, i) => finding(g.name, i, g[status]!)) : [],
        );

      const first = await store.recordScan({ scope: SCOPE, trigger: "test", findings: scan("first") });
      expect(first.scan.counts?.fail).toBe(3 * PER_GROUP);
      // The second scan reports every "new-fail" finding twice: PASS in the first batches, FAIL in later ones
      // (the worse status wins, wherever the batches split).
      const second = scan("second");
      const twice = Array.from({ length: PER_GROUP }, (_, i) => finding("new-fail", i, "PASS"));
      const findings = [...twice, ...second];
      expect(findings.length * 2).toBeGreaterThan(SQLITE_ATOMIC_ROWS);
      const done = await store.recordScan({ scope: SCOPE, trigger: "test", findings });

      expect(done.scan.counts).toMatchObject({
        pass: 3 * PER_GROUP,
        fail: 3 * PER_GROUP,
        error: 0,
        new: 2 * PER_GROUP,
        resolved: 2 * PER_GROUP,
        reopened: 0,
      });
      // fail-fail → open, fail-pass / fail-gone → resolved, pass-fail / new-fail → new, new-pass → passing.
      expect(done.changes).toHaveLength(6 * PER_GROUP);
      expect(done.changeCount).toBe(6 * PER_GROUP);
      const stored = await store.listFindings({ includeSuppressed: true });
      expect(stored).toHaveLength(GROUPS.length * PER_GROUP);
      const byKey = new Map(stored.map((f) => [f.key, f]));
      for (const g of GROUPS) {
        for (const i of [0, 1, PER_GROUP - 1]) {
          const key = findingKey(finding(g.name, i, "PASS"));
          const f = byKey.get(key);
          expect(f?.lifecycle, key).toBe(g.ends);
          if (g.second) expect(f?.lastScanId, key).toBe(done.scan.id);
          else if (g.first === "PASS") expect(f?.lastScanId, key).toBe(first.scan.id);
        }
      }
      expect(byKey.get(findingKey(finding("fail-gone", 5, "FAIL")))?.resolvedReason).toBe("gone");
      expect(byKey.get(findingKey(finding("fail-pass", 5, "FAIL")))?.resolvedReason).toBe("pass");
      // Each move has exactly one history row.
      const history = await store.findingHistory(findingKey(finding("pass-fail", 7, "FAIL")));
      expect(history.map((c) => [c.from, c.to])).toEqual([
        [null, "passing"],
        ["passing", "new"],
      ]);
    },
  );

  it.skipIf(!h.available)("writes its first rows before it has read its last batch", async () => {
    const db = await h.newDatabase();
    onTestFinished(db.cleanup);
    const store = await openStore({ databaseUrl: db.url });
    const running = await store.startScan({ scope: SCOPE, trigger: "test" });
    await store.close();
    const kysely = await createKysely(parseDatabaseUrl(db.url));
    onTestFinished(() => kysely.destroy());
    const events: string[] = [];
    const findings = Array.from({ length: 5_000 }, (_, i) => finding("k", i, "PASS"));
    const commit = await streamCommit(
      kysely,
      running.id,
      { at: new Date().toISOString(), findings },
      {
        write: async (step) => {
          events.push("write");
          await step.run(kysely);
        },
        pause: async () => {
          events.push("pause");
        },
      },
    );
    expect(commit.counts.pass).toBe(5_000);
    const firstWrite = events.indexOf("write");
    expect(firstWrite).toBeGreaterThan(-1);
    // Ten batches of 500 results, each ending with a pause: most of them come after the first write.
    expect(events.slice(firstWrite).filter((e) => e === "pause").length).toBeGreaterThanOrEqual(8);
    const count = await kysely
      .selectFrom("findings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(5_000);
  });
});

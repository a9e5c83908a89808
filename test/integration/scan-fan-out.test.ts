/**
 * A scheduled scan fanned out as one job per account on the real store and job queue (pg-boss on PostgreSQL
 * with two instances, the in-process runner on SQLite): each part commits its account as it ends, the last
 * part finishes the scan and writes the slot's report, a part that keeps failing is dead-lettered (audit
 * `job.dead-lettered`) and recorded failed, and the digest of the same slot waits for the scan to end.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { Config } from "../../src/config/schema.js";
import type { DigestSlackClient } from "../../src/digest/post-digest.js";
import type { ScanAccount } from "../../src/domain/accounts.js";
import { JOB_DEAD_LETTERED_ACTION } from "../../src/jobs/dead-letter.js";
import type { CollectFn, ScanScope } from "../../src/scan/run-scan.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { scheduledScanId } from "../../src/schedule/scheduled-scan.js";
import { createServeSchedule, type ServeSchedule } from "../../src/schedule/serve-schedule.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { buildAccount } from "../support/inventory-builders.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const logger = pino({ level: "silent" });
const ACCOUNTS = ["111111111111", "222222222222", "333333333333"];
const BROKEN = "333333333333";
const SLOT = "2026-06-01T07:00:00.000Z";

const config = parseConfig({
  accounts: ACCOUNTS.map((id) => ({ id })),
  slack: { digest: { channels: ["C0ONE"], cron: "0 7 * * *" } },
  schedule: { scanCron: "0 7 * * *" },
  jobs: { pollSeconds: 0.5, superviseSeconds: 1, retryDelaySeconds: 0, retryLimit: 1 },
});

interface Instance {
  name: string;
  store: Store;
  schedule: ServeSchedule;
}

async function startInstance(
  name: string,
  url: string,
  ran: string[],
  posts: string[],
  options: { config?: Config; resolveAccounts?: () => Promise<ScanAccount[]>; scopes?: ScanScope[] } = {},
): Promise<Instance> {
  const store = await openStore({ databaseUrl: url, poolSize: 3 });
  const collect: CollectFn = async (scope, { now }) => {
    const accountId = scope.accounts[0]?.id ?? "?";
    options.scopes?.push(scope);
    ran.push(`${name}:${accountId}`);
    await new Promise((r) => setTimeout(r, 200));
    if (accountId === BROKEN) throw new Error("the collector crashed");
    return { schemaVersion: 1, collectedAt: now.toISOString(), accounts: [buildAccount({ accountId })] };
  };
  const client: DigestSlackClient = {
    chat: {
      postMessage: async (args) => {
        if (args.thread_ts === undefined) posts.push(`${name}:${args.channel}`);
        return { ts: `1700000000.${String(posts.length).padStart(6, "0")}` };
      },
    },
  };
  const schedule = createServeSchedule({
    config: options.config ?? config,
    ...(options.resolveAccounts ? { resolveAccounts: options.resolveAccounts } : {}),
    logger,
    store,
    coordinator: new ScanCoordinator(async () => {
      throw new Error("a fanned-out scheduled scan never uses the single-process coordinator");
    }),
    collect,
    regions: ["us-east-1"],
    env: {},
    databaseUrl: url,
    client,
    // No cron trigger: the test enqueues the slot as every replica's trigger would.
    startTrigger: () => ({ stop() {} }),
  });
  await schedule.start();
  return { name, store, schedule };
}

/** Every replica's trigger enqueues the slot's jobs; resolves once the job of `kind` has ended. */
async function runSlot(instances: Instance[], kind: "scan" | "digest") {
  const slot = new Date(SLOT);
  for (const i of instances) {
    for (const job of i.schedule.scheduler.jobs)
      await i.schedule.scheduler.enqueueSlot(job, slot, "scheduled");
  }
  const { store, schedule } = instances[0]!;
  for (;;) {
    const state = await schedule.queue.state(kind, SLOT);
    if (state === "completed" || state === "failed") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { store, queue: schedule.queue };
}

const engines = [
  {
    engine: "sqlite",
    available: true,
    replicas: ["a"],
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-fanout-"));
      return {
        url: `sqlite:${join(dir, "state.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    replicas: ["a", "b"],
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
];

for (const harness of engines) {
  describe.skipIf(!harness.available)(`scan fan-out on ${harness.engine}`, () => {
    it("commits each account as its part ends, dead-letters the broken one, finishes once, and the digest waits", async () => {
      const db = await harness.newDatabase();
      onTestFinished(db.cleanup);
      const ran: string[] = [];
      const posts: string[] = [];
      const instances = await Promise.all(harness.replicas.map((n) => startInstance(n, db.url, ran, posts)));
      try {
        const { store } = await runSlot(instances, "digest");
        const scanId = scheduledScanId(SLOT);
        const scan = await store.getScan(scanId);
        expect(scan?.outcome).toBe("partial");
        const parts = await store.scanParts(scanId);
        expect(parts.map((p) => [p.accountId, p.outcome])).toEqual([
          ["111111111111", "succeeded"],
          ["222222222222", "succeeded"],
          [BROKEN, "failed"],
        ]);
        // The scan's counts are its parts' counts.
        const sum = (k: "pass" | "fail") => parts.reduce((n, p) => n + (p.counts?.[k] ?? 0), 0);
        expect(scan?.counts?.pass).toBe(sum("pass"));
        expect(scan?.counts?.fail).toBe(sum("fail"));
        expect(sum("pass") + sum("fail")).toBeGreaterThan(0);
        // Each good account's findings are stored; the broken account has none.
        const findings = await store.listFindings({ limit: 10_000 });
        expect(new Set(findings.map((f) => f.accountId))).toEqual(new Set(["111111111111", "222222222222"]));
        // Two attempts of the broken part (retryLimit 1), one of each good part, across the instances.
        expect(ran.filter((r) => r.endsWith(BROKEN))).toHaveLength(2);
        expect(
          ran
            .filter((r) => !r.endsWith(BROKEN))
            .map((r) => r.split(":")[1])
            .sort(),
        ).toEqual(["111111111111", "222222222222"]);
        const [letter] = await store.listAudit({ action: JOB_DEAD_LETTERED_ACTION });
        expect(letter?.detail).toEqual({
          kind: "scan-part",
          jobId: expect.any(String),
          slot: SLOT,
          accountId: BROKEN,
          attempts: 2,
          error: "the collector crashed",
        });
        const reports = await store.listAudit({ action: "schedule.scan" });
        expect(reports).toHaveLength(1);
        expect(reports[0]?.detail).toMatchObject({
          slot: SLOT,
          scanId,
          outcome: "partial",
          unscanned: [{ accountId: BROKEN, code: "JobFailed" }],
        });
        // The digest of the slot went out once, after the scan had ended.
        expect(posts.map((p) => p.split(":")[1])).toEqual(["C0ONE"]);
        const [completed] = await store.listAudit({ action: "scan.completed", target: scanId });
        const [posted] = await store.listAudit({ action: "digest.posted" });
        expect(completed && posted && completed.id < posted.id).toBe(true);
      } finally {
        for (const i of instances) {
          await i.schedule.stop();
          await i.store.close();
        }
      }
    });

    it("fans an organization's scan out per member account, listed once per slot job, retried when listing fails", async () => {
      const db = await harness.newDatabase();
      onTestFinished(db.cleanup);
      const members: ScanAccount[] = ["444444444444", "555555555555"].map((id) => ({
        id,
        name: `member-${id.slice(0, 1)}`,
        roleArn: `arn:aws:iam::${id}:role/ForecastAudit`,
        externalId: "org-external-id",
        placement: { ouId: "ou-ab12-cdef3456", ouPath: "Root/Prod" },
      }));
      const orgConfig = parseConfig({
        organization: { roleName: "ForecastAudit", externalId: "org-external-id" },
        schedule: { scanCron: "0 7 * * *" },
        jobs: { pollSeconds: 0.5, superviseSeconds: 1, retryDelaySeconds: 0, retryLimit: 1 },
      });
      let listings = 0;
      const resolveAccounts = async () => {
        listings++;
        // The first listing fails (Organizations throttled): the slot's job fails and the queue retries it.
        if (listings === 1) throw new Error("organizations:ListAccounts throttled");
        return members;
      };
      const ran: string[] = [];
      const scopes: ScanScope[] = [];
      const instances = await Promise.all(
        harness.replicas.map((n) =>
          startInstance(n, db.url, ran, [], { config: orgConfig, resolveAccounts, scopes }),
        ),
      );
      try {
        const { store, queue } = await runSlot(instances, "scan");
        expect(await queue.state("scan", SLOT)).toBe("completed");
        const scanId = scheduledScanId(SLOT);
        expect((await store.getScan(scanId))?.outcome).toBe("succeeded");
        expect((await store.scanParts(scanId)).map((p) => [p.accountId, p.outcome])).toEqual([
          ["444444444444", "succeeded"],
          ["555555555555", "succeeded"],
        ]);
        // Listed twice in all (the failed try and its retry), never once per part.
        expect(listings).toBe(2);
        // Each part collected its own account with the role and external id the listing gave, and listed nothing.
        expect(scopes.map((s) => [s.resolved, s.accounts])).toEqual(
          expect.arrayContaining(members.map((m) => [true, [m]])),
        );
        expect(scopes).toHaveLength(2);
      } finally {
        for (const i of instances) {
          await i.schedule.stop();
          await i.store.close();
        }
      }
    });
  });
}

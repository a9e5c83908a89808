/**
 * Exactly once across replicas and restarts: two scheduler instances on one database (PostgreSQL with pg-boss,
 * and a SQLite file with the in-process runner), each with its own store connection, job queue and scan
 * coordinator, woken at the same instants by one virtual clock. Each slot is enqueued once, scanned once and
 * posted once per channel; a slot missed while every instance was down runs once at the next start-up, never
 * twice.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { DigestSlackClient } from "../../src/digest/post-digest.js";
import { toRecordScanInput } from "../../src/scan/record-scan.js";
import { finishScan } from "../../src/scan/run-scan.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { summarizeScan } from "../../src/scan/scan-summary.js";
import { createServeSchedule, type ServeSchedule } from "../../src/schedule/serve-schedule.js";
import { timerTrigger } from "../../src/schedule/triggers.js";
import { openStore } from "../../src/store/open-store.js";
import type { Engine, Store } from "../../src/store/types.js";
import { buildAccount } from "../support/inventory-builders.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { VirtualClock } from "../support/virtual-clock.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const logger = pino({ level: "silent" });
const CHANNELS = ["C0ONE", "C0TWO"];
const config = parseConfig({
  accounts: [{ id: "123456789012", name: "prod" }],
  slack: { digest: { channels: CHANNELS, cron: "0 9 * * *", timezone: "Europe/Berlin" } },
  schedule: { runMissedOnStart: true },
  jobs: { pollSeconds: 0.5, superviseSeconds: 1, retryDelaySeconds: 0 },
});

interface Harness {
  engine: Engine;
  available: boolean;
  /**
   * The instances that share the database. SQLite serves one instance (a second process would wait on the
   * file lock, and two connections in one process deadlock on it), so there the rule is tested across restarts.
   */
  replicas: string[];
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const harnesses: Harness[] = [
  {
    engine: "sqlite",
    available: true,
    replicas: ["a"],
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-schedule-"));
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

interface Post {
  instance: string;
  channel: string;
  threadTs: string | undefined;
  text: string;
  blocks: string;
}

/** One Slack workspace that every instance posts to, so posts can be counted across instances. */
class RecordingSlack {
  readonly posts: Post[] = [];
  #ts = 0;
  clientFor(instance: string): DigestSlackClient {
    return {
      chat: {
        postMessage: async (args) => {
          this.#ts += 1;
          this.posts.push({
            instance,
            channel: args.channel,
            threadTs: args.thread_ts,
            text: args.text,
            blocks: JSON.stringify(args.blocks),
          });
          return { ts: `1700000000.${String(this.#ts).padStart(6, "0")}` };
        },
      },
    };
  }
  mains(): Post[] {
    return this.posts.filter((p) => p.threadTs === undefined);
  }
}

interface Instance {
  name: string;
  store: Store;
  schedule: ServeSchedule;
  scans: string[];
}

async function startInstance(
  name: string,
  url: string,
  clock: VirtualClock,
  slack: RecordingSlack,
  scans: string[],
): Promise<Instance> {
  const store = await openStore({ databaseUrl: url, now: clock.now, poolSize: 3 });
  const coordinator = new ScanCoordinator(async ({ scanId, scope, trigger }) => {
    scans.push(`${name}:${trigger.kind === "schedule" ? trigger.slot : trigger.kind}`);
    const inventory = {
      schemaVersion: 1 as const,
      collectedAt: clock.now().toISOString(),
      accounts: [buildAccount()],
    };
    const result = finishScan(
      { config: { requireFips: false }, now: clock.now },
      { scope, trigger, inventory, startedAt: clock.now(), scanId },
    );
    await store.recordScan(toRecordScanInput(result));
    return summarizeScan(result);
  });
  const schedule = createServeSchedule({
    config,
    logger,
    store,
    coordinator,
    regions: ["us-east-1"],
    env: {},
    databaseUrl: url,
    client: slack.clientFor(name),
    instanceId: name,
    clock,
    startTrigger: timerTrigger(clock, clock),
  });
  await schedule.start();
  return { name, store, schedule, scans };
}

async function stopInstance(instance: Instance): Promise<void> {
  await instance.schedule.stop();
  await instance.store.close();
}

/** Waits until every slot any instance enqueued has ended (the queue runs them on its own time). */
async function slotsEnded(instances: readonly Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.schedule.scheduler.idle()));
  for (;;) {
    const states = await Promise.all(
      instances.flatMap((i) =>
        i.schedule.scheduler.sent.map((s) => instances[0]!.schedule.queue.state(s.job, s.slot)),
      ),
    );
    if (states.every((s) => s === "completed" || s === "failed")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function settleAll(instances: readonly Instance[]): () => Promise<void> {
  return () => slotsEnded(instances);
}

for (const harness of harnesses) {
  describe.skipIf(!harness.available)(`schedule across replicas on ${harness.engine}`, () => {
    async function database() {
      const db = await harness.newDatabase();
      onTestFinished(db.cleanup);
      return db.url;
    }

    async function startAll(url: string, clock: VirtualClock, slack: RecordingSlack, scans: string[]) {
      return Promise.all(harness.replicas.map((name) => startInstance(name, url, clock, slack, scans)));
    }

    async function stopAll(instances: readonly Instance[]) {
      for (const instance of instances) await stopInstance(instance);
    }

    it(`posts exactly one digest per slot and channel from ${harness.replicas.length} instance(s), across a DST change`, async () => {
      const url = await database();
      const clock = new VirtualClock("2026-03-26T12:00:00Z");
      const slack = new RecordingSlack();
      const scans: string[] = [];
      const instances = await startAll(url, clock, slack, scans);
      try {
        await clock.advanceTo("2026-03-31T12:00:00Z", settleAll(instances));
      } finally {
        await stopAll(instances);
      }
      const slots = [
        "2026-03-27T08:00:00.000Z",
        "2026-03-28T08:00:00.000Z",
        "2026-03-29T07:00:00.000Z",
        "2026-03-30T07:00:00.000Z",
        "2026-03-31T07:00:00.000Z",
      ];
      // One scan per slot, by whichever instance claimed it.
      expect(scans.map((s) => s.split(":").slice(1).join(":")).sort()).toEqual(slots);
      const mains = slack.mains();
      expect(mains).toHaveLength(slots.length * CHANNELS.length);
      for (const channel of CHANNELS)
        expect(mains.filter((p) => p.channel === channel)).toHaveLength(slots.length);
      // Each slot's thread pages came from the instance that posted its main message.
      for (const main of mains) {
        const ts = slack.posts.indexOf(main) + 1;
        const pages = slack.posts.filter((p) => p.threadTs === `1700000000.${String(ts).padStart(6, "0")}`);
        expect(pages.every((p) => p.instance === main.instance && p.channel === main.channel)).toBe(true);
      }
      const ran = instances.flatMap((i) => i.schedule.scheduler.runs);
      expect(ran.map((r) => r.slot).sort()).toEqual(slots);
      expect(
        ran.every((r) => r.result.status === "ran" && /C0ONE: posted; C0TWO: posted$/.test(r.result.outcome)),
      ).toBe(true);
      const check = await openStore({ databaseUrl: url });
      try {
        const posted = await check.listAudit({ action: "digest.posted", limit: 100 });
        expect(posted).toHaveLength(slots.length * CHANNELS.length);
      } finally {
        await check.close();
      }
    });

    it.skipIf(harness.replicas.length < 2)(
      "lets exactly one of two racing instances run each slot",
      async () => {
        const url = await database();
        const clock = new VirtualClock("2026-05-01T09:00:00Z");
        const slack = new RecordingSlack();
        const a = await startInstance("a", url, clock, slack, []);
        const b = await startInstance("b", url, clock, slack, []);
        try {
          const job = a.schedule.scheduler.jobs.find((j) => j.name === "digest");
          const jobB = b.schedule.scheduler.jobs.find((j) => j.name === "digest");
          expect(job && jobB).toBeTruthy();
          const slots = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 3, 20 + i, 7)));
          await Promise.all(
            slots.flatMap((slot) => [
              a.schedule.scheduler.enqueueSlot(job!, slot, "scheduled"),
              b.schedule.scheduler.enqueueSlot(jobB!, slot, "scheduled"),
            ]),
          );
          await slotsEnded([a, b]);
          const runs = [...a.schedule.scheduler.runs, ...b.schedule.scheduler.runs];
          expect(
            runs
              .filter((r) => r.result.status === "ran")
              .map((r) => r.slot)
              .sort(),
          ).toEqual(slots.map((s) => s.toISOString()));
          expect(slack.mains()).toHaveLength(slots.length * CHANNELS.length);
        } finally {
          await stopInstance(a);
          await stopInstance(b);
        }
      },
    );

    it("runs a slot missed while every instance was down once at start-up, and never again", async () => {
      const url = await database();
      const clock = new VirtualClock("2026-06-01T06:00:00Z");
      const slack = new RecordingSlack();
      const scans: string[] = [];
      const first = await startInstance("a", url, clock, slack, scans);
      await clock.advanceTo("2026-06-01T12:00:00Z", settleAll([first]));
      await stopInstance(first);
      expect(slack.mains()).toHaveLength(CHANNELS.length);

      // Down until 3 June 10:00: the slots of 2 and 3 June were missed; 3 June 07:00Z runs once.
      expect(clock.pendingTimers).toBe(0);
      await clock.advanceTo("2026-06-03T10:00:00Z");
      const restarted = await startAll(url, clock, slack, scans);
      await settleAll(restarted)();
      const caughtUp = restarted
        .flatMap((i) => i.schedule.scheduler.runs)
        .filter((r) => r.result.status === "ran");
      expect(caughtUp.map((r) => r.slot)).toEqual(["2026-06-03T07:00:00.000Z"]);
      expect(
        new Set(restarted.flatMap((i) => i.schedule.scheduler.sent).map((s) => `${s.slot} ${s.reason}`)),
      ).toEqual(new Set(["2026-06-03T07:00:00.000Z missed"]));
      await stopAll(restarted);

      // Another restart the same morning finds the slot's job completed and enqueues nothing.
      const again = await startInstance("c", url, clock, slack, scans);
      await slotsEnded([again]);
      expect(again.schedule.scheduler.sent).toEqual([]);
      await stopInstance(again);

      const mains = slack.mains();
      expect(mains).toHaveLength(2 * CHANNELS.length);
      expect(scans.map((s) => s.slice(2))).toEqual(["2026-06-01T07:00:00.000Z", "2026-06-03T07:00:00.000Z"]);
      // The catch-up digest counts from the last one posted, two days before.
      expect(mains.at(-1)?.blocks).toContain("since the last digest (2026-06-01 07:00 UTC)");
    });
  });
}

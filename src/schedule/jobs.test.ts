import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAccount } from "../../test/support/inventory-builders.js";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import { unreachableAccount } from "../aws/collectors/references.js";
import { parseConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { DigestPoster, type DigestSlackClient } from "../digest/post-digest.js";
import { recordDeadLetter } from "../jobs/dead-letter.js";
import { LocalJobQueue } from "../jobs/local-job-queue.js";
import { toRecordScanInput } from "../scan/record-scan.js";
import { finishScan } from "../scan/run-scan.js";
import { type ExecuteScan, ScanCoordinator } from "../scan/scan-coordinator.js";
import { summarizeScan } from "../scan/scan-summary.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { createScheduler } from "./jobs.js";
import { timerTrigger } from "./triggers.js";

const logger = pino({ level: "silent" });
const STAGING = "222233334444";
const STS_DENIED = {
  code: "AccessDenied",
  message: "not authorized to perform sts:AssumeRole",
  action: "sts:AssumeRole",
};

type PostArgs = Parameters<DigestSlackClient["chat"]["postMessage"]>[0];

let clock: VirtualClock;
let store: Store;
let posts: PostArgs[];
const slack: DigestSlackClient = {
  chat: {
    postMessage: async (args) => {
      posts.push(args);
      return { ts: `1700000000.${String(posts.length).padStart(6, "0")}` };
    },
  },
};

/** Scans the prod account for real (the demo inventory builders) and cannot reach staging. */
const scanWithUnreachableStaging: ExecuteScan = async ({ scanId, scope, trigger }) => {
  const inventory = {
    schemaVersion: 1 as const,
    collectedAt: clock.now().toISOString(),
    accounts: [
      buildAccount(),
      unreachableAccount({ accountId: STAGING, partition: "aws" }, scope.regions, STS_DENIED),
    ],
  };
  const result = finishScan(
    { config: { requireFips: false }, now: clock.now },
    { scope, trigger, inventory, startedAt: clock.now(), scanId },
  );
  await store.recordScan(toRecordScanInput(result));
  return summarizeScan(result);
};

function configOf(extra: Record<string, unknown> = {}): Config {
  return parseConfig({
    accounts: [
      { id: "123456789012", name: "prod" },
      { id: STAGING, name: "staging" },
    ],
    slack: { digest: { channels: ["C0ONE", "C0TWO"], cron: "0 9 * * *", timezone: "Europe/Berlin" } },
    ...extra,
  });
}

let queue: LocalJobQueue;

function schedulerOf(
  config: Config,
  execute: ExecuteScan,
  client: DigestSlackClient = slack,
  retryLimit = 0,
) {
  queue = new LocalJobQueue({
    table: store.jobs,
    settings: { retryLimit, retryDelaySeconds: 0, pollSeconds: 60 },
    onDeadLetter: (letter) => recordDeadLetter(store, letter),
    logger,
    now: clock.now,
  });
  const scheduler = createScheduler({
    config,
    store,
    queue,
    coordinator: new ScanCoordinator(execute),
    regions: ["us-east-1"],
    digest: new DigestPoster({
      store,
      client,
      accounts: config.accounts,
      logger,
      instanceId: "test",
      now: clock.now,
      sleep: async () => {},
    }),
    logger,
    clock,
    startTrigger: timerTrigger(clock, clock),
  });
  return {
    jobs: scheduler.jobs,
    get runs() {
      return scheduler.runs;
    },
    async start() {
      await queue.start();
      await scheduler.start();
    },
    async idle() {
      await scheduler.idle();
      await queue.idle();
    },
    async stop() {
      await scheduler.stop();
      await queue.stop();
    },
  };
}

const mains = () => posts.filter((p) => p.thread_ts === undefined);

beforeEach(async () => {
  clock = new VirtualClock("2026-06-01T06:00:00Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
  posts = [];
});
afterEach(async () => {
  await store.close();
});

describe("scheduled scan and digest", () => {
  it("scans, then posts one digest per channel that names the account it could not scan and why", async () => {
    const scheduler = schedulerOf(configOf(), scanWithUnreachableStaging);
    await scheduler.start();
    await clock.advanceTo("2026-06-01T08:00:00Z", () => scheduler.idle());
    await scheduler.stop();

    expect(mains().map((p) => p.channel)).toEqual(["C0ONE", "C0TWO"]);
    for (const main of mains()) {
      const text = JSON.stringify(main.blocks);
      expect(text).toContain(`\`${STAGING}\` could not be scanned`);
      expect(text).toContain("sts:AssumeRole was denied (AccessDenied)");
      expect(main.text).toMatch(/1 scan problem/);
    }
    const [slot] = scheduler.runs;
    // 09:00 in Berlin in June is 07:00 UTC.
    expect(slot?.slot).toBe("2026-06-01T07:00:00.000Z");
    expect(slot?.result.status === "ran" && slot.result.outcome).toMatch(
      /^scan .* partial; not scanned: 222233334444; C0ONE: posted; C0TWO: posted$/,
    );
    const scans = await store.listScans();
    expect(scans.map((s) => s.trigger)).toEqual(["schedule"]);
  });

  it("still posts the digest when the scan fails as a whole, saying that it failed and why", async () => {
    const scheduler = schedulerOf(configOf(), async () => {
      throw new Error("the credentials have expired");
    });
    await scheduler.start();
    await clock.advanceTo("2026-06-01T08:00:00Z", () => scheduler.idle());
    await scheduler.stop();

    expect(mains().map((p) => p.channel)).toEqual(["C0ONE", "C0TWO"]);
    const text = JSON.stringify(mains()[0]?.blocks);
    expect(text).toContain("The scheduled scan of 2026-06-01 07:00 UTC failed: the credentials have expired");
    const [slot] = scheduler.runs;
    expect(slot?.result.status === "ran" && slot.result.outcome).toMatch(
      /^scan failed: the credentials have expired; C0ONE: posted; C0TWO: posted$/,
    );
  });

  it("with a scan schedule of its own, scans at its time and the later digest reports that scan", async () => {
    const config = configOf({ schedule: { scanCron: "30 8 * * *", timezone: "Europe/Berlin" } });
    const scheduler = schedulerOf(config, scanWithUnreachableStaging);
    expect(scheduler.jobs.map((j) => j.name)).toEqual(["scan", "digest"]);
    await scheduler.start();
    await clock.advanceTo("2026-06-01T08:00:00Z", () => scheduler.idle());
    await scheduler.stop();

    expect(scheduler.runs.map((r) => [r.job, r.slot, r.result.status])).toEqual([
      ["scan", "2026-06-01T06:30:00.000Z", "ran"],
      ["digest", "2026-06-01T07:00:00.000Z", "ran"],
    ]);
    expect((await store.listScans()).length).toBe(1);
    expect(JSON.stringify(mains()[0]?.blocks)).toContain(`\`${STAGING}\` could not be scanned`);
  });

  it("a channel whose digest Slack rate-limits past the last try is posted by the job's retry, once; the other channel is not posted again", async () => {
    // Slack keeps what it accepted (with metadata) and serves it to the history lookup of the resume.
    const accepted: (PostArgs & { ts: string })[] = [];
    let refusals = 5;
    const limited: DigestSlackClient = {
      chat: {
        postMessage: async (args) => {
          if (args.channel === "C0TWO" && args.thread_ts === undefined && refusals > 0) {
            refusals -= 1;
            throw Object.assign(new Error("rate limited"), {
              code: "slack_webapi_rate_limited_error",
              retryAfter: 1,
            });
          }
          const ts = `1700000000.${String(accepted.length + 1).padStart(6, "0")}`;
          accepted.push({ ...args, ts });
          posts.push(args);
          return { ts };
        },
      },
      conversations: {
        history: async ({ channel }) => ({
          messages: accepted.filter((m) => m.channel === channel && m.thread_ts === undefined),
        }),
        replies: async ({ channel, ts }) => ({
          messages: accepted.filter((m) => m.channel === channel && m.thread_ts === ts),
        }),
      },
    };
    const scheduler = schedulerOf(configOf(), scanWithUnreachableStaging, limited, 2);
    await scheduler.start();
    await clock.advanceTo("2026-06-01T08:00:00Z", () => scheduler.idle());
    await scheduler.stop();

    expect(refusals).toBe(0);
    expect(mains().map((p) => p.channel)).toEqual(["C0ONE", "C0TWO"]);
    const posted = await store.listAudit({ action: "digest.posted", limit: 10 });
    expect(posted.map((p) => p.target).sort()).toEqual(["C0ONE", "C0TWO"]);
    const failed = await store.listAudit({ action: "digest.failed", limit: 10 });
    expect(failed.map((f) => [f.target, (f.detail as { retryable?: boolean }).retryable])).toEqual([
      ["C0TWO", true],
    ]);
    expect(await queue.state("digest", "2026-06-01T07:00:00.000Z")).toBe("completed");
    expect(await store.listAudit({ action: "job.dead-lettered" })).toEqual([]);
  });

  it("a channel Slack refuses for good is settled as failed and not retried; the job completes", async () => {
    const refusing: DigestSlackClient = {
      chat: {
        postMessage: async (args) => {
          if (args.channel === "C0TWO") {
            throw Object.assign(new Error("An API error occurred: channel_not_found"), {
              code: "slack_webapi_platform_error",
              data: { ok: false, error: "channel_not_found" },
            });
          }
          return slack.chat.postMessage(args);
        },
      },
    };
    const scheduler = schedulerOf(configOf(), scanWithUnreachableStaging, refusing, 2);
    await scheduler.start();
    await clock.advanceTo("2026-06-01T08:00:00Z", () => scheduler.idle());
    await scheduler.stop();

    expect(mains().map((p) => p.channel)).toEqual(["C0ONE"]);
    const failed = await store.listAudit({ action: "digest.failed", limit: 10 });
    expect(failed.map((f) => [f.target, (f.detail as { retryable?: boolean }).retryable])).toEqual([
      ["C0TWO", false],
    ]);
    expect(await queue.state("digest", "2026-06-01T07:00:00.000Z")).toBe("completed");
  });

  it("has no digest job without digest channels", () => {
    const config = parseConfig({ slack: { digest: { channels: [] } } });
    expect(schedulerOf(config, scanWithUnreachableStaging).jobs).toEqual([]);
  });
});

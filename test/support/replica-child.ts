/**
 * One `serve` replica's durable work, for the chaos test: the real store, job queue, scheduler, scan fan-out
 * and digest poster, on second-level schedules, with a fake collector (a latency per account) and the fake
 * Slack Web API (whose posts are rate-limited at random: the digest backs off). It logs JSON lines on stdout
 * that the test kills it on. Run as `node --import tsx test/support/replica-child.ts <name> <databaseUrl>` with
 * `CHAOS_CONFIG` (the config as JSON), `SLACK_API_URL` and `CHAOS_SCAN_MS`.
 */
import { WebClient } from "@slack/web-api";
import { pino } from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import type { DigestSlackClient } from "../../src/digest/post-digest.js";
import type { CollectFn } from "../../src/scan/run-scan.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { createServeSchedule } from "../../src/schedule/serve-schedule.js";
import { openStore } from "../../src/store/open-store.js";
import { buildAccount } from "./inventory-builders.js";

const [name, databaseUrl] = process.argv.slice(2);
if (!name || !databaseUrl) throw new Error("usage: replica-child <name> <databaseUrl>");
const config = parseConfig(JSON.parse(process.env.CHAOS_CONFIG ?? "{}"));
const scanMs = Number(process.env.CHAOS_SCAN_MS ?? "1500");
const rateLimitShare = Number(process.env.CHAOS_RATE_LIMIT ?? "0.3");
const logger = pino({ level: "info", base: { replica: name } });

const collect: CollectFn = async (scope, { now }) => {
  const accountId = scope.accounts[0]?.id ?? "000000000000";
  logger.info({ accountId }, "chaos: collecting");
  // The API floor of one account's collection, with some spread.
  await new Promise((r) => setTimeout(r, scanMs * (0.5 + Math.random())));
  return { schemaVersion: 1, collectedAt: now.toISOString(), accounts: [buildAccount({ accountId })] };
};

const web = new WebClient(`xoxb-${name}`, {
  slackApiUrl: process.env.SLACK_API_URL ?? "",
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
});
/** A share of the posts answer "rate limited, retry after 1 s" before reaching Slack, as a 429 does. */
const client = {
  chat: {
    postMessage: async (args: Parameters<DigestSlackClient["chat"]["postMessage"]>[0]) => {
      if (Math.random() < rateLimitShare) {
        throw Object.assign(new Error("A rate limit was exceeded (url: chat.postMessage, retry-after: 1)"), {
          code: "slack_webapi_rate_limited_error",
          retryAfter: 1,
        });
      }
      return web.chat.postMessage(args as Parameters<typeof web.chat.postMessage>[0]);
    },
  },
  // The digest looks pages up in the channel's history when it resumes a slot (when it can).
  conversations: web.conversations,
} as DigestSlackClient;

const store = await openStore({ databaseUrl, poolSize: 4 });
const schedule = createServeSchedule({
  config,
  logger,
  store,
  coordinator: new ScanCoordinator(async () => {
    throw new Error("scheduled scans fan out here");
  }),
  collect,
  regions: ["us-east-1"],
  env: {},
  databaseUrl,
  client,
});
await schedule.start();
logger.info("chaos: ready");
// `serve` is kept alive by its Slack listener; the schedule's timers are unref'd.
const keepAlive = setInterval(() => {}, 60_000);

process.on("SIGTERM", () => {
  void (async () => {
    clearInterval(keepAlive);
    await schedule.stop();
    await store.close();
    logger.info("chaos: stopped");
    process.exit(0);
  })();
});

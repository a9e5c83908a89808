/**
 * The digest and the schedule as `forecast-audit serve` runs them: the digest port behind `/forecast-audit
 * digest`, and the scheduler that scans and posts the digest at the configured times.
 */
import type { Config } from "../config/schema.js";
import { DigestPoster, type DigestSlackClient } from "../digest/post-digest.js";
import { createDigestSlackClient } from "../digest/slack-client.js";
import type { ScanAccount } from "../domain/accounts.js";
import type { JobQueue } from "../jobs/job-queue.js";
import { createJobQueue } from "../jobs/open-job-queue.js";
import type { Logger } from "../logging/logger.js";
import type { ScanPartWork } from "../scan/fan-out.js";
import type { CollectFn } from "../scan/run-scan.js";
import type { ScanCoordinator } from "../scan/scan-coordinator.js";
import type { DigestService } from "../slack/ports.js";
import type { Store } from "../store/types.js";
import { createScheduler, newInstanceId } from "./jobs.js";
import type { Scheduler } from "./scheduler.js";
import type { Clock, StartTrigger } from "./triggers.js";

export interface ServeScheduleDeps {
  config: Config;
  logger: Logger;
  store: Store;
  coordinator: Pick<ScanCoordinator, "start">;
  /** Collects one account for a fanned-out scheduled scan part (see `createScheduler`). */
  collect?: CollectFn;
  /** With `organization:`, lists a scheduled scan's accounts once so that the scan fans out per account. */
  resolveAccounts?: () => Promise<ScanAccount[]>;
  /** Runs once each fanned-out scheduled scan has ended (the Security Hub export, where enabled). */
  afterScan?: (scanId: string) => Promise<void>;
  /** Runs a fanned-out scan's part in a scan worker thread (see `createScheduler`). */
  runPart?: (work: ScanPartWork) => Promise<void>;
  regions: readonly string[];
  /** `SLACK_BOT_TOKEN` and `SLACK_API_URL` build the client when `client` is not given. */
  env: NodeJS.ProcessEnv;
  /** The store's `DATABASE_URL` (pg-boss connects to the same PostgreSQL). */
  databaseUrl?: string | undefined;
  /** The durable job queue (default: pg-boss on PostgreSQL, the in-process runner on SQLite). */
  queue?: JobQueue;
  client?: DigestSlackClient;
  instanceId?: string;
  clock?: Clock;
  startTrigger?: StartTrigger;
}

export interface ServeSchedule {
  digest: DigestService;
  scheduler: Scheduler;
  queue: JobQueue;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createServeSchedule(deps: ServeScheduleDeps): ServeSchedule {
  const instanceId = deps.instanceId ?? newInstanceId();
  const client = deps.client ?? createDigestSlackClient(deps.env);
  const clock = deps.clock;
  const poster = client
    ? new DigestPoster({
        store: deps.store,
        client,
        accounts: deps.config.accounts,
        logger: deps.logger.child({ component: "digest" }),
        instanceId,
        ...(clock ? { now: () => clock.now() } : {}),
      })
    : undefined;
  const queue =
    deps.queue ??
    createJobQueue({
      store: deps.store,
      databaseUrl: deps.databaseUrl,
      config: deps.config,
      logger: deps.logger,
      ...(clock ? { now: () => clock.now() } : {}),
    });
  const scheduler = createScheduler({
    config: deps.config,
    store: deps.store,
    queue,
    coordinator: deps.coordinator,
    ...(deps.collect ? { collect: deps.collect } : {}),
    ...(deps.resolveAccounts ? { resolveAccounts: deps.resolveAccounts } : {}),
    ...(deps.afterScan ? { afterScan: deps.afterScan } : {}),
    ...(deps.runPart ? { runPart: deps.runPart } : {}),
    regions: deps.regions,
    digest: poster,
    logger: deps.logger,
    ...(clock ? { clock } : {}),
    ...(deps.startTrigger ? { startTrigger: deps.startTrigger } : {}),
  });
  return {
    digest: {
      async postDigest(channelId, requestedBy) {
        if (!poster) throw new Error("The digest needs SLACK_BOT_TOKEN to post.");
        await poster.post(channelId, {
          kind: "on-demand",
          ...(requestedBy ? { requestedBy: `slack:${requestedBy}` } : {}),
        });
      },
    },
    scheduler,
    queue,
    async start() {
      // The queue first: on SQLite it re-runs what a stopped process left active before new slots come in.
      await queue.start();
      await scheduler.start();
    },
    async stop() {
      await scheduler.stop();
      await queue.stop();
    },
  };
}

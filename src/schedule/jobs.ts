/**
 * The jobs the configuration asks for: the scheduled scan (`schedule.scanCron`) and the digest
 * (`slack.digest.cron`, to every `slack.digest.channels`). Without a scan schedule of its own, the digest scans
 * every configured account and region first, so that it reports on today's state.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "../config/schema.js";
import type { ScheduledScanReport } from "../digest/digest-data.js";
import { DigestPostError, type DigestPoster } from "../digest/post-digest.js";
import type { ScanAccount } from "../domain/accounts.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { Logger } from "../logging/logger.js";
import { type FanOutStore, ScanFanOut, type ScanPartWork } from "../scan/fan-out.js";
import type { CollectFn } from "../scan/run-scan.js";
import type { ScanCoordinator } from "../scan/scan-coordinator.js";
import type { Store } from "../store/types.js";
import { CronSchedule } from "./cron-schedule.js";
import { describeScanReport, runScheduledScan, scheduledScanId } from "./scheduled-scan.js";
import { type ScheduledJob, Scheduler } from "./scheduler.js";
import type { Clock, StartTrigger } from "./triggers.js";

export const SCAN_JOB = "scan";
export const DIGEST_JOB = "digest";

export interface ScheduledJobsDeps {
  config: Pick<Config, "schedule" | "slack" | "jobs">;
  scan(slot: string): Promise<ScheduledScanReport>;
  /** Absent when there is no Slack client (no bot token): no digest job then. */
  digest: Pick<DigestPoster, "post"> | undefined;
  logger: Logger;
  /** Where the digest finds whether its slot's scan has ended. */
  queue?: Pick<JobQueue, "state">;
  /**
   * A scan fanned out as one job per account (configured accounts, no organization): the slot's job starts it
   * and the parts end it; `ended` tells whether the slot's scan has ended.
   */
  fanOut?: { start(slot: string): Promise<string>; ended(slot: string): Promise<boolean> };
  sleep?: (ms: number) => Promise<void>;
}

/** How long the digest looks for the scan job of its own slot before going out without it. */
const SCAN_APPEARS_WITHIN_MS = 10_000;

function sleeper(deps: ScheduledJobsDeps): (ms: number) => Promise<void> {
  return deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
}

/** Waits (up to `jobs.digestWaitsForScanSeconds`) for a fanned-out slot scan's parts to end. */
async function waitForFanOut(deps: ScheduledJobsDeps, slot: string, deadline: number): Promise<boolean> {
  const fanOut = deps.fanOut;
  if (!fanOut) return true;
  for (;;) {
    if (await fanOut.ended(slot)) return true;
    if (Date.now() >= deadline) return false;
    await sleeper(deps)(Math.max(500, deps.config.jobs.pollSeconds * 1000));
  }
}

/**
 * When the scan and the digest share a slot, the digest waits (up to `jobs.digestWaitsForScanSeconds`) for
 * the slot's scan job to end, so that it reports on it; past that it goes out and says the scan is running.
 */
async function waitForSlotScan(deps: ScheduledJobsDeps, slot: string): Promise<string | undefined> {
  const queue = deps.queue;
  const scanCron = deps.config.schedule.scanCron;
  if (!queue || !scanCron) return undefined;
  // Only a slot that is also a scan slot has a scan to wait for.
  const scanSchedule = new CronSchedule(scanCron, deps.config.schedule.timezone);
  if (scanSchedule.previous(new Date(slot))?.toISOString() !== slot) return undefined;
  const start = Date.now();
  const deadline = start + deps.config.jobs.digestWaitsForScanSeconds * 1000;
  for (;;) {
    const state = await queue.state(SCAN_JOB, slot);
    // Both triggers fire at the same instant: the scan's job may be enqueued a moment after the digest's.
    if (state === undefined && Date.now() - start >= SCAN_APPEARS_WITHIN_MS) return undefined;
    if (state === "failed") return "slot scan failed";
    if (state === undefined) {
      await sleeper(deps)(500);
      continue;
    }
    if (state === "completed") {
      return (await waitForFanOut(deps, slot, deadline)) ? "slot scan ended" : "slot scan still running";
    }
    if (Date.now() >= deadline) return "slot scan still running";
    await sleeper(deps)(Math.max(500, deps.config.jobs.pollSeconds * 1000));
  }
}

export function createScheduledJobs(deps: ScheduledJobsDeps): ScheduledJob[] {
  const { schedule, slack } = deps.config;
  const jobs: ScheduledJob[] = [];
  const scanCron = schedule.scanCron;
  if (scanCron) {
    jobs.push({
      name: SCAN_JOB,
      schedule: new CronSchedule(scanCron, schedule.timezone),
      run: async (slot) =>
        deps.fanOut ? deps.fanOut.start(slot) : describeScanReport(await deps.scan(slot)),
    });
  }
  const digest = deps.digest;
  const channels = slack.digest.channels;
  if (digest && channels.length > 0) {
    jobs.push({
      name: DIGEST_JOB,
      schedule: new CronSchedule(slack.digest.cron, slack.digest.timezone),
      run: async (slot) => {
        const parts: string[] = [];
        // A scan that fails, wholly or for one account, still lets the digest go out: it says so itself.
        if (!scanCron && deps.fanOut) {
          parts.push(await deps.fanOut.start(slot));
          const deadline = Date.now() + deps.config.jobs.digestWaitsForScanSeconds * 1000;
          if (!(await waitForFanOut(deps, slot, deadline))) parts.push("slot scan still running");
        } else if (!scanCron) parts.push(describeScanReport(await deps.scan(slot)));
        else {
          const waited = await waitForSlotScan(deps, slot);
          if (waited) parts.push(waited);
        }
        let retryable = 0;
        for (const channel of channels) {
          try {
            // The job's lease vouches that no one else posts this slot: a slot left claimed by a dead
            // attempt is resumed (looked up in Slack before posting) rather than skipped as a duplicate.
            const result = await digest.post(channel, { kind: "schedule", slot, resume: true });
            parts.push(`${channel}: ${result.status}`);
          } catch (error) {
            // A channel Slack refused for good is settled as failed (and recorded); any other failure left
            // its slot open, and the job fails so that the queue retries it: the retry resumes the open
            // channels, and the settled ones answer "duplicate". Past the retry limit it is dead-lettered.
            if (!(error instanceof DigestPostError) || error.retryable) retryable += 1;
            parts.push(`${channel}: failed (${error instanceof Error ? error.message : String(error)})`);
          }
        }
        if (retryable > 0) throw new Error(parts.join("; "));
        return parts.join("; ");
      },
    });
  } else if (channels.length > 0) {
    deps.logger.warn("digest channels are configured but there is no Slack client; no digest will be posted");
  }
  return jobs;
}

/** `host:pid:random`: names the instance in its claims, unique even for two processes on one host. */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export interface CreateSchedulerDeps {
  config: Pick<Config, "schedule" | "slack" | "accounts" | "jobs" | "organization" | "requireFips">;
  store: Pick<Store, "appendAudit" | "getScan" | "listAudit" | "heartbeatScan"> & FanOutStore;
  /** Collects one account's inventory for a fanned-out scan part; without it scans are not fanned out. */
  collect?: CollectFn;
  /**
   * With `organization:`, the accounts of a scheduled scan: the organization listed once (by the slot's job)
   * and merged with the configured accounts. Without it an organization's scans are not fanned out.
   */
  resolveAccounts?: () => Promise<ScanAccount[]>;
  /** Runs once each fanned-out scheduled scan has ended (the Security Hub export, where enabled). */
  afterScan?: (scanId: string) => Promise<void>;
  /** Runs a fanned-out scan's part elsewhere (serve: a scan worker thread); default on this thread. */
  runPart?: (work: ScanPartWork) => Promise<void>;
  queue: Pick<JobQueue, "work" | "send" | "state" | "hasAny">;
  coordinator: Pick<ScanCoordinator, "start">;
  /** The regions a scan of "everything" covers (the configured ones, resolved). */
  regions: readonly string[];
  digest: Pick<DigestPoster, "post"> | undefined;
  logger: Logger;
  clock?: Clock;
  startTrigger?: StartTrigger;
}

/** The scheduler of `forecast-audit serve`; call `start()` to catch up and arm it, `stop()` on shutdown. */
export function createScheduler(deps: CreateSchedulerDeps): Scheduler {
  const logger = deps.logger.child({ component: "schedule" });
  const clock = deps.clock;
  const fanOut = scheduledFanOut(deps, logger);
  const jobs = createScheduledJobs({
    config: deps.config,
    scan: (slot) =>
      runScheduledScan(
        {
          coordinator: deps.coordinator,
          accounts: deps.config.accounts,
          regions: deps.regions,
          store: deps.store,
          logger,
          ...(clock ? { now: () => clock.now() } : {}),
        },
        slot,
      ),
    digest: deps.digest,
    logger,
    queue: deps.queue,
    ...(fanOut ? { fanOut } : {}),
  });
  return new Scheduler(jobs, {
    queue: deps.queue,
    logger,
    runMissedOnStart: deps.config.schedule.runMissedOnStart,
    ...(clock ? { clock } : {}),
    ...(deps.startTrigger ? { startTrigger: deps.startTrigger } : {}),
  });
}

/**
 * Scheduled scans fan out as one job per account when a collector is given and the accounts can be known
 * before the scan: the configured accounts, or with `organization:` the organization listed by the slot's
 * job (`resolveAccounts`); otherwise (the current credentials' account alone) one job scans everything.
 */
function scheduledFanOut(deps: CreateSchedulerDeps, logger: Logger): ScheduledJobsDeps["fanOut"] {
  const { config, collect, resolveAccounts } = deps;
  if (!collect) return undefined;
  if (config.organization ? !resolveAccounts : config.accounts.length === 0) return undefined;
  const store = deps.store;
  const fanOut = new ScanFanOut({
    queue: deps.queue,
    store,
    collect,
    config,
    logger,
    ...(deps.runPart ? { runPart: deps.runPart } : {}),
    ...(deps.afterScan ? { afterScan: deps.afterScan } : {}),
    // The waiting slot job and each running part keep the scan row's heartbeat fresh (scan-row.ts).
    keepAlive: (scanId) => store.heartbeatScan(scanId, new Date().toISOString()),
  });
  return {
    async start(slot) {
      const scanId = scheduledScanId(slot);
      // A failed listing fails the slot's job, which the queue retries (and dead-letters in the end).
      const accounts = resolveAccounts ? await resolveAccounts() : config.accounts;
      await fanOut.start({ scanId, trigger: "schedule", accounts, regions: deps.regions, slot });
      // The slot's job ends with its scan (and keeps it alive while its parts run, where the store asks).
      const scan = await fanOut.waitForEnd(scanId, Math.min(5000, config.jobs.pollSeconds * 1000));
      return `scan ${scanId} fanned out to ${accounts.length} account(s): ${scan?.outcome ?? "gone"}`;
    },
    async ended(slot) {
      const scan = await deps.store.getScan(scheduledScanId(slot));
      return scan === undefined || scan.outcome !== "running";
    },
  };
}

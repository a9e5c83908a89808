/**
 * A scan fanned out as jobs, one per account, that any replica may run: each part collects and evaluates its
 * account and commits that account's findings as it finishes (`commitScanPart`); whichever part ends last
 * finishes the scan (counts, outcome) and, for a scheduled slot, writes its `schedule.scan` report in the
 * same transaction. A part whose job is dead-lettered is recorded failed, so the scan still ends.
 *
 * Per account, not per region: IAM, buckets, keys, roles and trails are account-level evidence shared by
 * every region, and "gone" needs every region of an account read (docs/decisions/0001-job-queue.md).
 */
import { z } from "zod";
import type { Config } from "../config/schema.js";
import { CONTROLS } from "../controls/catalog.js";
import {
  SCHEDULED_SCAN_ACTION,
  type ScheduledScanReport,
  type UnscannedScope,
} from "../digest/digest-data.js";
import type { ScanAccount } from "../domain/accounts.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { Logger } from "../logging/logger.js";
import type { NewAuditEntry, ScanPartRecord, ScanRecord, Store } from "../store/types.js";
import { accountDirectoryEntries } from "./account-directory.js";
import { type CollectFn, finishScan } from "./run-scan.js";
import { unscannedScopes } from "./scan-errors.js";

export const SCAN_PART_JOB = "scan-part";
/** How often a running part refreshes its scan's heartbeat (well inside the scan lease of 3 × 15 s). */
const PART_HEARTBEAT_MS = 5000;

export type FanOutStore = Pick<
  Store,
  "startScan" | "getScan" | "commitScanPart" | "failScanPart" | "finishScanFromParts" | "saveAccounts"
>;

export interface FanOutDeps {
  queue: Pick<JobQueue, "work" | "send">;
  store: FanOutStore;
  collect: CollectFn;
  config: Pick<Config, "requireFips" | "accounts">;
  logger: Logger;
  /**
   * Called while `waitForEnd` waits, to keep the scan row's liveness fresh where the store has one (a
   * heartbeat that an interruption sweep reads): the waiting slot job stands for the whole fanned-out scan.
   */
  keepAlive?: (scanId: string) => Promise<unknown>;
  /**
   * Runs a part's collection, evaluation and commit: in `serve`, a scan worker thread (scan-worker-pool.ts),
   * so that no part runs on the Slack event loop; by default `collectAndCommitPart` on this thread.
   */
  runPart?: (work: ScanPartWork) => Promise<void>;
  /**
   * Runs once a fanned-out scan has ended, by the part that ended it: the Security Hub export where it is
   * enabled, as a scan in one process runs it after its commit. A failure is logged; the scan stands.
   */
  afterScan?: (scanId: string) => Promise<void>;
}

/** One account's part of a fanned-out scan, as its runner needs it (structured-cloneable). */
export interface ScanPartWork {
  scanId: string;
  account: ScanAccount;
  regions: string[];
  /** The scan's start (ISO): the part is judged as of it. */
  startedAt: string;
  /** The scan row's trigger label. */
  trigger: string;
  slot?: string;
}

/** Collects and evaluates one account, then commits its findings as the scan's part (idempotent). */
export async function collectAndCommitPart(
  deps: {
    store: Pick<Store, "commitScanPart" | "saveAccounts">;
    collect: CollectFn;
    config: Pick<Config, "requireFips" | "accounts">;
    logger: Logger;
  },
  work: ScanPartWork,
): Promise<void> {
  const { store, config } = deps;
  const log = deps.logger.child({ scanId: work.scanId, accountId: work.account.id });
  const startedAt = new Date(work.startedAt);
  // Resolved already (the slot job listed the organization once for the whole scan): no listing per part.
  const scope = { accounts: [work.account], regions: work.regions, resolved: true };
  const inventory = await deps.collect(scope, { onProgress: () => {}, now: startedAt });
  const result = finishScan(
    { config },
    {
      scope,
      trigger: work.slot ? { kind: "schedule", slot: work.slot } : { kind: "cli", user: work.trigger },
      inventory,
      startedAt,
      scanId: work.scanId,
    },
  );
  const { committed } = await store.commitScanPart(work.scanId, {
    accountId: work.account.id,
    findings: result.findings,
    evidence: result.evidence,
    finishedAt: result.finishedAt,
    detail: { unscanned: unscannedScopes(inventory) },
  });
  log.info({ committed, findings: result.findings.length }, "scan part committed");
  try {
    await store.saveAccounts(accountDirectoryEntries(inventory, config.accounts, result.startedAt));
  } catch (error) {
    log.warn({ err: error }, "could not record the scan part's account names");
  }
}

export interface FanOutRequest {
  scanId: string;
  /** The scan row's trigger label (`schedule`, `slack:U…`). */
  trigger: string;
  accounts: readonly ScanAccount[];
  regions: readonly string[];
  /** The schedule slot, for a scheduled scan: its report is written when the scan ends. */
  slot?: string;
}

interface PartPayload {
  scanId: string;
  accountId: string;
  regions: string[];
  slot?: string;
  /** The account as the scan resolved it (role, external id, placement): an organization's member account. */
  account?: ScanAccount;
  /**
   * The account is in the scan's scope but the retried slot job no longer found it in the organization: the
   * part is recorded failed (unless it already ended) instead of being scanned with the wrong credentials.
   */
  unresolved?: true;
}

const optionalText = z.string().optional();
const scanAccountSchema = z.object({
  id: z.string().regex(/^\d{12}$/),
  name: optionalText,
  roleArn: optionalText,
  remediationRoleArn: optionalText,
  externalId: optionalText,
  placement: z.object({ ouId: z.string(), ouPath: z.string() }).optional(),
  onboarding: optionalText,
});
const partPayloadSchema = z.object({
  scanId: z.string(),
  accountId: z.string(),
  regions: z.array(z.string()),
  slot: z.string().optional(),
  account: scanAccountSchema.optional(),
  unresolved: z.literal(true).optional(),
});

function partPayload(payload: Record<string, unknown>): PartPayload {
  const parsed = partPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new Error(
      `a scan-part job needs scanId, accountId and regions: ${parsed.error.issues[0]?.message}`,
    );
  }
  const { account, ...rest } = parsed.data;
  const out: PartPayload = { scanId: rest.scanId, accountId: rest.accountId, regions: rest.regions };
  if (rest.slot !== undefined) out.slot = rest.slot;
  if (rest.unresolved) out.unresolved = true;
  if (account) {
    if (account.id !== rest.accountId) throw new Error("a scan-part job's account is not its accountId");
    out.account = account;
  }
  return out;
}

/** The scheduled scan's report from its parts: what each part could not read, and each failed part. */
export function reportFromParts(
  slot: string,
  scan: ScanRecord,
  parts: readonly ScanPartRecord[],
): ScheduledScanReport {
  const unscanned: UnscannedScope[] = [];
  for (const part of parts) {
    if (part.outcome === "failed") {
      unscanned.push({
        accountId: part.accountId,
        code: "JobFailed",
        action: SCAN_PART_JOB,
        message: `Account ${part.accountId} could not be scanned: ${part.error ?? "its scan job failed"}`,
      });
      continue;
    }
    const detail = part.detail as { unscanned?: UnscannedScope[] } | undefined;
    for (const scope of detail?.unscanned ?? []) unscanned.push(scope);
  }
  const report: ScheduledScanReport = {
    slot,
    finishedAt: scan.finishedAt ?? new Date().toISOString(),
    outcome: scan.outcome === "failed" ? "failed" : unscanned.length > 0 ? "partial" : "succeeded",
    scanId: scan.id,
    accounts: scan.scope.accounts,
    unscanned,
  };
  if (scan.outcome === "failed") report.error = scan.error ?? "every part of the scan failed";
  return report;
}

export class ScanFanOut {
  readonly #deps: FanOutDeps;

  /** Registers the part handler with the queue: construct before the queue starts. */
  constructor(deps: FanOutDeps) {
    this.#deps = deps;
    deps.queue.work(SCAN_PART_JOB, (payload) => this.#runPart(partPayload(payload)), {
      onDeadLetter: async (letter) => {
        const part = partPayload(letter.payload);
        await deps.store.failScanPart(part.scanId, part.accountId, letter.error);
        await this.#finish(part);
      },
    });
  }

  /**
   * Starts the scan (its row, unless it exists) and enqueues one part per account; idempotent, so a retried
   * slot job re-enqueues nothing that exists. Resolves once enqueued, not when the scan ends.
   */
  async start(request: FanOutRequest): Promise<void> {
    const { store, queue } = this.#deps;
    const accounts = request.accounts.map((a) => a.id);
    if (accounts.length === 0) throw new Error("a fanned-out scan needs the accounts to scan");
    const existing = await store.getScan(request.scanId);
    if (existing && existing.outcome !== "running") return;
    const scope = existing?.scope ?? {
      accounts,
      regions: [...request.regions],
      controls: CONTROLS.map((c) => c.id),
    };
    if (!existing) {
      await store.startScan({
        id: request.scanId,
        trigger: request.trigger,
        scope,
        // Where an interruption is announced: a scheduled scan's in the digest channels.
        ...(request.slot ? { origin: { kind: "schedule" as const, slot: request.slot } } : {}),
      });
    }
    // A retried slot job keeps the scope its first try fixed and enqueues its accounts again (keyed, so a part
    // already queued is not doubled); one the organization no longer lists is failed, not guessed.
    const resolved = new Map(request.accounts.map((a) => [a.id, a]));
    for (const accountId of scope.accounts) {
      const account = resolved.get(accountId);
      const payload: PartPayload = {
        scanId: request.scanId,
        accountId,
        regions: [...scope.regions],
        ...(request.slot ? { slot: request.slot } : {}),
        ...(account ? { account } : { unresolved: true as const }),
      };
      await queue.send(SCAN_PART_JOB, { ...payload }, { key: `${request.scanId}|${accountId}` });
    }
  }

  /**
   * Resolves with the scan once it is no longer running (every part ended), calling `keepAlive` on the way.
   * A slot job waits here, so that the slot's job ends with its scan and a dead waiter's retry waits again.
   */
  async waitForEnd(scanId: string, pollMs: number): Promise<ScanRecord | undefined> {
    for (;;) {
      const scan = await this.#deps.store.getScan(scanId);
      if (scan?.outcome !== "running") return scan;
      try {
        await this.#deps.keepAlive?.(scanId);
      } catch (error) {
        this.#deps.logger.warn({ err: error, scanId }, "could not keep the fanned-out scan alive");
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async #runPart(part: PartPayload): Promise<void> {
    const { store, config, logger } = this.#deps;
    const log = logger.child({ scanId: part.scanId, accountId: part.accountId });
    const scan = await store.getScan(part.scanId);
    if (scan?.outcome !== "running") {
      log.info({ outcome: scan?.outcome }, "scan part skipped: its scan is not running");
      return;
    }
    const configured = config.accounts.find((a) => a.id === part.accountId);
    if (part.unresolved && !configured) {
      const error = "the organization no longer listed this account when the scan's slot job was retried";
      if (await store.failScanPart(part.scanId, part.accountId, error)) log.warn(error);
      await this.#finish(part);
      return;
    }
    const account: ScanAccount = part.account ?? configured ?? { id: part.accountId };
    // A running part is proof of life for its scan too: the slot job that waits for the parts may be between
    // a dead worker and its retry, and the interruption sweep must not end a scan whose parts still run.
    const beat = this.#deps.keepAlive;
    const heartbeat = beat
      ? setInterval(() => {
          beat(part.scanId).catch((error: unknown) =>
            log.warn({ err: error }, "could not keep the fanned-out scan alive"),
          );
        }, PART_HEARTBEAT_MS).unref()
      : undefined;
    try {
      const work: ScanPartWork = {
        scanId: part.scanId,
        account,
        regions: part.regions,
        startedAt: scan.startedAt,
        trigger: scan.trigger,
        ...(part.slot ? { slot: part.slot } : {}),
      };
      await (this.#deps.runPart ?? ((w: ScanPartWork) => collectAndCommitPart(this.#deps, w)))(work);
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    await this.#finish(part);
  }

  async #finish(part: PartPayload): Promise<void> {
    const slot = part.slot;
    const report = slot
      ? (scan: ScanRecord, parts: readonly ScanPartRecord[]): NewAuditEntry => ({
          actor: "schedule",
          action: SCHEDULED_SCAN_ACTION,
          target: scan.id,
          detail: reportFromParts(slot, scan, parts),
        })
      : undefined;
    const finished = await this.#deps.store.finishScanFromParts(part.scanId, report ? { report } : {});
    if (finished) {
      this.#deps.logger.info(
        { scanId: part.scanId, outcome: finished.outcome, counts: finished.counts },
        "fanned-out scan finished",
      );
      try {
        await this.#deps.afterScan?.(part.scanId);
      } catch (error) {
        this.#deps.logger.warn(
          { err: error, scanId: part.scanId },
          "the work after a fanned-out scan failed",
        );
      }
    }
  }
}

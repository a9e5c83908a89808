/**
 * Posts the digest to one channel: record first (a claimed slot for a scheduled digest, an audit entry for
 * every digest), then build, render and post with retries, then record the outcome. A Slack failure never
 * loses the record: the slot is marked failed and the audit log says what was attempted and why it failed.
 *
 * Neither lost nor doubled: every page carries Slack message metadata (slot, channel, page) and, for a
 * scheduled slot, is recorded as started before it is posted and with its ts after. A slot resumed after a
 * crash skips the pages recorded as posted, looks up in Slack those started and not recorded (adopting what it
 * finds), and posts only the rest. A page whose lookup cannot be done is not posted blindly.
 */
import { randomUUID } from "node:crypto";
import type { KnownBlock } from "@slack/types";
import type { Logger } from "../logging/logger.js";
import { renderDigest } from "../slack/views/digest.js";
import type { DigestMessageRecord, Store } from "../store/types.js";
import { buildDigestData, DEFAULT_WINDOW_MS, type DigestData, type DigestStore } from "./digest-data.js";
import {
  type DigestHistoryClient,
  type DigestMetadata,
  type DigestPagePayload,
  digestMetadata,
  findDigestPage,
} from "./digest-lookup.js";
import {
  describeSlackError,
  isPermanentSlackError,
  mayHavePosted,
  type RetryPolicy,
  SlackCallFailedError,
  type Sleep,
  withSlackRetries,
} from "./slack-retry.js";

export type DigestTrigger =
  | {
      kind: "schedule";
      slot: string;
      /**
       * The caller (a job retried after its worker died) vouches that no one else is posting this slot now:
       * a slot claimed and not settled is resumed instead of reported as a duplicate.
       */
      resume?: boolean;
    }
  /** `/forecast-audit digest`: does not move the "since" of the scheduled digests. */
  | { kind: "on-demand"; requestedBy?: string };

export interface DigestSlackClient {
  chat: {
    postMessage(args: {
      channel: string;
      text: string;
      blocks: KnownBlock[];
      thread_ts?: string;
      unfurl_links: boolean;
      unfurl_media: boolean;
      metadata?: DigestMetadata;
    }): Promise<{ ts?: string | undefined }>;
  };
  /**
   * `conversations.history`/`replies` (scopes `channels:history`, `groups:history`). Without it a page that
   * may have been posted is never posted again: the digest is recorded as failed instead.
   */
  conversations?: DigestHistoryClient;
}

export type DigestPostStore = DigestStore &
  Pick<
    Store,
    | "claimSlot"
    | "slotClaim"
    | "markSlotDone"
    | "appendAudit"
    | "listAudit"
    | "digestMessageStarted"
    | "digestMessagePosted"
    | "digestMessages"
  >;

export interface DigestPosterDeps {
  store: DigestPostStore;
  client: DigestSlackClient;
  /** Configured accounts, for names and so that clean accounts are listed too. */
  accounts: readonly { id: string; name?: string | undefined }[];
  logger: Logger;
  instanceId: string;
  now?: () => Date;
  sleep?: Sleep;
  retry?: RetryPolicy;
}

export interface DigestResult {
  channel: string;
  /** `duplicate`: another instance already claimed this slot for this channel. */
  status: "posted" | "partial" | "duplicate";
  ts?: string;
  asOf?: string;
  since?: string;
  threadPosted: number;
  threadFailed: number;
  /** Pages not posted by this call because they were recorded as posted or found in Slack. */
  adopted: number;
  attempts: number;
}

export class DigestPostError extends Error {
  override readonly name = "DigestPostError";
  constructor(
    message: string,
    readonly channel: string,
    /**
     * Another try may post it: the slot was left open (not settled), and a retried job resumes it. False when
     * Slack refused for good (a channel the bot is not in, blocks it rejects): the slot is settled as failed.
     */
    readonly retryable: boolean,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Slack refused the main message in a way another try cannot change. */
function refusedForGood(error: unknown): boolean {
  return error instanceof SlackCallFailedError && isPermanentSlackError(error.cause);
}

export const DIGEST_ACTIONS = {
  recorded: "digest.recorded",
  posted: "digest.posted",
  failed: "digest.failed",
} as const;

/**
 * The state of a page is unknown to the store (it may be in Slack and its lookup failed, or it is in Slack and
 * could not be recorded): the slot is left open for a resume, never settled as if nothing had been posted.
 */
class PageStateUnknownError extends Error {
  override readonly name = "PageStateUnknownError";
  constructor(
    readonly stage: "lookup" | "record",
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${stage === "lookup" ? "history lookup failed" : "could not record the posted page"}: ${reason}`,
      options,
    );
  }
}

/** Raised inside the post retry loop when a lost answer cannot be checked: never retried blindly. */
class CannotCheckError extends Error {
  override readonly name = "CannotCheckError";
}

/** Slots are ISO times; the same instant written two ways is one slot (as the store's claims). */
function normalizeSlot(slot: string): string {
  const time = Date.parse(slot);
  return Number.isNaN(time) ? slot : new Date(time).toISOString();
}

interface Delivery {
  ts: string;
  /** `posted` now, found in Slack (`adopted`) or already `recorded` as posted. */
  how: "posted" | "adopted" | "recorded";
  attempts: number;
}

/** The slot job of the scheduled digest in one channel. */
export function digestSlotJob(channel: string): string {
  return `digest:${channel}`;
}

function actorOf(trigger: DigestTrigger): string {
  return trigger.kind === "schedule" ? "schedule" : (trigger.requestedBy ?? "slack");
}

function summary(data: DigestData) {
  return {
    failing: data.totals,
    new: data.newFindingsTotal ?? data.newFindings.length,
    resolved: data.resolvedTotal ?? data.resolved.length,
    stillFailing: data.stillFailingTotal ?? data.stillFailing.length,
    pendingApprovals: data.pendingApprovals.length,
    expiringSuppressions: data.expiringSuppressions.length,
    scanProblems: data.scanProblems.length,
    missingPermissions: data.missingPermissions.length,
    incompleteWork: data.incompleteWork.length,
  };
}

export class DigestPoster {
  readonly #deps: DigestPosterDeps;

  constructor(deps: DigestPosterDeps) {
    this.#deps = deps;
  }

  /**
   * "Since the previous digest": when the last scheduled digest posted in this channel was assembled, or the
   * last 24 hours for a channel that has had none. A digest that failed to post does not count as seen.
   */
  async since(channel: string, asOf: Date): Promise<{ since: Date; kind: DigestData["sinceKind"] }> {
    const [last] = await this.#deps.store.listAudit({
      action: DIGEST_ACTIONS.posted,
      target: channel,
      actor: "schedule",
      limit: 1,
    });
    const recorded = (last?.detail as { asOf?: unknown } | undefined)?.asOf;
    if (
      typeof recorded === "string" &&
      !Number.isNaN(Date.parse(recorded)) &&
      Date.parse(recorded) < asOf.getTime()
    ) {
      return { since: new Date(recorded), kind: "previous-digest" };
    }
    return { since: new Date(asOf.getTime() - DEFAULT_WINDOW_MS), kind: "default-window" };
  }

  /** Whether the slot was settled (posted, partial or failed), or is not the latest claimed one. */
  /**
   * Settled: this slot's own claim has an outcome. Not "a later slot was claimed": with the job queue an older
   * slot's digest can be retried after newer slots ran, and it must still be resumed, not dropped.
   */
  async #slotSettled(job: string, slot: string): Promise<boolean> {
    const claim = await this.#deps.store.slotClaim(job, slot);
    return claim === undefined || claim.doneAt !== undefined;
  }

  /** Throws DigestPostError when the main message could not be posted (the record is kept). */
  async post(channel: string, trigger: DigestTrigger): Promise<DigestResult> {
    const { store, instanceId, logger } = this.#deps;
    const slot = trigger.kind === "schedule" ? normalizeSlot(trigger.slot) : undefined;
    const log = logger.child({ digestChannel: channel, trigger: trigger.kind, ...(slot ? { slot } : {}) });
    const job = digestSlotJob(channel);
    const duplicate: DigestResult = {
      channel,
      status: "duplicate",
      threadPosted: 0,
      threadFailed: 0,
      adopted: 0,
      attempts: 0,
    };
    let resumed = false;
    if (slot !== undefined && !(await store.claimSlot(job, slot, instanceId))) {
      if (!(trigger.kind === "schedule" && trigger.resume) || (await this.#slotSettled(job, slot))) {
        log.info("digest already claimed for this slot and channel");
        return duplicate;
      }
      resumed = true;
      log.warn("resuming a digest slot that was started and not settled");
    }
    // Every page of this digest carries this id in its metadata; a scheduled slot is looked up by it.
    const slotId = slot ?? `on-demand:${randomUUID()}`;
    const actor = actorOf(trigger);
    const base = { trigger: trigger.kind, ...(slot ? { slot } : {}), ...(resumed ? { resumed } : {}) };
    const fail = async (stage: string, error: unknown, attempts: number): Promise<never> => {
      const reason = error instanceof Error ? error.message : String(error);
      // Only a refusal for good settles the slot as failed. Anything else (rate limits past the last try, a
      // Slack or store outage, a page in an unknown state) leaves it open: the retried job resumes it, looking
      // up what may have been posted, so a transient failure neither loses the digest nor doubles it.
      let retryable = !refusedForGood(error);
      log.error({ err: error, stage, attempts, retryable }, "digest not posted");
      const failed = (retryable: boolean) => ({
        actor,
        action: DIGEST_ACTIONS.failed,
        target: channel,
        detail: { ...base, stage, error: reason, attempts, retryable },
      });
      // Settled as failed together with its record; if that cannot be written the slot stays open and the
      // retried job meets the same refusal and settles it then.
      if (retryable || !(await this.#settle(slot, job, `failed: ${reason}`, failed(false)))) {
        retryable = true;
        await this.#audit(failed(true));
      }
      throw new DigestPostError(`The digest for ${channel} was not posted: ${reason}`, channel, retryable, {
        cause: error,
      });
    };

    let data: DigestData;
    let pages: Map<number, DigestMessageRecord>;
    try {
      pages = new Map(
        slot === undefined ? [] : (await store.digestMessages(channel, slot)).map((p) => [p.page, p]),
      );
      // A resumed slot keeps the instant its first attempt assembled the digest for.
      const recordedAsOf = pages.get(0)?.asOf;
      const asOf =
        recordedAsOf !== undefined ? new Date(recordedAsOf) : (this.#deps.now ?? (() => new Date()))();
      const window = await this.since(channel, asOf);
      data = await buildDigestData(store, {
        asOf,
        since: window.since,
        sinceKind: window.kind,
        accounts: this.#deps.accounts,
      });
      await store.appendAudit({
        actor,
        action: DIGEST_ACTIONS.recorded,
        target: channel,
        detail: { ...base, asOf: data.asOf, since: data.since, ...summary(data) },
      });
    } catch (error) {
      return fail("assemble", error, 0);
    }

    const messages = renderDigest(data);
    const deliver = (page: number, message: { text: string; blocks: KnownBlock[] }, threadTs?: string) =>
      this.#deliver({
        wanted: { slot: slotId, channel, page },
        message,
        record: pages.get(page),
        persist: slot !== undefined,
        asOf: data.asOf,
        log,
        ...(threadTs !== undefined ? { threadTs } : {}),
      });

    let main: Delivery;
    try {
      main = await deliver(0, messages.main);
    } catch (error) {
      const stage = error instanceof PageStateUnknownError ? error.stage : "main";
      return fail(stage, error, (error as { attempts?: number }).attempts ?? 0);
    }
    const ts = main.ts;
    let adopted = main.how === "posted" ? 0 : 1;

    let threadPosted = 0;
    let threadFailed = 0;
    for (const [index, page] of messages.thread.entries()) {
      try {
        const delivered = await deliver(index + 1, page, ts);
        threadPosted += 1;
        if (delivered.how !== "posted") adopted += 1;
      } catch (error) {
        // A page posted and not recorded: stop here and leave the slot open for a resume to adopt it.
        if (error instanceof PageStateUnknownError && error.stage === "record") {
          return fail("record", error, 0);
        }
        // The main message is out; a missing detail page is logged and recorded, not retried forever.
        threadFailed += 1;
        log.error(
          { reason: describeSlackError(error), page: index + 1 },
          "a digest thread page was not posted",
        );
      }
    }
    const status = threadFailed > 0 ? "partial" : "posted";
    const record = {
      actor,
      action: DIGEST_ACTIONS.posted,
      target: channel,
      detail: {
        ...base,
        asOf: data.asOf,
        since: data.since,
        ts,
        threadPosted,
        threadFailed,
        adopted,
        attempts: main.attempts,
      },
    };
    const outcome = `${status} ts=${ts}${threadFailed > 0 ? ` thread_failed=${threadFailed}` : ""}`;
    if (!(await this.#settle(slot, job, outcome, record))) {
      // Posted, and neither the outcome nor its record written: the slot stays open, and the retried job
      // resumes it, finds every page recorded as posted, posts nothing and records the outcome then.
      throw new DigestPostError(
        `The digest for ${channel} was posted (ts ${ts}) but its outcome could not be recorded; a retry records it.`,
        channel,
        true,
        { cause: undefined },
      );
    }
    log.info({ ts, threadPosted, threadFailed, adopted, attempts: main.attempts }, "digest posted");
    return {
      channel,
      status,
      ts,
      asOf: data.asOf,
      since: data.since,
      threadPosted,
      threadFailed,
      adopted,
      attempts: main.attempts,
    };
  }

  #retryOptions(log: Logger) {
    return {
      ...(this.#deps.retry ? { policy: this.#deps.retry } : {}),
      ...(this.#deps.sleep ? { sleep: this.#deps.sleep } : {}),
      onRetry: (info: { attempt: number; delayMs: number; reason: string }) =>
        log.warn(
          { attempt: info.attempt, delayMs: info.delayMs, reason: info.reason },
          "Slack call failed; retrying",
        ),
    };
  }

  /** Looks a page up in Slack with retries; throws PageStateUnknownError when that cannot be done. */
  async #lookup(
    wanted: DigestPagePayload,
    startedAtMs: number,
    threadTs: string | undefined,
    log: Logger,
  ): Promise<string | undefined> {
    const history = this.#deps.client.conversations;
    if (!history)
      throw new PageStateUnknownError("lookup", "no conversations client to read the history with");
    try {
      const found = await withSlackRetries(
        () => findDigestPage(history, wanted, { startedAtMs, ...(threadTs ? { threadTs } : {}) }),
        this.#retryOptions(log),
      );
      log.info({ page: wanted.page, found: found.value !== undefined }, "looked the digest page up in Slack");
      return found.value;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PageStateUnknownError("lookup", reason, { cause: error });
    }
  }

  /**
   * One page: skipped when recorded as posted, adopted when a page started and not recorded is found in
   * Slack, posted otherwise (recorded as started first, with its ts after).
   */
  async #deliver(input: {
    wanted: DigestPagePayload;
    message: { text: string; blocks: KnownBlock[] };
    record: DigestMessageRecord | undefined;
    persist: boolean;
    asOf: string;
    threadTs?: string;
    log: Logger;
  }): Promise<Delivery> {
    const { wanted, record, log } = input;
    const { store } = this.#deps;
    const recordPosted = async (ts: string) => {
      if (!input.persist) return;
      try {
        await store.digestMessagePosted(wanted.channel, wanted.slot, wanted.page, ts);
      } catch (error) {
        throw new PageStateUnknownError("record", error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
    };
    if (record?.ts !== undefined) return { ts: record.ts, how: "recorded", attempts: 0 };
    let startedAtMs = (this.#deps.now ?? (() => new Date()))().getTime();
    if (record !== undefined) {
      startedAtMs = Date.parse(record.startedAt);
      const found = await this.#lookup(wanted, startedAtMs, input.threadTs, log);
      if (found !== undefined) {
        await recordPosted(found);
        return { ts: found, how: "adopted", attempts: 0 };
      }
    } else if (input.persist) {
      const started = await store.digestMessageStarted({
        channel: wanted.channel,
        slot: wanted.slot,
        page: wanted.page,
        ...(wanted.page === 0 ? { asOf: input.asOf } : {}),
      });
      startedAtMs = Date.parse(started.startedAt);
    }
    // A try whose answer was lost may have posted: the next try looks for it before posting again.
    let uncertain = false;
    const post = () =>
      withSlackRetries(
        async (): Promise<{ ts: string | undefined; how: Delivery["how"] }> => {
          if (uncertain) {
            if (!this.#deps.client.conversations) {
              throw new CannotCheckError(
                "a post may have reached Slack and there is no history client to check",
              );
            }
            const found = await findDigestPage(this.#deps.client.conversations, wanted, {
              startedAtMs,
              ...(input.threadTs ? { threadTs: input.threadTs } : {}),
            });
            if (found !== undefined) return { ts: found, how: "adopted" };
          }
          try {
            const answer = await this.#deps.client.chat.postMessage({
              channel: wanted.channel,
              text: input.message.text,
              blocks: input.message.blocks,
              ...(input.threadTs !== undefined ? { thread_ts: input.threadTs } : {}),
              unfurl_links: false,
              unfurl_media: false,
              metadata: digestMetadata(wanted),
            });
            return { ts: answer.ts, how: "posted" };
          } catch (error) {
            if (mayHavePosted(error)) uncertain = true;
            throw error;
          }
        },
        { ...this.#retryOptions(log), permanent: (error) => error instanceof CannotCheckError },
      );
    let posted: Awaited<ReturnType<typeof post>>;
    try {
      posted = await post();
    } catch (error) {
      // The last try may have reached Slack: the page's state is unknown, and a resume must look it up.
      if (uncertain && input.persist) {
        throw new PageStateUnknownError("lookup", error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
      throw error;
    }
    const ts = posted.value.ts;
    if (ts === undefined) throw new Error("Slack answered the post without a ts");
    await recordPosted(ts);
    return { ts, how: posted.value.how, attempts: posted.attempts };
  }

  /**
   * Settles the slot with its outcome and the outcome's audit entry, in one transaction. True when they are
   * written (or another attempt had settled the slot, with its own record); false when the store failed and
   * the slot is still open. A digest without a slot (on demand) only has the entry to write.
   */
  async #settle(
    slot: string | undefined,
    job: string,
    outcome: string,
    record: Parameters<Store["appendAudit"]>[0],
  ): Promise<boolean> {
    if (slot === undefined) {
      await this.#audit(record);
      return true;
    }
    try {
      if (!(await this.#deps.store.markSlotDone(job, slot, outcome.slice(0, 1000), record))) {
        this.#deps.logger.warn(
          { job, slot },
          "the digest slot was settled by another attempt; its outcome stands",
        );
      }
      return true;
    } catch (error) {
      this.#deps.logger.error({ err: error, job, slot }, "could not record the digest outcome");
      return false;
    }
  }

  async #audit(entry: Parameters<Store["appendAudit"]>[0]): Promise<void> {
    try {
      await this.#deps.store.appendAudit(entry);
    } catch (error) {
      this.#deps.logger.error(
        { err: error, action: entry.action },
        "could not append the digest to the audit log",
      );
    }
  }
}

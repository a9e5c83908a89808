/**
 * Posts the digest to one channel: record first (a claimed slot for a scheduled digest, an audit entry for
 * every digest), then build, render and post with retries, then record the outcome. A Slack failure never
 * loses the record: the slot is marked failed and the audit log says what was attempted and why it failed.
 */
import type { KnownBlock } from "@slack/types";
import type { Logger } from "../logging/logger.js";
import { renderDigest } from "../slack/views/digest.js";
import type { Store } from "../store/types.js";
import { buildDigestData, DEFAULT_WINDOW_MS, type DigestData, type DigestStore } from "./digest-data.js";
import { describeSlackError, type RetryPolicy, type Sleep, withSlackRetries } from "./slack-retry.js";

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
    }): Promise<{ ts?: string | undefined }>;
  };
}

export type DigestPostStore = DigestStore &
  Pick<Store, "claimSlot" | "markSlotDone" | "appendAudit" | "listAudit">;

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
  attempts: number;
}

export class DigestPostError extends Error {
  override readonly name = "DigestPostError";
  constructor(
    message: string,
    readonly channel: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

export const DIGEST_ACTIONS = {
  recorded: "digest.recorded",
  posted: "digest.posted",
  failed: "digest.failed",
} as const;

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
    new: data.newFindings.length,
    resolved: data.resolved.length,
    stillFailing: data.stillFailing.length,
    pendingApprovals: data.pendingApprovals.length,
    expiringSuppressions: data.expiringSuppressions.length,
    scanProblems: data.scanProblems.length,
    missingPermissions: data.missingPermissions.length,
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

  /** Throws DigestPostError when the main message could not be posted (the record is kept). */
  async post(channel: string, trigger: DigestTrigger): Promise<DigestResult> {
    const { store, instanceId, logger } = this.#deps;
    const slot = trigger.kind === "schedule" ? trigger.slot : undefined;
    const log = logger.child({ digestChannel: channel, trigger: trigger.kind, ...(slot ? { slot } : {}) });
    const job = digestSlotJob(channel);
    if (slot !== undefined && !(await store.claimSlot(job, slot, instanceId))) {
      log.info("digest already claimed for this slot and channel");
      return { channel, status: "duplicate", threadPosted: 0, threadFailed: 0, attempts: 0 };
    }
    const actor = actorOf(trigger);
    const base = { trigger: trigger.kind, ...(slot ? { slot } : {}) };
    const fail = async (stage: string, error: unknown, attempts: number): Promise<never> => {
      const reason = error instanceof Error ? error.message : String(error);
      log.error({ err: error, stage, attempts }, "digest not posted");
      await this.#settle(slot, job, `failed: ${reason}`);
      await this.#audit({
        actor,
        action: DIGEST_ACTIONS.failed,
        target: channel,
        detail: { ...base, stage, error: reason, attempts },
      });
      throw new DigestPostError(`The digest for ${channel} was not posted: ${reason}`, channel, {
        cause: error,
      });
    };

    let data: DigestData;
    try {
      const asOf = (this.#deps.now ?? (() => new Date()))();
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
    const retry = {
      ...(this.#deps.retry ? { policy: this.#deps.retry } : {}),
      ...(this.#deps.sleep ? { sleep: this.#deps.sleep } : {}),
      onRetry: (info: { attempt: number; delayMs: number; reason: string }) =>
        log.warn(
          { attempt: info.attempt, delayMs: info.delayMs, reason: info.reason },
          "Slack call failed; retrying",
        ),
    };
    let ts: string | undefined;
    let attempts = 0;
    try {
      const posted = await withSlackRetries(
        () =>
          this.#deps.client.chat.postMessage({
            channel,
            text: messages.main.text,
            blocks: messages.main.blocks,
            unfurl_links: false,
            unfurl_media: false,
          }),
        retry,
      );
      ts = posted.value.ts;
      attempts = posted.attempts;
    } catch (error) {
      return fail("main", error, (error as { attempts?: number }).attempts ?? 0);
    }

    let threadPosted = 0;
    let threadFailed = 0;
    for (const page of messages.thread) {
      if (ts === undefined) break;
      const threadTs = ts;
      try {
        await withSlackRetries(
          () =>
            this.#deps.client.chat.postMessage({
              channel,
              thread_ts: threadTs,
              text: page.text,
              blocks: page.blocks,
              unfurl_links: false,
              unfurl_media: false,
            }),
          retry,
        );
        threadPosted += 1;
      } catch (error) {
        // The main message is out; a missing detail page is logged and recorded, not retried forever.
        threadFailed += 1;
        log.error({ reason: describeSlackError(error) }, "a digest thread page was not posted");
      }
    }
    threadFailed += messages.thread.length - threadPosted - threadFailed;
    const status = threadFailed > 0 ? "partial" : "posted";
    await this.#settle(
      slot,
      job,
      `${status} ts=${ts ?? "?"}${threadFailed > 0 ? ` thread_failed=${threadFailed}` : ""}`,
    );
    await this.#audit({
      actor,
      action: DIGEST_ACTIONS.posted,
      target: channel,
      detail: { ...base, asOf: data.asOf, since: data.since, ts, threadPosted, threadFailed, attempts },
    });
    log.info({ ts, threadPosted, threadFailed, attempts }, "digest posted");
    const result: DigestResult = {
      channel,
      status,
      asOf: data.asOf,
      since: data.since,
      threadPosted,
      threadFailed,
      attempts,
    };
    if (ts !== undefined) result.ts = ts;
    return result;
  }

  async #settle(slot: string | undefined, job: string, outcome: string): Promise<void> {
    if (slot === undefined) return;
    try {
      await this.#deps.store.markSlotDone(job, slot, outcome.slice(0, 1000));
    } catch (error) {
      this.#deps.logger.error({ err: error, job, slot }, "could not record the digest outcome");
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

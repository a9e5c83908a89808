/**
 * The channel messages of running scans: one per scan and channel. It edits each with progress (throttled),
 * then replaces it with the result and posts the thread pages. A request that joins a running scan from
 * another channel gets its own message fed by the same scan; from the same channel it gets none.
 */
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { SlackMessage } from "./limits.js";
import type { ScanHandle, ScanOutcome, ScanProgressUpdate } from "./ports.js";
import {
  createProgressThrottle,
  type ProgressThrottle,
  systemClock,
  type ThrottleClock,
} from "./progress-throttle.js";
import type { TaskTracker } from "./tasks.js";
import { renderScanFailed, renderScanProgress } from "./views/scan-progress.js";
import { renderScanResultCooperatively } from "./views/scan-result.js";

export type ChatClient = { chat: Pick<WebClient["chat"], "postMessage" | "update"> };

interface ScanMessage {
  channel: string;
  ts: string;
  requestedBy: string[];
  /** Views are rendered when sent, not when queued: most progress events are dropped unrendered. */
  throttle: ProgressThrottle<() => SlackMessage>;
}

interface Watch {
  handle: ScanHandle;
  accounts: string[];
  regions: string[];
  startedAt: Date;
  progress?: ScanProgressUpdate;
  /** Per channel, settled once the message is posted (undefined when posting failed). */
  messages: Map<string, Promise<ScanMessage | undefined>>;
  /** The messages posted so far, for the progress listener to reach without awaiting. */
  posted: ScanMessage[];
  settled?: { ok: true; outcome: ScanOutcome } | { ok: false; error: string };
}

export type PostResult =
  | { kind: "posted"; channel: string; ts: string }
  | { kind: "already-in-channel"; ts: string | undefined }
  | { kind: "failed"; error: string };

export interface ScanMessengerOptions {
  client: ChatClient;
  logger: Logger;
  tasks: TaskTracker;
  progressIntervalMs?: number;
  clock?: ThrottleClock;
}

function errorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  if (typeof data?.error === "string") return data.error;
  return error instanceof Error ? error.message : String(error);
}

export class ScanMessenger {
  readonly #watches = new Map<string, Watch>();

  constructor(private readonly options: ScanMessengerOptions) {}

  /** Posts (or reuses) this scan's message in `channel` and keeps it current until the scan ends. */
  async post(
    handle: ScanHandle,
    request: { channel: string; userId: string; accounts: string[]; regions: string[] },
  ): Promise<PostResult> {
    const watch = this.#watch(handle, request);
    const existing = watch.messages.get(request.channel);
    if (existing) {
      const message = await existing;
      if (message && !message.requestedBy.includes(request.userId)) message.requestedBy.push(request.userId);
      return { kind: "already-in-channel", ts: message?.ts };
    }
    // Reserved before the first await, so two requests at once cannot both post.
    const posting = this.#postMessage(watch, request.channel, request.userId);
    watch.messages.set(
      request.channel,
      posting.then((r) => (r.ok ? r.message : undefined)),
    );
    const result = await posting;
    if (!result.ok) {
      watch.messages.delete(request.channel);
      return { kind: "failed", error: result.error };
    }
    watch.posted.push(result.message);
    if (watch.settled) this.#finishMessage(watch, result.message);
    return { kind: "posted", channel: result.message.channel, ts: result.message.ts };
  }

  #watch(handle: ScanHandle, request: { accounts: string[]; regions: string[] }): Watch {
    const known = this.#watches.get(handle.id);
    if (known) return known;
    const watch: Watch = {
      handle,
      accounts: request.accounts,
      regions: request.regions,
      startedAt: new Date(),
      messages: new Map(),
      posted: [],
    };
    this.#watches.set(handle.id, watch);
    const unsubscribe = handle.onProgress((progress) => {
      watch.progress = progress;
      for (const m of watch.posted) m.throttle.push(() => this.#progressView(watch, m));
    });
    this.options.tasks.run(`scan ${handle.id}`, async () => {
      try {
        watch.settled = { ok: true, outcome: await handle.done };
      } catch (error) {
        watch.settled = { ok: false, error: error instanceof Error ? error.message : String(error) };
      } finally {
        unsubscribe();
      }
      await this.#eachMessage(watch, (m) => this.#finishMessage(watch, m));
      this.#watches.delete(handle.id);
    });
    return watch;
  }

  async #eachMessage(watch: Watch, fn: (m: ScanMessage) => unknown): Promise<void> {
    const messages = await Promise.all(watch.messages.values());
    for (const m of messages) if (m) fn(m);
  }

  #progressView(watch: Watch, m: Pick<ScanMessage, "requestedBy">): SlackMessage {
    return renderScanProgress({
      scanId: watch.handle.id,
      accounts: watch.accounts,
      regions: watch.regions,
      startedAt: watch.startedAt,
      requestedBy: m.requestedBy,
      ...(watch.progress ? { progress: watch.progress } : {}),
    });
  }

  async #postMessage(
    watch: Watch,
    channel: string,
    userId: string,
  ): Promise<{ ok: true; message: ScanMessage } | { ok: false; error: string }> {
    const { client, logger } = this.options;
    const requestedBy = [userId];
    try {
      const posted = await client.chat.postMessage({
        channel,
        ...this.#progressView(watch, { requestedBy }),
      });
      if (!posted.ts) return { ok: false, error: "no_ts" };
      const ts = posted.ts;
      const postedChannel = posted.channel ?? channel;
      const throttle = createProgressThrottle<() => SlackMessage>(
        async (render) => {
          await client.chat.update({ channel: postedChannel, ts, ...render() });
        },
        {
          // The post counts as the first write: the first edit comes an interval after it.
          lastSentAt: (this.options.clock ?? systemClock).now(),
          intervalMs: this.options.progressIntervalMs ?? 1000,
          ...(this.options.clock ? { clock: this.options.clock } : {}),
          onError: (error) =>
            logger.warn({ err: error, scanId: watch.handle.id }, "could not edit the scan message"),
        },
      );
      return { ok: true, message: { channel: postedChannel, ts, requestedBy, throttle } };
    } catch (error) {
      return { ok: false, error: errorCode(error) };
    }
  }

  #finishMessage(watch: Watch, m: ScanMessage): void {
    const settled = watch.settled;
    if (!settled) return;
    this.options.tasks.run(`result ${watch.handle.id} ${m.channel}`, async () => {
      if (!settled.ok) {
        await m.throttle.finish(() =>
          renderScanFailed({
            scanId: watch.handle.id,
            startedAt: watch.startedAt,
            error: settled.error,
            requestedBy: m.requestedBy,
          }),
        );
        return;
      }
      const { main, thread } = await renderScanResultCooperatively({
        outcome: settled.outcome,
        requestedBy: m.requestedBy,
      });
      await m.throttle.finish(() => main);
      // In order, one at a time: pages are numbered and Slack rate-limits posting per channel.
      for (const page of thread) {
        await this.options.client.chat.postMessage({ channel: m.channel, thread_ts: m.ts, ...page });
      }
    });
  }
}

/**
 * Every digest message carries Slack message metadata naming its slot, channel and page. A page that was
 * started and not recorded as posted (a crash between `chat.postMessage` and the store, or a post whose answer
 * was lost) is looked up in the channel's recent history, or in the main message's thread, before anything is
 * posted again: a message found is adopted, not doubled.
 */

export const DIGEST_EVENT_TYPE = "forecast_audit_digest";

export interface DigestPagePayload {
  /** The scheduled slot, or `on-demand:<id>` for a digest someone asked for. */
  slot: string;
  channel: string;
  /** 0: the channel message; 1…: its thread pages. */
  page: number;
}

export interface DigestMetadata {
  event_type: typeof DIGEST_EVENT_TYPE;
  event_payload: { slot: string; channel: string; page: number };
}

export function digestMetadata(payload: DigestPagePayload): DigestMetadata {
  return {
    event_type: DIGEST_EVENT_TYPE,
    event_payload: { slot: payload.slot, channel: payload.channel, page: payload.page },
  };
}

/** A message as `conversations.history`/`replies` return it, with only what the lookup reads. */
export interface HistoryMessage {
  ts?: string | undefined;
  thread_ts?: string | undefined;
  metadata?: { event_type?: string | undefined; event_payload?: unknown } | undefined;
}

export interface HistoryPage {
  messages?: HistoryMessage[] | undefined;
  has_more?: boolean | undefined;
  response_metadata?: { next_cursor?: string | undefined } | undefined;
}

export interface HistoryArgs {
  channel: string;
  oldest?: string;
  limit?: number;
  cursor?: string;
  include_all_metadata: boolean;
}

export interface DigestHistoryClient {
  history(args: HistoryArgs): Promise<HistoryPage>;
  replies(args: HistoryArgs & { ts: string }): Promise<HistoryPage>;
}

/** How far back a lookup reads: from a little before the page was started, and at most this many pages. */
export const LOOKUP_BOUNDS = {
  /** Clock skew between this host and Slack. */
  skewMs: 5 * 60_000,
  pageSize: 200,
  maxPages: 10,
} as const;

/** `1700000000.000100` for an instant: Slack's `oldest` bound. */
export function slackTs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(6);
}

export function isDigestPage(message: HistoryMessage, wanted: DigestPagePayload): boolean {
  const m = message.metadata;
  if (m?.event_type !== DIGEST_EVENT_TYPE) return false;
  const p = m.event_payload as Partial<Record<keyof DigestPagePayload, unknown>> | undefined;
  return (
    p !== undefined &&
    p !== null &&
    p.slot === wanted.slot &&
    p.channel === wanted.channel &&
    Number(p.page) === wanted.page
  );
}

export class DigestLookupIncompleteError extends Error {
  override readonly name = "DigestLookupIncompleteError";
}

/**
 * The ts of the digest page `wanted` if it is in the channel (page 0) or in the thread of `threadTs`
 * (pages 1…), posted after `startedAtMs` less the skew; undefined when it is not there. Throws when Slack does
 * not answer (the caller retries) or when the bounded window was read to its end without a verdict.
 */
export async function findDigestPage(
  client: DigestHistoryClient,
  wanted: DigestPagePayload,
  options: { startedAtMs: number; threadTs?: string },
): Promise<string | undefined> {
  const oldest = slackTs(options.startedAtMs - LOOKUP_BOUNDS.skewMs);
  let cursor: string | undefined;
  for (let page = 0; page < LOOKUP_BOUNDS.maxPages; page++) {
    const args: HistoryArgs = {
      channel: wanted.channel,
      oldest,
      limit: LOOKUP_BOUNDS.pageSize,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    };
    const answer =
      options.threadTs === undefined
        ? await client.history(args)
        : await client.replies({ ...args, ts: options.threadTs });
    const found = answer.messages?.find((m) => isDigestPage(m, wanted));
    if (found?.ts) return found.ts;
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!answer.has_more || !cursor) return undefined;
  }
  throw new DigestLookupIncompleteError(
    `more than ${LOOKUP_BOUNDS.maxPages * LOOKUP_BOUNDS.pageSize} messages since the page was started`,
  );
}

/**
 * A local stand-in for the Slack Web API (and for `response_url`s): answers the methods the app calls with
 * realistic `ok: true` payloads and records every call with its parsed body, for the Slack e2e tests.
 * Posted messages are kept per channel with their message metadata, and `conversations.history`/`replies`
 * serve them as Slack does: newest first (replies: parent first, then oldest first), `oldest` exclusive,
 * `limit` + cursor paging, and metadata only with `include_all_metadata`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  /** A Web API method (`chat.postMessage`), or `response_url` for posts to a response URL. */
  method: string;
  body: Record<string, unknown>;
  /** The bearer token the call carried. */
  token: string | undefined;
  /** For `response_url` calls: the id in the URL. */
  responseId?: string;
  /** What the fake answered. */
  response: Record<string, unknown>;
  /** When the fake had read the call (`performance.now()` of this process). */
  receivedAt: number;
}

/** A message as the fake keeps it. */
export interface StoredMessage {
  channel: string;
  ts: string;
  text: unknown;
  thread_ts?: string;
  metadata?: unknown;
}

export interface FakeSlackApiOptions {
  /** Milliseconds since the epoch the ts of each post is taken from (default: a fixed 2023 instant). */
  now?: () => number;
}

export interface FakeSlackApi {
  /** The Web API base URL, ending with `/`, for `SLACK_API_URL`. */
  url: string;
  /** A response URL that records its posts under `response_url`. */
  responseUrl(id: string): string;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** Resolves when `predicate` holds over the recorded calls; rejects after `timeoutMs`. */
  waitFor(predicate: (calls: RecordedCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Members returned by `usergroups.users.list`, by group id. */
  usergroups: Record<string, string[]>;
  /** The WebSocket URL `apps.connections.open` hands out (Socket Mode tests). */
  socketModeUrl: string | undefined;
  /** Makes the next call of `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string): void;
  /** Makes the next call of `method` whose body `matches` answer `{ ok: false, error }` (others go through). */
  failNextWhere(method: string, matches: (body: Record<string, unknown>) => boolean, error: string): void;
  /** Makes the next call of `method` answer with this HTTP status (429 with `Retry-After`), without acting. */
  failNextHttp(method: string, status: number, retryAfterSeconds?: number): void;
  /**
   * Rate-limits `method` as Slack does past its tier: from now on it answers `okCalls` more calls, then 429
   * with `Retry-After` to every call, without acting. `okCalls: Infinity` lifts the limit.
   */
  rateLimitAfter(method: string, okCalls: number, retryAfterSeconds: number): void;
  /** Every message posted, by channel, in the order posted. */
  messages(channel: string): StoredMessage[];
  clear(): void;
  close(): Promise<void>;
}

const TEAM = { team_id: "T0FAKE", team: "Fake Team", url: "https://fake.slack.test/" };
const BOT = { user_id: "U0BOT", bot_id: "B0BOT", user: "forecast-audit" };

/** Form values that are JSON (blocks, view) are parsed, as Slack does. */
function parseValue(value: string): unknown {
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw === "") return {};
  if ((req.headers["content-type"] ?? "").includes("application/json"))
    return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) body[k] = parseValue(v);
  return body;
}

function isTrue(value: unknown): boolean {
  return value === true || value === "true" || value === 1 || value === "1";
}

/** `limit` messages from the cursor's offset, with Slack's paging fields. */
function pageOf(
  list: StoredMessage[],
  body: Record<string, unknown>,
): { messages: Record<string, unknown>[]; has_more: boolean; response_metadata: { next_cursor: string } } {
  const offset = typeof body.cursor === "string" && body.cursor !== "" ? Number(body.cursor) : 0;
  const limit = Math.min(Math.max(Number(body.limit ?? 100) || 100, 1), 1000);
  const slice = list.slice(offset, offset + limit);
  const hasMore = offset + limit < list.length;
  const withMetadata = isTrue(body.include_all_metadata);
  return {
    messages: slice.map((m) => ({
      type: "message",
      ts: m.ts,
      text: m.text,
      bot_id: BOT.bot_id,
      ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
      ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
    })),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? String(offset + limit) : "" },
  };
}

function newerThan(oldest: unknown): (m: StoredMessage) => boolean {
  const bound = typeof oldest === "string" || typeof oldest === "number" ? Number(oldest) : 0;
  return (m) => Number(m.ts) > bound;
}

export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, string[]>();
  const matchedFailures: {
    method: string;
    matches: (body: Record<string, unknown>) => boolean;
    error: string;
  }[] = [];
  const httpFailures = new Map<string, { status: number; retryAfter?: number }[]>();
  const rateLimits = new Map<string, { okCalls: number; retryAfter: number }>();
  const rateLimited = (method: string): { status: number; retryAfter?: number } | undefined => {
    const limit = rateLimits.get(method);
    if (!limit) return undefined;
    if (limit.okCalls > 0) {
      limit.okCalls -= 1;
      return undefined;
    }
    return { status: 429, retryAfter: limit.retryAfter };
  };
  const stored = new Map<string, StoredMessage[]>();
  const usergroups: Record<string, string[]> = {};
  const waiters = new Set<() => void>();
  let tsCounter = 0;
  let viewCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    const seconds = options.now ? Math.floor(options.now() / 1000) : 1700000000;
    return `${seconds}.${String(tsCounter).padStart(6, "0")}`;
  };
  const channelMessages = (channel: string): StoredMessage[] => {
    let list = stored.get(channel);
    if (!list) {
      list = [];
      stored.set(channel, list);
    }
    return list;
  };

  function answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const failure = failures.get(method)?.shift();
    if (failure) return { ok: false, error: failure };
    const matched = matchedFailures.findIndex((f) => f.method === method && f.matches(body));
    if (matched >= 0) {
      const [f] = matchedFailures.splice(matched, 1);
      return { ok: false, error: f?.error };
    }
    const channel = typeof body.channel === "string" ? body.channel : "C0FAKE";
    switch (method) {
      case "auth.test":
        return { ok: true, ...TEAM, ...BOT };
      case "chat.postMessage": {
        const ts = nextTs();
        const message: StoredMessage = { channel, ts, text: body.text };
        if (typeof body.thread_ts === "string") message.thread_ts = body.thread_ts;
        if (body.metadata !== undefined) message.metadata = body.metadata;
        channelMessages(channel).push(message);
        return {
          ok: true,
          channel,
          ts,
          message: { type: "message", ts, text: body.text, bot_id: BOT.bot_id },
        };
      }
      case "chat.update":
        return { ok: true, channel, ts: body.ts, text: body.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: nextTs() };
      case "views.open":
      case "views.publish":
      case "views.update": {
        viewCounter += 1;
        const view = typeof body.view === "object" && body.view !== null ? body.view : {};
        return {
          ok: true,
          view: { id: `V0FAKE${viewCounter}`, team_id: TEAM.team_id, hash: `h${viewCounter}`, ...view },
        };
      }
      case "apps.connections.open":
        return fake.socketModeUrl
          ? { ok: true, url: fake.socketModeUrl }
          : { ok: false, error: "invalid_auth" };
      case "conversations.history": {
        const list = channelMessages(channel)
          .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
          .filter(newerThan(body.oldest))
          .reverse();
        return { ok: true, ...pageOf(list, body) };
      }
      case "conversations.replies": {
        const parent = channelMessages(channel).find((m) => m.ts === body.ts);
        if (!parent) return { ok: false, error: "thread_not_found" };
        const replies = channelMessages(channel).filter(
          (m) => m.thread_ts === parent.ts && m.ts !== parent.ts,
        );
        // Slack always answers with the parent first, whatever `oldest` says.
        return { ok: true, ...pageOf([parent, ...replies.filter(newerThan(body.oldest))], body) };
      }
      case "usergroups.users.list":
        return { ok: true, users: usergroups[String(body.usergroup)] ?? [] };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const body = await readBody(req);
      const auth = req.headers.authorization;
      const token = auth?.startsWith("Bearer ")
        ? auth.slice(7)
        : typeof body.token === "string"
          ? body.token
          : undefined;
      let payload: Record<string, unknown>;
      const response = /^\/response\/([^/]+)$/.exec(url.pathname);
      if (response) {
        payload = { ok: true };
        calls.push({
          method: "response_url",
          body,
          token,
          responseId: response[1] as string,
          response: payload,
          receivedAt: performance.now(),
        });
      } else {
        const method = url.pathname.replace(/^\/api\//, "");
        const http = httpFailures.get(method)?.shift() ?? rateLimited(method);
        if (http) {
          calls.push({
            method,
            body,
            token,
            response: { ok: false, status: http.status },
            receivedAt: performance.now(),
          });
          res.writeHead(http.status, {
            "content-type": "application/json",
            ...(http.retryAfter !== undefined ? { "retry-after": String(http.retryAfter) } : {}),
          });
          res.end(JSON.stringify({ ok: false, error: http.status === 429 ? "ratelimited" : "fatal_error" }));
          for (const wake of waiters) wake();
          return;
        }
        payload = answer(method, body);
        calls.push({ method, body, token, response: payload, receivedAt: performance.now() });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
      for (const wake of waiters) wake();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSlackApi = {
    url: `${base}/api/`,
    socketModeUrl: undefined,
    responseUrl: (id) => `${base}/response/${id}`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    usergroups,
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(calls)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitFor timed out; calls: ${calls.map((c) => c.method).join(", ")}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    failNextWhere(method, matches, error) {
      matchedFailures.push({ method, matches, error });
    },
    failNextHttp(method, status, retryAfterSeconds) {
      const failure =
        retryAfterSeconds === undefined ? { status } : { status, retryAfter: retryAfterSeconds };
      httpFailures.set(method, [...(httpFailures.get(method) ?? []), failure]);
    },
    rateLimitAfter(method, okCalls, retryAfterSeconds) {
      rateLimits.set(method, { okCalls, retryAfter: retryAfterSeconds });
    },
    messages: (channel) => [...(stored.get(channel) ?? [])],
    clear() {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/**
 * A local stand-in for the Slack Web API (and for `response_url`s): answers the methods the app calls with
 * realistic `ok: true` payloads and records every call with its parsed body, for the Slack e2e tests.
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

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, string[]>();
  const usergroups: Record<string, string[]> = {};
  const waiters = new Set<() => void>();
  let tsCounter = 0;
  let viewCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    return `1700000000.${String(tsCounter).padStart(6, "0")}`;
  };

  function answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const failure = failures.get(method)?.shift();
    if (failure) return { ok: false, error: failure };
    const channel = typeof body.channel === "string" ? body.channel : "C0FAKE";
    switch (method) {
      case "auth.test":
        return { ok: true, ...TEAM, ...BOT };
      case "chat.postMessage": {
        const ts = nextTs();
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
        });
      } else {
        const method = url.pathname.replace(/^\/api\//, "");
        payload = answer(method, body);
        calls.push({ method, body, token, response: payload });
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

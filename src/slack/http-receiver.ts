/**
 * HTTP mode's receiver: Bolt's HTTPReceiver behind a server with bounds. Bolt alone buffers up to 4 MB of
 * any body before it checks the signature and keeps slow uploads for Node's default 300 s. Here a request
 * to `/slack/events` is refused before its body is read when its headers cannot be Slack's (no signature,
 * a stale timestamp, a declared size over the limit); otherwise the body is streamed with a cap and its
 * signature checked before Bolt sees it. The server has header and request timeouts and a connection cap.
 *
 * Acknowledged first: a signed slash command, button click or event, whose listeners answer with an empty
 * acknowledgement anyway, gets its `200` as soon as its signature is checked; Bolt then processes it (the
 * delivery claim, the policy, the listener) on a later turn of the event loop, so that requests still arriving
 * are read and acknowledged before earlier ones are worked on. Nothing is acted on before the claim and the
 * policy: only the `200` moved. A modal submission or an options request, whose answer carries data, is
 * acknowledged by its listener as before, and so is every request while `maxAcknowledgedPending` requests
 * acknowledged first are still being processed (a flood is slowed to what gets done instead of piling up).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  type App,
  type Logger as BoltLogger,
  type CustomRoute,
  HTTPModuleFunctions,
  HTTPReceiver,
  type Receiver,
  type ReceiverEvent,
} from "@slack/bolt";

export interface HttpLimits {
  /** The largest body accepted; Slack's largest payloads (a modal's state, a 50-block message) fit. */
  bodyLimitBytes: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body); slower uploads get 408 and are closed. */
  requestTimeoutMs: number;
  /** Connections beyond this many at once are closed as they arrive. */
  maxConnections: number;
  /**
   * Requests acknowledged first and not yet processed, at most: past it a request is acknowledged by its
   * listener after its claim and policy (the work acknowledged never piles up without bound). 0: never first.
   */
  maxAcknowledgedPending: number;
}

export interface BoundedReceiverOptions {
  signingSecret: string;
  endpoints: string[];
  customRoutes: CustomRoute[];
  logger: BoltLogger;
  limits: HttpLimits;
  /** Called once a minute at most with the requests refused since the last call (for the log). */
  onRefused?(counts: Record<number, number>): void;
  now?: () => number;
}

/** Slack's own rule: a request older than five minutes may be a replay. */
const MAX_SKEW_SECONDS = 5 * 60;
/** After a refusal, what the client still sends is read and dropped for this long at most. */
const DRAIN_MS = 1_000;
/** `ssl_check=1&token=…`: Slack's certificate probe, which Bolt answers without a signature. */
const SSL_CHECK_MAX_BYTES = 1_024;

type BodyRead = { ok: true; body: Buffer } | { ok: false; status: 408 | 413 | 400 };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** Reads at most `limit` bytes; stops reading (and keeps nothing) as soon as the body is larger. */
function readCapped(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyRead) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        done({ ok: false, status: 413 });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => done({ ok: false, status: 400 });
    const onClose = () => done({ ok: false, status: req.complete ? 400 : 408 });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** Interaction payloads whose listeners acknowledge with no body: answered before they are processed. */
const EMPTY_ACK_PAYLOADS = new Set(["block_actions", "event_callback", "shortcut", "message_action"]);

/**
 * Whether a signed request can be acknowledged before it is processed: a slash command (form fields with
 * `command`), a click, a shortcut or an event. Not a modal submission (its answer may carry errors or a new
 * view), an options request, a URL verification or anything not recognised.
 */
export function acknowledgedFirst(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const b = body as { command?: unknown; type?: unknown; ssl_check?: unknown };
  if (b.ssl_check !== undefined) return false;
  if (typeof b.command === "string" && b.type === undefined) return true;
  return typeof b.type === "string" && EMPTY_ACK_PAYLOADS.has(b.type);
}

export function validSignature(secret: string, timestamp: string, signature: string, body: Buffer): boolean {
  const expected = Buffer.from(
    `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class BoundedHttpReceiver implements Receiver {
  readonly #inner: HTTPReceiver;
  readonly #options: BoundedReceiverOptions;
  #app: App | undefined;
  /** Acknowledged first and not processed yet. */
  #pending = 0;
  #server: Server | undefined;
  #refused: Record<number, number> = {};
  #lastReport = 0;

  constructor(options: BoundedReceiverOptions) {
    this.#options = options;
    this.#inner = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: options.endpoints,
      customRoutes: options.customRoutes,
      logger: options.logger,
      bodyLimit: options.limits.bodyLimitBytes,
    });
  }

  init(app: App): void {
    this.#app = app;
    this.#inner.init(app);
  }

  start(port: number): Promise<Server> {
    const { limits } = this.#options;
    const server = createServer(
      {
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        keepAliveTimeout: 5_000,
        // How often Node looks for requests past their timeouts (its default is 30 s).
        connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
      },
      (req, res) => this.#route(req, res),
    );
    server.maxConnections = limits.maxConnections;
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, () => {
        server.off("error", reject);
        resolve(server);
      });
    });
  }

  stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "POST" && this.#options.endpoints.includes(path)) {
      void this.#event(req, res).catch((error: unknown) => {
        this.#options.logger.error(`A Slack request failed before Bolt saw it: ${String(error)}`);
        if (!res.headersSent) this.#refuse(req, res, 500);
      });
      return;
    }
    try {
      this.#inner.requestListener(req, res);
    } catch {
      // Bolt throws for a path it does not serve (HTTPReceiverDeferredRequestError).
      if (!res.headersSent) {
        res.writeHead(404);
        res.end();
      }
    }
  }

  /**
   * Answers at once and closes the connection without keeping a byte of the body. The close lingers: after
   * the response the server sends FIN but keeps reading (and dropping) what the client still sends, for a
   * second at most, so the client's kernel is not reset while the response waits to be read; Node's own
   * close (`destroySoon`) would reset it at once and the client could lose its 401 or 413.
   */
  #refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
    this.#count(status);
    const socket = req.socket as Socket & { destroySoon?: () => void };
    socket.destroySoon = () => {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
      timer.unref();
      socket.once("close", () => clearTimeout(timer));
      socket.once("end", () => socket.destroy());
    };
    if (!res.headersSent) {
      res.writeHead(status, { connection: "close", "content-length": "0" });
      res.end();
    }
    req.resume();
  }

  #count(status: number): void {
    this.#refused[status] = (this.#refused[status] ?? 0) + 1;
    const now = (this.#options.now ?? Date.now)();
    if (this.#options.onRefused && now - this.#lastReport >= 60_000) {
      this.#lastReport = now;
      const counts = this.#refused;
      this.#refused = {};
      this.#options.onRefused(counts);
    }
  }

  async #event(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { limits, signingSecret } = this.#options;
    const declared = header(req, "content-length");
    if (
      declared !== undefined &&
      (!/^\d{1,15}$/.test(declared) || Number(declared) > limits.bodyLimitBytes)
    ) {
      this.#refuse(req, res, 413);
      return;
    }
    const signature = header(req, "x-slack-signature");
    const timestamp = header(req, "x-slack-request-timestamp");
    const now = Math.floor((this.#options.now ?? Date.now)() / 1000);
    const plausible =
      signature !== undefined &&
      /^v0=[0-9a-f]{64}$/.test(signature) &&
      timestamp !== undefined &&
      /^\d{1,12}$/.test(timestamp) &&
      Math.abs(now - Number(timestamp)) <= MAX_SKEW_SECONDS;
    if (!plausible) {
      if (await this.#sslCheck(req, res)) return;
      if (!res.headersSent) this.#refuse(req, res, 401);
      return;
    }
    const read = await readCapped(req, limits.bodyLimitBytes);
    if (!read.ok) {
      this.#refuse(req, res, read.status);
      return;
    }
    if (!validSignature(signingSecret, timestamp, signature, read.body)) {
      this.#refuse(req, res, 401);
      return;
    }
    // Bolt takes a body already read as it is (and checks the signature again, cheaply).
    const buffered = Object.assign(req, { rawBody: read.body });
    const body = this.#parse(buffered);
    if (
      body !== undefined &&
      acknowledgedFirst(body) &&
      this.#app &&
      this.#pending < limits.maxAcknowledgedPending
    ) {
      this.#acknowledgeThenProcess(this.#app, buffered, res, body);
      return;
    }
    this.#inner.requestListener(req, res);
  }

  /** The body as Bolt parses it; undefined when it does not parse (Bolt's own path answers 400 then). */
  #parse(req: IncomingMessage & { rawBody: Buffer }): Record<string, unknown> | undefined {
    try {
      const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(req);
      return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  #acknowledgeThenProcess(
    app: App,
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): void {
    res.writeHead(200, { "content-length": "0" });
    res.end();
    const logger = this.#options.logger;
    const retryNum = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
    const retryReason = HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req);
    const event: ReceiverEvent = {
      body,
      // The 200 is out: a listener's own ack() has nothing left to send (all of these acknowledge empty).
      ack: async (response?: unknown) => {
        if (response !== undefined && response !== "") {
          logger.warn(
            "a listener answered a request that had already been acknowledged; the answer is dropped",
          );
        }
      },
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
      customProperties: {},
    };
    // On a later turn: requests still arriving are read and acknowledged first.
    this.#pending += 1;
    setImmediate(() => {
      app
        .processEvent(event)
        .catch((error: unknown) => {
          logger.error(`A Slack request failed after it was acknowledged: ${String(error)}`);
        })
        .finally(() => {
          this.#pending -= 1;
        });
    });
  }

  /** Slack's unsigned `ssl_check=1` probe, read only when small; true when answered. */
  async #sslCheck(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const type = header(req, "content-type") ?? "";
    const declared = Number(header(req, "content-length") ?? Number.NaN);
    if (!type.startsWith("application/x-www-form-urlencoded") || !(declared <= SSL_CHECK_MAX_BYTES)) {
      return false;
    }
    const read = await readCapped(req, SSL_CHECK_MAX_BYTES);
    if (!read.ok) {
      this.#refuse(req, res, read.status);
      return true;
    }
    if (new URLSearchParams(read.body.toString("utf8")).get("ssl_check") === "1") {
      res.writeHead(200);
      res.end();
      return true;
    }
    this.#refuse(req, res, 401);
    return true;
  }
}

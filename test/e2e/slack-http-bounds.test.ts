/**
 * The HTTP receiver's bounds against the real app: a flood of unsigned 1 MB posts is refused (401/413)
 * without the bodies being kept, slow uploads and slow headers are closed within the configured timeouts,
 * connections beyond the cap are closed, and Slack's own signed requests still go through. Memory under
 * the flood is measured by `npm run bench:http` (docs/benchmarks.md), not asserted here.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, JSON_TYPE, postSigned, slackSignature, slashCommandBody } from "../support/slack-signing.js";

const SECRET = "http-bounds-signing-secret-0123";
const REQUEST_TIMEOUT_MS = 1_000;
const HEADERS_TIMEOUT_MS = 500;
/** What Node adds to a timeout before it acts: its check runs every headersTimeout / 4 here. */
const SLACK_MS = 600;
const MB = Buffer.alloc(1024 * 1024, "a");

let api: FakeSlackApi;
let slack: SlackAppHandle;
let capped: SlackAppHandle;
let port: number;
let cappedPort: number;

function app(http: Record<string, number>): SlackAppHandle {
  return createSlackApp({
    config: parseConfig({ slack: { teamId: "T0FAKE", scanners: { users: ["U0ALICE"] }, http } }),
    ports: createFakePorts().ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-bounds",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
}

beforeAll(async () => {
  api = await startFakeSlackApi();
  slack = app({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    maxConnections: 200,
  });
  port = (await slack.start()).port;
  capped = app({ requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, maxConnections: 5 });
  cappedPort = (await capped.start()).port;
});

afterAll(async () => {
  await slack?.stop();
  await capped?.stop();
  await api?.close();
});

type Flavour = "declared" | "chunked" | "forged-declared" | "forged-chunked";

/** One unsigned (or forged) 1 MB post; resolves with the status, or the error when there is none. */
function post1mb(flavour: Flavour): Promise<number | string> {
  const headers: Record<string, string> = { "content-type": FORM };
  if (flavour === "declared" || flavour === "forged-declared") headers["content-length"] = String(MB.length);
  if (flavour.startsWith("forged")) {
    headers["x-slack-request-timestamp"] = String(Math.floor(Date.now() / 1000));
    headers["x-slack-signature"] = `v0=${"0".repeat(64)}`;
  }
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, method: "POST", path: "/slack/events", headers },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", (error) => resolve(`error: ${error.message}`));
    if (headers["content-length"]) {
      req.end(MB);
    } else {
      // Written before the end, so Node sends it chunked, without a Content-Length.
      req.write(MB);
      req.end();
    }
  });
}

/** Opens a socket, writes `text`, and resolves with how long the server took to close it, and what it said. */
function heldOpen(target: number, text: string): Promise<{ closedAfterMs: number; reply: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let reply = "";
    const socket: Socket = connect(target, "127.0.0.1", () => socket.write(text));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve({ closedAfterMs: performance.now() - started, reply }));
  });
}

describe("the HTTP receiver's bounds", () => {
  it("refuses 1,000 unsigned or forged 1 MB posts, 50 at a time, every one with 401 or 413", async () => {
    const flavours: Flavour[] = ["declared", "chunked", "forged-declared", "forged-chunked"];
    const statuses: Record<string, number> = {};
    for (let round = 0; round < 20; round += 1) {
      const sent = Array.from({ length: 50 }, (_, i) => flavours[i % flavours.length] as Flavour);
      const answers = await Promise.all(sent.map(post1mb));
      sent.forEach((flavour, i) => {
        const key = `${flavour} ${answers[i]}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      });
    }
    // A declared size over the limit: 413 before a byte is read. No signature: 401 before reading.
    // A forged signature without a size: read up to the limit, then 413.
    // 50 a round over 4 flavours: 13, 13, 12 and 12 of each per round.
    expect(statuses).toEqual({
      "declared 413": 260,
      "chunked 401": 260,
      "forged-declared 413": 240,
      "forged-chunked 413": 240,
    });
    // Nothing reached a listener: no Web API call, no scan.
    expect(api.calls.filter((c) => c.method !== "auth.test")).toEqual([]);
  });

  it("refuses a forged signature on a body under the limit with 401, and an unsigned one before reading it", async () => {
    const body = slashCommandBody({ text: "scan", responseUrl: api.responseUrl("forged") });
    const forged = await postSigned(`http://127.0.0.1:${port}/slack/events`, body, FORM, {
      signingSecret: "not-the-secret",
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: "POST",
      headers: { "content-type": FORM },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(api.calls.filter((c) => c.method !== "auth.test")).toEqual([]);
  });

  it("still answers Slack's signed requests, and its unsigned ssl_check probe", async () => {
    const challenge = JSON.stringify({
      token: "legacy",
      challenge: "c-after-flood",
      type: "url_verification",
    });
    const res = await postSigned(`http://127.0.0.1:${port}/slack/events`, challenge, JSON_TYPE, {
      signingSecret: SECRET,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain("c-after-flood");
    const help = slashCommandBody({ text: "help", responseUrl: api.responseUrl("help") });
    expect(
      (await postSigned(`http://127.0.0.1:${port}/slack/events`, help, FORM, { signingSecret: SECRET }))
        .status,
    ).toBe(200);
    await api.waitFor((calls) => calls.some((c) => c.method === "response_url" && c.responseId === "help"));
    const probe = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: "POST",
      headers: { "content-type": FORM },
      body: "ssl_check=1&token=legacy",
    });
    expect(probe.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("closes a slow upload within the request timeout, signed-looking or not", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const head = (signed: boolean) =>
      [
        "POST /slack/events HTTP/1.1",
        "Host: 127.0.0.1",
        `Content-Type: ${FORM}`,
        "Content-Length: 100000",
        ...(signed
          ? [
              `X-Slack-Request-Timestamp: ${timestamp}`,
              `X-Slack-Signature: ${slackSignature(SECRET, Number(timestamp), "x")}`,
            ]
          : []),
        "",
        "payload=%7B",
      ].join("\r\n");
    const [signed, unsigned] = await Promise.all([heldOpen(port, head(true)), heldOpen(port, head(false))]);
    expect(signed.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(signed.reply).toMatch(/^HTTP\/1\.1 408/);
    // Unsigned: refused at once from its headers; the rest of its body is not waited for.
    expect(unsigned.reply).toMatch(/^HTTP\/1\.1 401/);
    expect(unsigned.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
  });

  it("closes a connection whose headers never finish within the headers timeout", async () => {
    const slow = await heldOpen(port, "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    expect(slow.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it("closes connections beyond the cap as they arrive", async () => {
    const held: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 5; i += 1) {
      await new Promise<void>((resolve) => {
        const socket = connect(cappedPort, "127.0.0.1", () => resolve());
        socket.on("error", () => {});
        socket.on("close", () => {
          closed[i] = true;
        });
        held.push(socket);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const extra = await heldOpen(cappedPort, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(extra.reply).toBe("");
    expect(closed.filter(Boolean)).toHaveLength(0);
    for (const socket of held) socket.destroy();
  });
});

/**
 * The Slack app in Socket Mode: it opens its connection through the (fake) Web API, acknowledges envelopes
 * over the WebSocket, and serves /healthz on PORT.
 */
import { createServer } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { type FakeSocketMode, startFakeSocketMode } from "../support/fake-socket-mode.js";
import { createFakePorts, type FakePorts, makeFindings } from "../support/slack-fakes.js";

let api: FakeSlackApi;
let socket: FakeSocketMode;
let fakes: FakePorts;
let slack: SlackAppHandle;
let healthPort: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

function slashEnvelope(id: string, text: string) {
  return {
    envelope_id: id,
    type: "slash_commands",
    accepts_response_payload: true,
    payload: {
      token: "legacy",
      team_id: "T0FAKE",
      team_domain: "fake",
      channel_id: "C0SCANS",
      channel_name: "security",
      user_id: "U0ALICE",
      user_name: "alice",
      command: "/forecast-audit",
      text,
      api_app_id: "A0FAKE",
      response_url: api.responseUrl(id),
      trigger_id: `trigger-${id}`,
    },
  };
}

beforeAll(async () => {
  api = await startFakeSlackApi();
  socket = await startFakeSocketMode();
  api.socketModeUrl = socket.url;
  fakes = createFakePorts({ scan: { findings: makeFindings(12) } });
  healthPort = await freePort();
  slack = createSlackApp({
    config: parseConfig({ slack: { scanners: { users: ["U0ALICE"] } } }),
    ports: fakes.ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-socket-test",
    appToken: "xapp-1-A0FAKE-socket-test",
    slackApiUrl: api.url,
    port: healthPort,
    webApiRetries: 0,
  });
  await slack.start();
  await socket.connected;
});

afterAll(async () => {
  await slack?.stop();
  await socket?.close();
  await api?.close();
});

describe("Slack app in Socket Mode", () => {
  it("opens the connection with the app token through SLACK_API_URL", () => {
    expect(slack.mode).toBe("socket");
    expect(api.callsTo("apps.connections.open")[0]?.token).toBe("xapp-1-A0FAKE-socket-test");
  });

  it("acknowledges a slash command over the socket and answers through its response URL", async () => {
    socket.send(slashEnvelope("env-help", "help"));
    expect(await socket.waitForAck("env-help")).toMatchObject({ envelope_id: "env-help" });
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "response_url" && c.responseId === "env-help"),
    );
  });

  it("runs a scan and posts its result", async () => {
    socket.send(slashEnvelope("env-scan", "scan"));
    await socket.waitForAck("env-scan");
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.update" && String(c.body.text).includes("12 failing")),
    );
    expect(fakes.scans.started).toHaveLength(1);
  });

  it("publishes the Home tab on app_home_opened", async () => {
    socket.send({
      envelope_id: "env-home",
      type: "events_api",
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: "",
      payload: {
        type: "event_callback",
        team_id: "T0FAKE",
        api_app_id: "A0FAKE",
        event_id: "Ev0SOCKET",
        event_time: 1,
        event: { type: "app_home_opened", user: "U0ALICE", channel: "D0HOME", tab: "home", event_ts: "1.2" },
        authorizations: [{ team_id: "T0FAKE", user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
      },
    });
    await socket.waitForAck("env-home");
    await api.waitFor((calls) => calls.some((c) => c.method === "views.publish"));
    // A scanner is a viewer: the real Home, not the refusal.
    const view = api.callsTo("views.publish")[0]?.body.view;
    expect(JSON.stringify(view)).toContain("Posture by account and region");
  });

  it("serves /healthz on PORT", async () => {
    const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(await res.json()).toEqual({ ok: true, mode: "socket" });
  });
});

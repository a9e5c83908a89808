/**
 * The Slack app end to end over HTTP: the real Bolt app on a free port, a fake Slack Web API that records
 * every call, and requests signed exactly as Slack signs them.
 */
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../../src/slack/ids.js";
import { checkMessage, checkView } from "../../src/slack/limits.js";
import { WEB_API_METHOD_SCOPES } from "../../src/slack/scopes.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import {
  createFakePorts,
  type FakePorts,
  makeFinding,
  makeFindings,
  recordOf,
} from "../support/slack-fakes.js";
import {
  FORM,
  interactionBody,
  JSON_TYPE,
  postSigned,
  slashCommandBody,
  uniqueTriggerId,
} from "../support/slack-signing.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1234-5678-fakebottoken";
const findings = makeFindings(30);
const records = findings.map((f) =>
  recordOf(f, { guidance: "Add a deny statement for aws:SecureTransport false." }),
);

let api: FakeSlackApi;
let fakes: FakePorts;
let slack: SlackAppHandle;
let events: string;
let base: string;
let responseCounter = 0;

function slash(text: string, fields: { userId?: string; channelId?: string; triggerId?: string } = {}) {
  responseCounter += 1;
  const responseId = `r${responseCounter}`;
  const body = slashCommandBody({ text, responseUrl: api.responseUrl(responseId), ...fields });
  return {
    body,
    responseId,
    send: (headers?: Record<string, string>) =>
      postSigned(events, body, FORM, { signingSecret: SECRET, ...(headers ? { headers } : {}) }),
  };
}

function responsesTo(id: string): RecordedCall[] {
  return api.calls.filter((c) => c.method === "response_url" && c.responseId === id);
}

async function responseText(id: string): Promise<string> {
  await api.waitFor(() => responsesTo(id).length > 0);
  return JSON.stringify(responsesTo(id)[0]?.body);
}

/** Polls for state the fake API does not see (the fake ports), up to a generous deadline. */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Everything sent before it has been handled once its own reply arrives. */
async function barrier(): Promise<void> {
  const help = slash("help");
  expect((await help.send()).status).toBe(200);
  await api.waitFor(() => responsesTo(help.responseId).length > 0);
  await slack.idle();
}

function blockAction(action: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  responseCounter += 1;
  return interactionBody({
    type: "block_actions",
    team: { id: "T0FAKE", domain: "fake" },
    user: { id: "U0ALICE", username: "alice", team_id: "T0FAKE" },
    api_app_id: "A0FAKE",
    token: "legacy",
    trigger_id: uniqueTriggerId(),
    container: { type: "message", message_ts: "1700000000.000001", channel_id: "C0SCANS" },
    channel: { id: "C0SCANS", name: "security" },
    response_url: api.responseUrl(`a${responseCounter}`),
    actions: [{ block_id: "b1", action_ts: "1700000000.1", ...action }],
    ...extra,
  });
}

function homeOpened(eventId: string, user = "U0ALICE") {
  return JSON.stringify({
    token: "legacy",
    team_id: "T0FAKE",
    api_app_id: "A0FAKE",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_home_opened", user, channel: "D0HOME", tab: "home", event_ts: "1700000000.2" },
    authorizations: [{ team_id: "T0FAKE", user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
  });
}

beforeAll(async () => {
  api = await startFakeSlackApi();
  api.usergroups.S0SEC = ["U0CAROL"];
  fakes = createFakePorts({
    scan: { findings: [...findings, makeFinding({ status: "PASS", resourceArn: "arn:aws:s3:::ok" })] },
    records,
  });
  fakes.approvals.byUser.U0ALICE = [
    {
      id: "req-1",
      remediationId: "s3-bucket-enforce-tls",
      finding: findings[0] ?? makeFinding(),
      requestedBy: "U0BOB",
      requestedAt: new Date("2024-05-01T09:00:00Z"),
    },
  ];
  const config = parseConfig({
    accounts: [{ id: "123456789012", name: "prod" }, { id: "210987654321" }],
    slack: {
      scanChannels: ["C0SCANS", "C0OTHER"],
      scanners: { users: ["U0ALICE", "U0BOB"], usergroups: ["S0SEC"] },
      // Alice approves, so she also requests (fix, suppress) and sees the approvals waiting on Home.
      approvers: { users: ["U0ALICE"] },
    },
  });
  slack = createSlackApp({
    config,
    ports: fakes.ports,
    logger: pino({ level: "silent" }),
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  base = `http://127.0.0.1:${port}`;
  events = `${base}/slack/events`;
});

afterEach(async () => {
  fakes.scans.options.hold = false;
  fakes.scans.release();
  await slack.idle();
  api.clear();
  fakes.scans.requests.length = 0;
  fakes.scans.started.length = 0;
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
});

/** The Suppress modal submitted by U0ALICE from the scans channel, with this reason and duration (days). */
function suppressSubmission(ref: string, reason: string, days: string): string {
  return interactionBody({
    type: "view_submission",
    team: { id: "T0FAKE" },
    user: { id: "U0ALICE", team_id: "T0FAKE" },
    api_app_id: "A0FAKE",
    trigger_id: uniqueTriggerId(),
    view: {
      id: "V0MODAL",
      type: "modal",
      callback_id: CALLBACK_IDS.suppressModal,
      private_metadata: JSON.stringify({ ref, channelId: "C0SCANS" }),
      state: {
        values: {
          [BLOCK_IDS.suppressReason]: {
            [INPUT_ACTION_IDS.suppressReason]: { type: "plain_text_input", value: reason },
          },
          [BLOCK_IDS.suppressDuration]: {
            [INPUT_ACTION_IDS.suppressDuration]: { type: "static_select", selected_option: { value: days } },
          },
        },
      },
    },
  });
}

describe("Slack app over HTTP", () => {
  it("answers url_verification and /healthz", async () => {
    const challenge = JSON.stringify({ token: "legacy", challenge: "c-123", type: "url_verification" });
    const res = await postSigned(events, challenge, JSON_TYPE, { signingSecret: SECRET });
    expect(res.status).toBe(200);
    expect(res.text).toContain("c-123");
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, mode: "http" });
  });

  it("acknowledges /forecast-audit scan at once and posts progress, then the result with its thread", async () => {
    const cmd = slash("scan");
    const res = await cmd.send();
    console.log(`slash command acknowledged in ${res.elapsedMs.toFixed(1)} ms`);
    expect(res.status).toBe(200);
    // Slack's own protocol contract: an ack later than 3 s is an error shown to the user.
    expect(res.elapsedMs).toBeLessThan(3000);

    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.update" && String(c.body.text).includes("30 failing")),
    );
    await slack.idle();
    expect(fakes.scans.started).toEqual([
      { trigger: { kind: "slack", userId: "U0ALICE", channelId: "C0SCANS" } },
    ]);

    const [progress] = api.callsTo("chat.postMessage");
    expect(progress?.body.channel).toBe("C0SCANS");
    expect(String(progress?.body.text)).toMatch(/Forecast audit (starting|running)/);
    expect(progress?.token).toBe(BOT_TOKEN);

    const updates = api.callsTo("chat.update");
    const final = updates.at(-1);
    expect(final?.body.ts).toBe(progress?.response.ts);
    const main = { text: String(final?.body.text), blocks: final?.body.blocks as never };
    expect(checkMessage(main)).toEqual([]);
    expect(JSON.stringify(main.blocks)).toContain("Forecast audit: 30 failing");
    for (const u of updates) expect(u.body.channel).toBe("C0SCANS");

    const thread = api.callsTo("chat.postMessage").slice(1);
    expect(thread.length).toBeGreaterThan(0);
    for (const page of thread) {
      expect(page.body.thread_ts).toBe(final?.body.ts);
      expect(checkMessage({ text: String(page.body.text), blocks: page.body.blocks as never })).toEqual([]);
    }
    // The command got no ephemeral reply: the channel message is the answer.
    expect(responsesTo(cmd.responseId)).toEqual([]);
  });

  it("refuses a bad signature with 401 and neither posts nor scans", async () => {
    const cmd = slashCommandBody({ text: "scan", responseUrl: api.responseUrl("bad") });
    const res = await postSigned(events, cmd, FORM, {
      signingSecret: SECRET,
      signature: `v0=${"0".repeat(64)}`,
    });
    expect(res.status).toBe(401);
    const wrongSecret = await postSigned(events, cmd, FORM, { signingSecret: "another-secret" });
    expect(wrongSecret.status).toBe(401);
    await barrier();
    expect(fakes.scans.requests).toEqual([]);
    expect(api.calls.filter((c) => c.method !== "response_url" || c.responseId === "bad")).toEqual([]);
  });

  it("refuses a stale timestamp with 401 and neither posts nor scans", async () => {
    const cmd = slashCommandBody({ text: "scan", responseUrl: api.responseUrl("stale") });
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await postSigned(events, cmd, FORM, { signingSecret: SECRET, timestamp: sixMinutesAgo });
    expect(res.status).toBe(401);
    await barrier();
    expect(fakes.scans.requests).toEqual([]);
    expect(api.calls.filter((c) => c.method !== "response_url" || c.responseId === "stale")).toEqual([]);
  });

  it("processes a retried slash command delivery once", async () => {
    const cmd = slash("scan 123456789012");
    expect((await cmd.send()).status).toBe(200);
    const retry = await cmd.send({ "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" });
    expect(retry.status).toBe(200);
    await barrier();
    expect(fakes.scans.requests).toHaveLength(1);
    expect(api.callsTo("chat.postMessage").filter((c) => !c.body.thread_ts)).toHaveLength(1);
  });

  it("processes a retried event delivery once", async () => {
    const body = homeOpened("Ev0RETRY1");
    expect((await postSigned(events, body, JSON_TYPE, { signingSecret: SECRET })).status).toBe(200);
    const retry = await postSigned(events, body, JSON_TYPE, {
      signingSecret: SECRET,
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(retry.status).toBe(200);
    await barrier();
    expect(api.callsTo("views.publish")).toHaveLength(1);
  });

  it("scans one account and region when asked, by id or by configured name", async () => {
    await slash("scan prod eu-west-1").send();
    await barrier();
    expect(fakes.scans.requests[0]).toMatchObject({ accounts: ["123456789012"], regions: ["eu-west-1"] });
  });

  it("answers help, status, findings and digest ephemerally", async () => {
    const help = slash("help");
    await help.send();
    expect(await responseText(help.responseId)).toContain("findings [critical|high|medium|low]");
    expect(responsesTo(help.responseId)[0]?.body.response_type).toBe("ephemeral");

    fakes.findings.last = {
      id: "scan-prev",
      status: "succeeded",
      startedAt: new Date("2024-05-01T09:00:00Z"),
      finishedAt: new Date("2024-05-01T09:05:00Z"),
      accounts: ["123456789012"],
      regions: ["us-east-1"],
      failing: { critical: 2, high: 1, medium: 0, low: 0 },
      errors: 0,
      passed: 40,
    };
    const status = slash("status");
    await status.send();
    const statusText = await responseText(status.responseId);
    expect(statusText).toContain("scan-prev");
    expect(statusText).toContain("Running now:* nothing");

    const high = slash("findings high");
    await high.send();
    const highText = await responseText(high.responseId);
    expect(highText).toContain("Open findings at or above high");
    expect(highText).not.toContain("MEDIUM");
    expect(highText).toContain("HIGH");

    const digest = slash("digest");
    await digest.send();
    expect(await responseText(digest.responseId)).toContain("Posting the digest");
    await until(() => fakes.digest.posted.length > 0);
    expect(fakes.digest.posted).toEqual(["C0SCANS"]);
  });

  it("answers a wrong command with an ephemeral usage message, escaping what was typed", async () => {
    const wrong = slash("frobnicate &lt;!channel&gt;");
    expect((await wrong.send()).status).toBe(200);
    const text = await responseText(wrong.responseId);
    expect(responsesTo(wrong.responseId)[0]?.body.response_type).toBe("ephemeral");
    expect(text).toContain("Unknown subcommand");
    expect(text).toContain("Usage");
    for (const bad of ["findings urgent", "scan 999999999999", "scan us-east-1 eu-west-1", "status now"]) {
      const cmd = slash(bad);
      await cmd.send();
      expect(await responseText(cmd.responseId)).toContain("Usage");
    }
    const region = slash("scan prod us-east-9");
    await region.send();
    const regionText = await responseText(region.responseId);
    expect(regionText).toMatch(/us-east-9.{0,4} is not an AWS region where Amazon Forecast runs/);
    expect(regionText).toContain("us-east-1, us-east-2, us-west-2");
    await barrier();
    expect(fakes.scans.requests).toEqual([]);
    expect(api.callsTo("chat.postMessage")).toEqual([]);
  });

  it("joins a scan already running for the same scope instead of starting another", async () => {
    fakes.scans.options.hold = true;
    await slash("scan", { userId: "U0ALICE" }).send();
    await api.waitFor(() => api.callsTo("chat.postMessage").length === 1);
    const sameChannel = slash("scan", { userId: "U0BOB" });
    await sameChannel.send();
    expect(await responseText(sameChannel.responseId)).toContain("already being scanned here");
    const otherChannel = slash("scan", { userId: "U0BOB", channelId: "C0OTHER" });
    await otherChannel.send();
    expect(await responseText(otherChannel.responseId)).toContain("you joined it");
    await api.waitFor(() => api.callsTo("chat.postMessage").length === 2);

    fakes.scans.release();
    await slack.idle();
    expect(fakes.scans.requests).toHaveLength(3);
    expect(fakes.scans.started).toHaveLength(1);
    const results = api.callsTo("chat.update").filter((c) => String(c.body.text).includes("30 failing"));
    expect(results.map((c) => c.body.channel).sort()).toEqual(["C0OTHER", "C0SCANS"]);
    const scansChannelResult = results.find((c) => c.body.channel === "C0SCANS");
    expect(JSON.stringify(scansChannelResult?.body.blocks)).toContain("<@U0ALICE>, <@U0BOB>");
  });

  it("lets only configured people start scans, and only in configured channels", async () => {
    const stranger = slash("scan", { userId: "U0MALLORY" });
    await stranger.send();
    expect(await responseText(stranger.responseId)).toContain("You need the *scanners* role to start scans");
    const elsewhere = slash("scan", { channelId: "C0RANDOM" });
    await elsewhere.send();
    expect(await responseText(elsewhere.responseId)).toContain("only in <#C0SCANS>, <#C0OTHER>");
    expect(fakes.scans.requests).toEqual([]);

    await slash("scan", { userId: "U0CAROL" }).send();
    await barrier();
    expect(fakes.scans.requests.map((r) => r.trigger.userId)).toEqual(["U0CAROL"]);
    expect(api.callsTo("usergroups.users.list")[0]?.body.usergroup).toBe("S0SEC");
  });

  it("tells the user to invite the bot when it cannot post in the channel", async () => {
    api.failNext("chat.postMessage", "not_in_channel");
    const cmd = slash("scan");
    await cmd.send();
    expect(await responseText(cmd.responseId)).toContain("/invite @forecast-audit");
    expect(fakes.scans.started).toHaveLength(1);
  });

  it("publishes the Home tab with posture, last scan, open findings and the viewer's approvals", async () => {
    expect(
      (await postSigned(events, homeOpened("Ev0HOME1"), JSON_TYPE, { signingSecret: SECRET })).status,
    ).toBe(200);
    await api.waitFor(() => api.callsTo("views.publish").length === 1);
    const [publish] = api.callsTo("views.publish");
    expect(publish?.body.user_id).toBe("U0ALICE");
    const view = publish?.body.view as Parameters<typeof checkView>[0];
    expect(view.type).toBe("home");
    expect(checkView(view)).toEqual([]);
    const json = JSON.stringify(view);
    expect(json).toContain("Posture by account and region");
    expect(json).toContain("Approvals waiting for you");
    expect(json).toContain("requested by <@U0BOB>");

    await postSigned(
      events,
      blockAction({ type: "button", action_id: ACTION_IDS.homeRefresh, value: "refresh" }),
      FORM,
      {
        signingSecret: SECRET,
      },
    );
    await api.waitFor(() => api.callsTo("views.publish").length === 2);
  });

  it("opens Details, Fix and Suppress modals for a finding, from buttons and from the overflow menu", async () => {
    const target = findings[0] ?? makeFinding();
    const ref = findingRef(target);
    for (const action of [ACTION_IDS.findingDetails, ACTION_IDS.findingFix, ACTION_IDS.findingSuppress]) {
      const res = await postSigned(
        events,
        blockAction({ type: "button", action_id: action, value: ref }),
        FORM,
        {
          signingSecret: SECRET,
        },
      );
      expect(res.status).toBe(200);
    }
    await postSigned(
      events,
      blockAction({
        type: "overflow",
        action_id: ACTION_IDS.findingMenu,
        selected_option: { value: `details:${ref}` },
      }),
      FORM,
      { signingSecret: SECRET },
    );
    await api.waitFor(() => api.callsTo("views.open").length === 4);
    const views = api.callsTo("views.open").map((c) => c.body.view as { callback_id: string });
    expect(views.map((v) => v.callback_id).sort()).toEqual(
      [
        CALLBACK_IDS.detailsModal,
        CALLBACK_IDS.detailsModal,
        CALLBACK_IDS.fixModal,
        CALLBACK_IDS.suppressModal,
      ].sort(),
    );
    for (const v of views) expect(checkView(v as never)).toEqual([]);
    expect(JSON.stringify(views)).toContain("Add a deny statement");
  });

  it("suppresses a finding from the modal and refuses an invalid form in the ack", async () => {
    const ref = findingRef(findings[1] ?? makeFinding());
    const submission = (reason: string) => suppressSubmission(ref, reason, "30");
    const invalid = await postSigned(events, submission("x"), FORM, { signingSecret: SECRET });
    expect(invalid.status).toBe(200);
    expect(JSON.parse(invalid.text)).toMatchObject({
      response_action: "errors",
      errors: { [BLOCK_IDS.suppressReason]: expect.any(String) },
    });

    const ok = await postSigned(events, submission("Test data only, owner accepted the risk."), FORM, {
      signingSecret: SECRET,
    });
    expect(ok.status).toBe(200);
    await api.waitFor(() => api.callsTo("chat.postEphemeral").length === 1);
    expect(fakes.suppressions.requests).toEqual([
      {
        ref,
        userId: "U0ALICE",
        reason: "Test data only, owner accepted the risk.",
        days: 30,
      },
    ]);
    expect(api.callsTo("chat.postEphemeral")[0]?.body).toMatchObject({ channel: "C0SCANS", user: "U0ALICE" });
  });

  it("withdraws a suppression request whose approval message Slack refuses, and tells the requester", async () => {
    const finding = findings[1] ?? makeFinding();
    const ref = findingRef(finding);
    fakes.suppressions.answerWith = {
      ok: true,
      kind: "requested",
      request: {
        id: "sreq-unposted",
        state: "pending",
        finding,
        reason: "Owner accepted the risk.",
        why: "it has no end date",
        requestedBy: "slack:U0ALICE",
        requestedAt: new Date(),
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    };
    onTestFinished(() => {
      fakes.suppressions.answerWith = undefined;
    });
    api.failNextWhere(
      "chat.postMessage",
      (body) => JSON.stringify(body).includes("sreq-unposted"),
      "not_in_channel",
    );
    api.clear();
    const submitted = await postSigned(
      events,
      suppressSubmission(ref, "Owner accepted the risk.", "0"),
      FORM,
      { signingSecret: SECRET },
    );
    expect(submitted.status).toBe(200);
    await api.waitFor(() => api.callsTo("chat.postEphemeral").length === 1);
    // The post was refused: the request is withdrawn with the reason, and the requester told nothing waits.
    expect(fakes.suppressions.withdrawn).toEqual([
      { requestId: "sreq-unposted", reason: expect.stringContaining("not_in_channel") },
    ]);
    expect(JSON.stringify(api.callsTo("chat.postEphemeral")[0]?.body)).toContain("nothing was requested");
  });

  it("calls only Web API methods whose scopes are declared", async () => {
    await slash("scan").send();
    await barrier();
    const methods = new Set(api.calls.map((c) => c.method).filter((m) => m !== "response_url"));
    for (const m of methods) expect(Object.keys(WEB_API_METHOD_SCOPES)).toContain(m);
  });
});

/**
 * `/forecast-audit digest` end to end: a signed slash command into the real Bolt app, the real digest port over
 * a seeded store, and the Web API client built from SLACK_BOT_TOKEN/SLACK_API_URL posting to a fake Slack.
 */
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { createServeSchedule } from "../../src/schedule/serve-schedule.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { checkMessage } from "../../src/slack/limits.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { ACCOUNTS, DIGEST_AT, seedDigestHistory, TestClock } from "../support/digest-fixtures.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, postSigned, slashCommandBody } from "../support/slack-signing.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1234-5678-fakebottoken";
const CHANNEL = "C0SCANS";

let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let events: string;
let responses = 0;

async function slashDigest(channelId = CHANNEL): Promise<string> {
  responses += 1;
  const responseId = `d${responses}`;
  const body = slashCommandBody({
    text: "digest",
    responseUrl: api.responseUrl(responseId),
    channelId,
  });
  const res = await postSigned(events, body, FORM, { signingSecret: SECRET });
  expect(res.status).toBe(200);
  return responseId;
}

beforeAll(async () => {
  api = await startFakeSlackApi();
  const clock = new TestClock("2026-02-27T00:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
  await seedDigestHistory(store, clock);
  const config = parseConfig({
    accounts: ACCOUNTS,
    slack: { scanChannels: [CHANNEL], scanners: { users: ["U0ALICE"] } },
  });
  const logger = pino({ level: "silent" });
  const schedule = createServeSchedule({
    config,
    logger,
    store,
    coordinator: new ScanCoordinator(async () => {
      throw new Error("no scans in this test");
    }),
    regions: ["us-east-1"],
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: api.url },
    clock: { now: clock.now },
  });
  slack = createSlackApp({
    config,
    ports: { ...createFakePorts().ports, digest: schedule.digest },
    logger,
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
});

afterEach(async () => {
  await slack.idle();
  api.clear();
});

afterAll(async () => {
  await slack?.stop();
  await store?.close();
  await api?.close();
});

describe("/forecast-audit digest", () => {
  it("posts the digest in the channel, with its details in the thread, and records it", async () => {
    const responseId = await slashDigest();
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    await slack.idle();
    expect(api.calls.some((c) => c.method === "response_url" && c.responseId === responseId)).toBe(true);

    const posts = api.callsTo("chat.postMessage");
    const [main, ...thread] = posts;
    expect(main?.token).toBe(BOT_TOKEN);
    expect(main?.body.channel).toBe(CHANNEL);
    expect(main?.body.thread_ts).toBeUndefined();
    expect(String(main?.body.text)).toBe(
      "Forecast audit digest 2026-03-02: 4 failing (1 critical, 1 high, 1 medium, 1 low); 2 new, 1 resolved; 2 scan problems.",
    );
    expect(checkMessage({ text: String(main?.body.text), blocks: main?.body.blocks as never })).toEqual([]);
    const blocks = JSON.stringify(main?.body.blocks);
    expect(blocks).toContain("Full lists in the thread");
    // Tagged like a scheduled digest, under an id of its own.
    expect(main?.body.metadata).toMatchObject({
      event_type: "forecast_audit_digest",
      event_payload: { channel: CHANNEL, page: 0, slot: expect.stringMatching(/^on-demand:/) },
    });
    expect(blocks).toContain("`222222222222` could not be scanned");
    expect(blocks).toContain("`kms:GetKeyRotationStatus` denied");
    // No scheduled digest has been posted in this channel yet.
    expect(blocks).toContain("in the last 24 hours");
    expect(thread.length).toBeGreaterThan(0);
    for (const page of thread) {
      expect(page.body.thread_ts).toBe(main?.response.ts);
      expect(checkMessage({ text: String(page.body.text), blocks: page.body.blocks as never })).toEqual([]);
    }
    const posted = await store.listAudit({ action: "digest.posted", target: CHANNEL });
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      actor: expect.stringMatching(/^slack:U/),
      detail: { trigger: "on-demand", asOf: DIGEST_AT },
    });
  });

  it("refuses a digest in a channel where scans may not be started, and posts nothing", async () => {
    const responseId = await slashDigest("C0ELSEWHERE");
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "response_url" && c.responseId === responseId),
    );
    await slack.idle();
    expect(api.callsTo("chat.postMessage")).toHaveLength(0);
    const reply = api.calls.find((c) => c.method === "response_url" && c.responseId === responseId);
    expect(JSON.stringify(reply?.body)).toContain(":no_entry:");
  });

  it("tells the user when Slack refuses the digest, and keeps the record", async () => {
    api.failNext("chat.postMessage", "not_in_channel");
    const responseId = await slashDigest();
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    await slack.idle();
    await api.waitFor(
      (calls) => calls.filter((c) => c.method === "response_url" && c.responseId === responseId).length >= 2,
    );
    await slack.idle();
    const replies = api.calls
      .filter((c) => c.method === "response_url" && c.responseId === responseId)
      .map((c) => JSON.stringify(c.body));
    expect(replies.join("\n")).toContain("The digest could not be posted.");
    expect(replies.join("\n")).toContain("not_in_channel");
    const failed = await store.listAudit({ action: "digest.failed", target: CHANNEL });
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({ trigger: "on-demand", stage: "main" });
    expect(await store.listAudit({ action: "digest.recorded", target: CHANNEL })).toHaveLength(2);
  });
});

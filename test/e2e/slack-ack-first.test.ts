/**
 * Acknowledged first (src/slack/http-receiver.ts): a signed slash command or click gets its 200 as soon as its
 * signature is checked, before the delivery claim, the policy and the listener run; nothing is acted on until
 * the claim and the policy have answered. The claim is held open here to prove both halves: the 200 arrives
 * while the claim is pending, no scan starts before it is released, a duplicate claim acts on nothing, and an
 * unauthorized user is still refused. A modal submission still gets the answer its listener gives.
 */
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../../src/slack/ids.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createFakePorts, type FakePorts, makeFinding, makeFindings } from "../support/slack-fakes.js";
import {
  FORM,
  interactionBody,
  postSigned,
  slashCommandBody,
  uniqueTriggerId,
} from "../support/slack-signing.js";

const SECRET = "ack-first-signing-secret-0123456789";

let api: FakeSlackApi;
let fakes: FakePorts;
let slack: SlackAppHandle;
let events: string;
/** Claims wait here until the test answers them. */
const pending: { key: string; answer: (claimed: boolean) => void }[] = [];

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function slash(text: string, userId = "U0ALICE") {
  const triggerId = uniqueTriggerId();
  const body = slashCommandBody({ text, userId, triggerId, responseUrl: api.responseUrl(triggerId) });
  return { triggerId, send: () => postSigned(events, body, FORM, { signingSecret: SECRET }) };
}

/** The app as serve builds it, on a free port, with the delivery claim given. */
function appWith(config: ReturnType<typeof parseConfig>, claimDelivery: (key: string) => Promise<boolean>) {
  return createSlackApp({
    config,
    ports: { ...fakes.ports, claimDelivery },
    logger: pino({ level: "silent" }),
    botToken: "xoxb-ack-first",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
}

beforeAll(async () => {
  api = await startFakeSlackApi();
  fakes = createFakePorts({ scan: { findings: makeFindings(3) } });
  const config = parseConfig({
    accounts: [{ id: "123456789012", name: "prod" }],
    slack: {
      scanChannels: ["C0SCANS"],
      scanners: { users: ["U0ALICE"] },
      requesters: { users: ["U0ALICE"] },
    },
  });
  slack = appWith(config, (key) => new Promise<boolean>((answer) => pending.push({ key, answer })));
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
});

afterEach(async () => {
  for (const claim of pending.splice(0)) claim.answer(false);
  await slack.idle();
  api.clear();
  fakes.scans.started.length = 0;
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
});

describe("acknowledged first", () => {
  it("answers a slash command's 200 while its delivery claim is still pending, and acts only once it is claimed", async () => {
    const cmd = slash("scan");
    const res = await cmd.send();
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    // The 200 is out; the claim has been asked for and not answered: nothing has started or been posted.
    await until(() => pending.length === 1);
    expect(pending[0]?.key).toBe(`trigger:${cmd.triggerId}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(fakes.scans.started).toEqual([]);
    expect(api.callsTo("chat.postMessage")).toEqual([]);

    pending.shift()?.answer(true);
    await until(() => fakes.scans.started.length === 1);
    expect(fakes.scans.started[0]?.trigger).toMatchObject({ kind: "slack", userId: "U0ALICE" });
  });

  it("acts on nothing when the claim says another replica has the delivery", async () => {
    const cmd = slash("scan");
    expect((await cmd.send()).status).toBe(200);
    await until(() => pending.length === 1);
    pending.shift()?.answer(false);
    await slack.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(fakes.scans.started).toEqual([]);
    expect(api.calls.filter((c) => c.method === "response_url")).toEqual([]);
  });

  it("still refuses a user without the role after the early 200, and tells only them", async () => {
    const cmd = slash("scan", "U0MALLORY");
    expect((await cmd.send()).status).toBe(200);
    await until(() => pending.length === 1);
    pending.shift()?.answer(true);
    await api.waitFor((calls) => calls.some((c) => c.method === "response_url"));
    const [refusal] = api.calls.filter((c) => c.method === "response_url");
    expect(refusal?.body.response_type).toBe("ephemeral");
    expect(fakes.scans.started).toEqual([]);
    expect(fakes.audit.entries.map((e) => e.action)).toContain("access.refused");
  });

  it("acknowledges a click first, and the click acts only after its claim", async () => {
    const body = interactionBody({
      type: "block_actions",
      team: { id: "T0FAKE", domain: "fake" },
      user: { id: "U0ALICE", username: "alice", team_id: "T0FAKE" },
      api_app_id: "A0FAKE",
      token: "legacy",
      trigger_id: uniqueTriggerId(),
      container: { type: "view", view_id: "V0HOME" },
      view: { id: "V0HOME", type: "home" },
      actions: [
        { action_id: ACTION_IDS.homeRefresh, block_id: "b1", action_ts: "1700000000.1", type: "button" },
      ],
    });
    const res = await postSigned(events, body, FORM, { signingSecret: SECRET });
    expect(res.status).toBe(200);
    await until(() => pending.length === 1);
    expect(api.callsTo("views.publish")).toEqual([]);
    pending.shift()?.answer(true);
    await api.waitFor((calls) => calls.some((c) => c.method === "views.publish"));
  });

  it("leaves a modal submission's answer to its listener: an invalid suppression gets its field error in the 200", async () => {
    const ref = findingRef(makeFinding());
    const body = interactionBody({
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
              [INPUT_ACTION_IDS.suppressReason]: { type: "plain_text_input", value: "x" },
            },
            [BLOCK_IDS.suppressDuration]: {
              [INPUT_ACTION_IDS.suppressDuration]: {
                type: "static_select",
                selected_option: { value: "30" },
              },
            },
          },
        },
      },
    });
    const sent = postSigned(events, body, FORM, { signingSecret: SECRET });
    await until(() => pending.length === 1);
    pending.shift()?.answer(true);
    const res = await sent;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      response_action: "errors",
      errors: { [BLOCK_IDS.suppressReason]: expect.any(String) },
    });
  });
});

describe("acknowledged first, within a bound", () => {
  it("past maxAcknowledgedPending requests still being processed, a request is acknowledged only after its claim", async () => {
    const held: { answer: (claimed: boolean) => void }[] = [];
    const bounded = appWith(
      parseConfig({
        accounts: [{ id: "123456789012" }],
        slack: { scanners: { users: ["U0ALICE"] }, http: { maxAcknowledgedPending: 1 } },
      }),
      () => new Promise<boolean>((answer) => held.push({ answer })),
    );
    const { port } = await bounded.start();
    try {
      const url = `http://127.0.0.1:${port}/slack/events`;
      const post = (text: string) =>
        postSigned(
          url,
          slashCommandBody({
            text,
            userId: "U0ALICE",
            triggerId: uniqueTriggerId(),
            responseUrl: api.responseUrl(text),
          }),
          FORM,
          { signingSecret: SECRET },
        );
      // The first is acknowledged at once and stays pending (its claim is held).
      expect((await post("help")).status).toBe(200);
      await until(() => held.length === 1);
      // The second waits for its own claim before its 200.
      let answered = false;
      const second = post("status").then((res) => {
        answered = true;
        return res;
      });
      await until(() => held.length === 2);
      await new Promise((r) => setTimeout(r, 150));
      expect(answered).toBe(false);
      held[1]?.answer(true);
      expect((await second).status).toBe(200);
      held[0]?.answer(true);
      await bounded.idle();
    } finally {
      for (const claim of held) claim.answer(false);
      await bounded.stop();
    }
  });
});

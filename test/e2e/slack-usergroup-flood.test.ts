/**
 * A flood of Approve clicks from someone without the role, end to end: the real Slack app over HTTP with
 * signed requests, the fake Slack Web API rate-limiting `usergroups.users.list` as Slack does past its tier
 * (429 with Retry-After), and the app's Web API client left with its production retry policy (as `serve`
 * creates it, no `webApiRetries`).
 *
 * What the authorizer guarantees, and this checks:
 * - the clicks of someone a read has found outside the approvers' group cost no further reads (one read for
 *   thirty clicks), so Slack is not pushed into rate-limiting the lookups, and an approver's click right
 *   after still passes (confirmed by a read of its own);
 * - when Slack does answer 429 to a lookup, nobody is let through (the approver is refused as a failed
 *   lookup, fail-closed), the app asks Slack nothing more until the Retry-After is over and then lets the
 *   approver through, and the 429 never pauses the client that posts messages (`app.client`).
 */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { REFUSED_ACTION } from "../../src/slack/guard.js";
import { ACTION_IDS } from "../../src/slack/ids.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createFakePorts, type FakePorts } from "../support/slack-fakes.js";
import { messageAction } from "../support/slack-payloads.js";
import { FORM, postSigned } from "../support/slack-signing.js";

const SECRET = "flood-signing-secret-0123456789";
const APPROVALS = "C0APPROVE";
const GROUP = "S0APPR";
const APPROVER = "U0GRP";
const MALLORY = "U0MALLORY";
const REQUEST_ID = "req-flood-0001";
const LOOKUP = "usergroups.users.list";

let api: FakeSlackApi | undefined;
let slack: SlackAppHandle | undefined;
let fakes: FakePorts;
let events: string;

async function start(): Promise<void> {
  api = await startFakeSlackApi();
  api.usergroups[GROUP] = [APPROVER];
  fakes = createFakePorts();
  slack = createSlackApp({
    config: parseConfig({
      slack: {
        teamId: "T0FAKE",
        approvers: { usergroups: [GROUP] },
        approvalsChannel: APPROVALS,
      },
    }),
    ports: fakes.ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-flood",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
}

afterEach(async () => {
  await slack?.stop();
  await api?.close();
  slack = undefined;
  api = undefined;
});

function fake(): FakeSlackApi {
  if (!api) throw new Error("the fake Slack API is not running");
  return api;
}

/** A correctly signed Approve click on the request's message, with a trigger id of its own. */
async function approve(userId: string): Promise<number> {
  const body = messageAction(
    { userId, channelId: APPROVALS },
    { type: "button", action_id: ACTION_IDS.requestApprove, value: REQUEST_ID },
  );
  return (await postSigned(events, body, FORM, { signingSecret: SECRET })).status;
}

function ephemeralsTo(userId: string): string[] {
  return fake()
    .callsTo("chat.postEphemeral")
    .filter((c) => c.body.user === userId)
    .map((c) => JSON.stringify(c.body));
}

function refusalsOf(userId: string): unknown[] {
  return fakes.audit.entries
    .filter((e) => e.actor === `slack:${userId}` && e.action === REFUSED_ACTION)
    .map((e) => (e.detail as { code?: unknown }).code);
}

const NOT_ENABLED = /Automated fixes are not enabled/;

describe("a flood of Approve clicks from someone without the role", () => {
  it("costs one user group lookup for thirty clicks, and the approver's click right after passes", async () => {
    await start();
    // Slack answers a few lookups, then rate-limits the method for 30 seconds.
    fake().rateLimitAfter(LOOKUP, 2, 30);
    for (let wave = 0; wave < 3; wave += 1) {
      const statuses = await Promise.all(Array.from({ length: 10 }, () => approve(MALLORY)));
      expect(statuses).toEqual(Array(10).fill(200));
    }
    // Every click was acknowledged after its decision: thirty decisions, one read of the group.
    expect(fake().callsTo(LOOKUP)).toHaveLength(1);
    await fake().waitFor(() => ephemeralsTo(MALLORY).length === 30, 10_000);
    await slack?.idle();
    expect(refusalsOf(MALLORY)).toEqual(Array(30).fill("role"));
    for (const shown of ephemeralsTo(MALLORY)) expect(shown).toMatch(/You need the \*approvers\* role/);

    expect(await approve(APPROVER)).toBe(200);
    await fake().waitFor(() => ephemeralsTo(APPROVER).length === 1, 5_000);
    await slack?.idle();
    // The guard let the approver through (the listener answered; this deployment has no fixes port).
    expect(ephemeralsTo(APPROVER)[0]).toMatch(NOT_ENABLED);
    expect(refusalsOf(APPROVER)).toEqual([]);
    const lookups = fake().callsTo(LOOKUP);
    expect(lookups.length).toBeLessThanOrEqual(2);
    expect(lookups.map((c) => c.response.ok)).toEqual(lookups.map(() => true));
  });

  it("a 429 on the lookup refuses (fail-closed), never delays the app's posts, and is waited out", async () => {
    await start();
    // Long enough that "held until the Retry-After" and "not held" cannot be confused on a loaded machine.
    const retryAfterSeconds = 6;
    fake().rateLimitAfter(LOOKUP, 0, retryAfterSeconds);
    const clicked = approve(APPROVER);
    await fake().waitFor((calls) => calls.some((c) => c.method === LOOKUP), 5_000);
    const limitedAt = performance.now();
    // The fake runs in this process: give the app's client the moment it needs to read the 429 answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const postedAt = performance.now();
    // What the scan messenger and the background jobs do with app.client, while the lookup is rate-limited.
    await slack?.app.client.chat.postMessage({ channel: APPROVALS, text: "Scan progress: 3 of 9 accounts" });
    const postedAfterMs = performance.now() - postedAt;
    // A client paused by the lookup's 429 would hold the post until the Retry-After (about 6 s from here).
    expect(postedAfterMs).toBeLessThan((retryAfterSeconds - 2) * 1000);
    expect(await clicked).toBe(200);
    await fake().waitFor(() => ephemeralsTo(APPROVER).length === 1, 5_000);
    await slack?.idle();
    expect(refusalsOf(APPROVER)).toEqual(["lookup-failed"]);
    expect(ephemeralsTo(APPROVER)[0]).toMatch(/could not be read just now/);

    // Within the Retry-After nothing is asked of Slack, and nothing is let through.
    expect(await approve(APPROVER)).toBe(200);
    expect(await approve(MALLORY)).toBe(200);
    await fake().waitFor(() => ephemeralsTo(APPROVER).length === 2 && ephemeralsTo(MALLORY).length === 1);
    await slack?.idle();
    expect(refusalsOf(APPROVER)).toEqual(["lookup-failed", "lookup-failed"]);
    expect(refusalsOf(MALLORY)).toEqual(["lookup-failed"]);
    expect(fake().callsTo(LOOKUP)).toHaveLength(1);

    // Slack accepts lookups again once the Retry-After is over: the approver passes, with one read.
    fake().rateLimitAfter(LOOKUP, Number.POSITIVE_INFINITY, 0);
    const waited = retryAfterSeconds * 1000 - (performance.now() - limitedAt) + 250;
    if (waited > 0) await new Promise((resolve) => setTimeout(resolve, waited));
    expect(await approve(APPROVER)).toBe(200);
    await fake().waitFor(() => ephemeralsTo(APPROVER).length === 3, 5_000);
    await slack?.idle();
    expect(ephemeralsTo(APPROVER)[2]).toMatch(NOT_ENABLED);
    expect(refusalsOf(APPROVER)).toHaveLength(2);
    expect(fake().callsTo(LOOKUP)).toHaveLength(2);
  });
});

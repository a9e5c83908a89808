/**
 * A scan asked for in Slack whose process stops is announced, once, in the channel it was asked in: the real
 * Bolt app over signed HTTP, the real store and scan executor (with a collection that never finishes: the
 * process "dies"), a heartbeat on a clock the test moves, and the fake Slack Web API.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRuntime } from "../../src/app/audit-runtime.js";
import {
  createFindingsPort,
  createScanExecutor,
  createScanPort,
  type SlackRuntimeParts,
  withScanRows,
} from "../../src/app/slack-runtime.js";
import { parseConfig } from "../../src/config/load-config.js";
import type { Inventory } from "../../src/domain/inventory.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { announceInterruptedScans } from "../../src/slack/listeners/schedule/scan-interruptions.js";
import type { SlackPorts } from "../../src/slack/ports.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, postSigned, slashCommandBody } from "../support/slack-signing.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1234-5678-fakebottoken";
const CHANNEL = "C0SCANS";
const START = Date.parse("2026-03-01T08:00:00.000Z");
const HEARTBEAT_S = 15;

let api: FakeSlackApi;
let store: Store;
let slack: SlackAppHandle;
let events: string;
let ports: SlackPorts;
let counter = 0;
/** The test's clock: the heartbeat and the lease sweep read it. */
let now = START;
/** Ends the abandoned collection at the end of the test (the "dead" process is cleaned up). */
let abandon: (error: Error) => void = () => {};

const config = parseConfig({
  accounts: [{ id: "123456789012", name: "prod" }],
  regions: ["us-east-1"],
  slack: { scanChannels: [CHANNEL], scanners: { users: ["U0ALICE"] } },
  store: { scanHeartbeatSeconds: HEARTBEAT_S },
});

async function slash(text: string): Promise<string> {
  counter += 1;
  const responseId = `si${counter}`;
  const body = slashCommandBody({ text, responseUrl: api.responseUrl(responseId), channelId: CHANNEL });
  const res = await postSigned(events, body, FORM, { signingSecret: SECRET });
  expect(res.status).toBe(200);
  return responseId;
}

async function response(id: string): Promise<string> {
  const mine = (c: RecordedCall) => c.method === "response_url" && c.responseId === id;
  await api.waitFor((calls) => calls.some(mine));
  return JSON.stringify(api.calls.find(mine)?.body);
}

const announcements = () =>
  api.callsTo("chat.postMessage").filter((c) => /was interrupted/.test(String(c.body.text)));

beforeAll(async () => {
  api = await startFakeSlackApi();
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => new Date(now) });
  const logger = pino({ level: "silent" });
  const audit = {
    // The process running the scan stops in the middle of collecting: nothing ever comes back.
    collect: () =>
      new Promise<Inventory>((_resolve, reject) => {
        abandon = reject;
      }),
  } as unknown as AuditRuntime;
  const parts: SlackRuntimeParts = {
    config,
    logger,
    store,
    audit,
    coordinator: new ScanCoordinator((input) => executor(input)),
    // Its heartbeat timer never fires again once it has "died"; the clock is the test's.
    scanRow: { clock: { now: () => new Date(now) }, timers: { setTimeout: () => 0, clearTimeout: () => {} } },
  };
  // As serve composes it: the row and its heartbeat around the executor.
  const executor = withScanRows(parts, createScanExecutor(parts));
  ports = {
    ...createFakePorts().ports,
    scans: createScanPort(parts, ["us-east-1"]),
    findings: createFindingsPort(store),
  };
  slack = createSlackApp({
    config,
    ports,
    logger,
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
    intervals: { scanInterruptionsMs: 20 },
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  // The abandoned scan ends now; it was interrupted, so it is not recorded as failed over that.
  abandon(new Error("the test is over"));
  await slack?.idle();
  expect((await store.listScans())[0]?.outcome).toBe("interrupted");
  await slack?.stop();
  await api?.close();
  await store?.close();
});

describe("a Slack-requested scan whose process stops", () => {
  it("is visible from its start, then announced once where it was asked for", async () => {
    await slash("scan prod us-east-1");
    // The row exists from the start: running, with its heartbeat, asked for in this channel by this user.
    let scans = await store.listScans();
    for (let i = 0; scans.length === 0 && i < 500; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      scans = await store.listScans();
    }
    expect(scans).toHaveLength(1);
    const scan = scans[0]!;
    expect(scan).toMatchObject({
      outcome: "running",
      trigger: "slack:U0ALICE",
      heartbeatAt: new Date(START).toISOString(),
      origin: {
        kind: "slack",
        channel: CHANNEL,
        user: "U0ALICE",
        command: "scan --account 123456789012 us-east-1",
      },
    });
    // The progress message is up; `status` lists the scan as running with its last heartbeat.
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    const running = await response(await slash("status"));
    expect(running).toContain(`${scan.id}\` running`);
    expect(running).toContain("alive 2026-03-01 08:00 UTC");
    // Within the lease (3 heartbeats) the sweep, which runs all the while, leaves it alone.
    now = START + 3 * HEARTBEAT_S * 1000;
    expect(
      await announceInterruptedScans(slack.app.client, { config, ports, logger: pino({ level: "silent" }) }),
    ).toBe(0);
    expect((await store.getScan(scan.id))?.outcome).toBe("running");
    expect(announcements()).toEqual([]);

    // Past the lease, with Slack refusing the first post: the announcement is given back and posted next run.
    api.failNext("chat.postMessage", "ratelimited");
    now += 1;
    await api.waitFor(() => announcements().length === 2, 10_000);
    expect((await store.getScan(scan.id))?.outcome).toBe("interrupted");
    const [refused, posted] = announcements();
    expect(refused?.body.channel).toBe(CHANNEL);
    expect(posted?.body.channel).toBe(CHANNEL);
    const text = JSON.stringify(posted?.body.blocks);
    expect(text).toContain(`Scan \`${scan.id}\` started 2026-03-01 08:00 UTC by <@U0ALICE> was interrupted`);
    expect(text).toContain("the process running it stopped");
    expect(text).toContain("`/forecast-audit scan --account 123456789012 us-east-1`");

    // At most once: later runs of the job (and another caller) find nothing left to announce.
    expect(
      await announceInterruptedScans(slack.app.client, { config, ports, logger: pino({ level: "silent" }) }),
    ).toBe(0);
    await response(await slash("help"));
    expect(announcements()).toHaveLength(2);
    const audit = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
    expect(audit.map((e) => e.action)).toEqual(["scan.started", "scan.interrupted"]);

    // `status` shows it interrupted.
    const after = await response(await slash("status"));
    expect(after).toContain(`${scan.id}\` interrupted`);
    expect(after).toContain("its process stopped");
  });
});

/**
 * `/forecast-audit scan --ou …` and a digest grouped by OU, end to end: signed slash commands into the real Bolt
 * app, the real scan port, coordinator and executor, the real audit runtime (Organizations discovery, AssumeRole
 * per account through the STS trust gate) against a small organization in moto, a real store, and the digest
 * posted through the Web API client to a fake Slack.
 */
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAuditRuntime } from "../../src/app/audit-runtime.js";
import {
  createFindingsPort,
  createScanExecutor,
  createScanPort,
  type SlackRuntimeParts,
} from "../../src/app/slack-runtime.js";
import { parseConfig } from "../../src/config/load-config.js";
import { displayOuPath } from "../../src/domain/accounts.js";
import { ScanCoordinator } from "../../src/scan/scan-coordinator.js";
import { createServeSchedule } from "../../src/schedule/serve-schedule.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { checkMessage } from "../../src/slack/limits.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { routeLocalhostNames } from "../support/cli-runner.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import {
  ORG_EXTERNAL_ID,
  ORG_ROLE_NAME,
  ORG_STACK_SET,
  type OrganizationScenario,
  seedOrganizationScenario,
} from "../support/organization-scenario.js";
import { scenarioEnv } from "../support/scenario.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, postSigned, slashCommandBody } from "../support/slack-signing.js";
import { type StsTrustGate, startStsTrustGate } from "../support/sts-trust-gate.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1234-5678-fakebottoken";
const CHANNEL = "C0SCANS";
const REGION = "us-east-1";
/** Members 0–3 in Prod, 4–6 in Prod/Payments, 7–9 in Dev; member 5 has no audit role. */
const MISSING = 5;

let moto: MotoServer;
let emulator: ForecastEmulator;
let gate: StsTrustGate;
let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let scenario: OrganizationScenario;
let parts: SlackRuntimeParts;
let events: string;
let restoreEnv: () => void = () => {};
let restoreDns: () => void = () => {};
let counter = 0;

async function slash(text: string): Promise<string> {
  counter += 1;
  const responseId = `org${counter}`;
  const body = slashCommandBody({ text, responseUrl: api.responseUrl(responseId), channelId: CHANNEL });
  const res = await postSigned(events, body, FORM, { signingSecret: SECRET });
  expect(res.status).toBe(200);
  return responseId;
}

/** The scan's message once it holds the result (the progress message edited in place). */
async function scanResult(): Promise<RecordedCall> {
  const done = (c: RecordedCall) =>
    c.method === "chat.update" && /^Forecast audit: /.test(String(c.body.text));
  await api.waitFor((calls) => calls.some(done), 60_000);
  await slack.idle();
  const result = api.calls.find(done);
  if (!result) throw new Error("no result");
  return result;
}

beforeAll(async () => {
  moto = await startMoto({ isolated: true });
  emulator = await startForecastEmulator({ region: REGION });
  gate = await startStsTrustGate(moto.url);
  scenario = await seedOrganizationScenario(moto, { members: 10, missing: [MISSING] });
  const env = { ...scenarioEnv(moto, emulator), AWS_ENDPOINT_URL_STS: gate.url };
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  restoreEnv = () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  restoreDns = routeLocalhostNames();

  api = await startFakeSlackApi();
  store = await openStore({ databaseUrl: "sqlite::memory:" });
  const config = parseConfig({
    regions: [REGION],
    organization: { roleName: ORG_ROLE_NAME, externalId: ORG_EXTERNAL_ID, stackSetName: ORG_STACK_SET },
    slack: { scanChannels: [CHANNEL], scanners: { users: ["U0ALICE"] } },
  });
  const logger = pino({ level: "silent" });
  const audit = createAuditRuntime(config, { sessionName: "slack", logger, env: process.env });
  parts = {
    config,
    logger,
    store,
    audit,
    coordinator: new ScanCoordinator((input) => executor(input)),
  };
  const executor = createScanExecutor(parts);
  const schedule = createServeSchedule({
    config,
    logger,
    store,
    coordinator: parts.coordinator,
    regions: [REGION],
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: api.url },
  });
  slack = createSlackApp({
    config,
    ports: {
      ...createFakePorts().ports,
      scans: createScanPort(parts, [REGION]),
      findings: createFindingsPort(store),
      digest: schedule.digest,
    },
    logger,
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
}, 120_000);

afterEach(async () => {
  await slack.idle();
  await parts.coordinator.drain();
  api.clear();
});

afterAll(async () => {
  await slack?.stop();
  parts?.audit.destroy();
  await store?.close();
  await api?.close();
  await gate?.close();
  await emulator?.close();
  await moto?.stop();
  restoreDns();
  restoreEnv();
});

const inOu = (ou: string) => scenario.accounts.filter((a) => a.ou === ou);

describe("/forecast-audit with an organization", () => {
  it("scan --ou scans the accounts of that OU only, names them, and names the StackSet where the role is missing", async () => {
    await slash("scan --ou Prod/Payments");
    const result = await scanResult();
    const text = JSON.stringify(result.body.blocks);
    expect(checkMessage({ text: String(result.body.text), blocks: result.body.blocks as never })).toEqual([]);
    const payments = inOu("payments");
    expect(payments.map((a) => a.id)).toHaveLength(3);
    for (const a of payments) expect(text).toContain(a.id);
    for (const a of [...inOu("prod"), ...inOu("dev")]) expect(text).not.toContain(a.id);
    const missing = scenario.accounts[MISSING];
    expect(missing?.ou).toBe("payments");
    expect(text).toContain(`Deploy the StackSet ${ORG_STACK_SET} to OU Prod/Payments (${missing?.ouId})`);
    // A finding names its account by name.
    const named = payments.find((a) => a.role === "audit");
    expect(text).toContain(`(${named?.name})`);
    const recorded = await store.listAccounts();
    expect(recorded.map((a) => a.accountId).sort()).toEqual(payments.map((a) => a.id).sort());
  });

  it("refuses an OU the organization does not have, in the scan's message, and scans nothing", async () => {
    await slash("scan --ou Staging");
    const failed = (c: RecordedCall) =>
      c.method === "chat.update" && /could not run/.test(String(c.body.text));
    await api.waitFor((calls) => calls.some(failed), 30_000);
    const message = JSON.stringify(api.calls.find(failed)?.body.blocks);
    expect(message).toContain("Staging");
    expect(message).toContain("is not in the organization");
  });

  it("posts a digest grouped by OU, the worst first, naming the accounts", async () => {
    await slash("scan --ou Dev");
    await scanResult();
    api.clear();
    await slash("digest");
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"), 30_000);
    await slack.idle();
    const [main] = api.callsTo("chat.postMessage");
    expect(checkMessage({ text: String(main?.body.text), blocks: main?.body.blocks as never })).toEqual([]);
    const blocks = JSON.stringify(main?.body.blocks);
    expect(blocks).toContain("By OU (2), the worst first:*");
    const payments = blocks.indexOf("*Prod/Payments* ·");
    const dev = blocks.indexOf("*Dev* ·");
    expect(payments).toBeGreaterThan(-1);
    expect(dev).toBeGreaterThan(-1);
    // Every reachable account fails alike (moto reports no root MFA); Payments has one account the audit could
    // not reach (ERROR, not failing), so Dev, with three failing accounts, is the worse OU and comes first.
    expect(blocks).toContain("*Prod/Payments* · 2 of 3 accounts failing");
    expect(blocks).toContain("*Dev* · 3 of 3 accounts failing");
    expect(dev).toBeLessThan(payments);
    for (const a of inOu("dev")) {
      expect(blocks).toContain(`\`${a.id}\` (${a.name}) · _${displayOuPath(a.ouPath)}_`);
    }
  });
});

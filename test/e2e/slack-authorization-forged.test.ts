/**
 * Forged requests that the policy used to read one way while a listener acted another way, end to end: the
 * real Slack app over HTTP with correctly signed requests and a fake Web API, the real store (SQLite file),
 * the real remediation and suppression flows, moto and the Forecast emulator.
 *
 * - a click whose action id is a viewer's button (Details) but whose shape is the menu's (an overflow whose
 *   option says Fix): it must not open the Fix modal;
 * - a body that is both an event and a slash command: allowed as `help` it must not publish the Home tab;
 * - a Fix or Suppress submission whose metadata names a channel outside the configuration: nothing posted
 *   there (no approvals channel is configured here, so the metadata's channel is the destination);
 * - a Fix submission whose metadata asks for another tag than the plan shown: refused as a changed plan.
 *
 * Each forged request changes nothing and is audited as the existing refusals are; the same request made
 * properly still works.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditPort, createFindingsPort } from "../../src/app/slack-runtime.js";
import type { AccountClients } from "../../src/aws/clients.js";
import { parseConfig } from "../../src/config/load-config.js";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { readFreshAccount } from "../../src/remediation-flow/read-fresh-account.js";
import { createRemediationFlow } from "../../src/remediation-flow/remediation-flow.js";
import { createRemediationsPort } from "../../src/remediation-flow/slack-port.js";
import { createSuppressionFlow } from "../../src/remediation-flow/suppression-flow.js";
import { createSuppressionService } from "../../src/remediation-flow/suppression-port.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { REFUSED_ACTION } from "../../src/slack/guard.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../../src/slack/ids.js";
import { SUBMISSION_REFUSED } from "../../src/slack/listeners/fix-messages.js";
import type { SlackPorts } from "../../src/slack/ports.js";
import { AMBIGUOUS_KEY } from "../../src/slack/principal.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { MOTO_ACCOUNT_ID, type MotoServer, motoClientConfig, startMoto } from "../support/moto.js";
import { createFakePorts } from "../support/slack-fakes.js";
import {
  DEFAULT_TEAM,
  homeOpened,
  messageAction,
  slashPayload,
  viewAction,
  viewSubmission,
  type Who,
} from "../support/slack-payloads.js";
import { FORM, JSON_TYPE, postSigned } from "../support/slack-signing.js";

const SECRET = "forged-signing-secret-0123456789";
const REGION = "us-east-1";
const SCANS = "C0SCANS";
/** A channel the bot may be in but the configuration does not name. */
const FOREIGN = "C0ELSEWHERE";

const VIEWER = "U0VIEW";
const REQUESTER = "U0REQ";
const APPROVER = "U0APPR";
const NOBODY = "U0NOBODY";

// No approvals channel: a request is posted where Fix or Suppress was clicked, so the metadata names it.
const config = parseConfig({
  accounts: [{ id: MOTO_ACCOUNT_ID }],
  slack: {
    teamId: DEFAULT_TEAM,
    scanChannels: [SCANS],
    viewers: { users: [VIEWER] },
    requesters: { users: [REQUESTER] },
    approvers: { users: [APPROVER] },
  },
});

const SENSITIVE_TAGS = [
  { Key: "team", Value: "demand-planning" },
  { Key: "owner", Value: "jane.doe@example.com" },
  { Key: "deploy-key", Value: "AKIAIOSFODNN7EXAMPLE" },
];

function tagFinding(arn: string): Finding {
  return {
    controlId: "forecast-tags-no-sensitive-data",
    status: "FAIL",
    severity: "high",
    accountId: MOTO_ACCOUNT_ID,
    region: REGION,
    resourceArn: arn,
    resourceType: "forecast-dataset",
    title: "Forecast tags hold personal or secret data",
    detail: "Fails.",
    remediationId: "forecast-remove-sensitive-tag",
  };
}

const criticalFinding: Finding = {
  controlId: "kms-key-not-pending-deletion",
  status: "FAIL",
  severity: "critical",
  accountId: MOTO_ACCOUNT_ID,
  region: REGION,
  resourceArn: `arn:aws:kms:${REGION}:${MOTO_ACCOUNT_ID}:key/9999aaaa-2222-3333-4444-555566667777`,
  resourceType: "kms-key",
  title: "The key is pending deletion",
  detail: "Fails.",
};

let moto: MotoServer;
let emulator: ForecastEmulator;
let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let dir: string;
let events: string;
/** The dataset of the channel tests (1, 3) and the one of the tag choice test (4). */
let channelFinding: Finding;
let choiceFinding: Finding;
let eventCounter = 0;

function clients(): AccountClients {
  const cfg = (region: string) => ({ ...motoClientConfig(moto, region), maxAttempts: 1 });
  return {
    accountId: MOTO_ACCOUNT_ID,
    partition: "aws",
    s3: (r) => new S3Client(cfg(r)),
    s3control: (r) => new S3ControlClient(cfg(r)),
    kms: (r) => new KMSClient(cfg(r)),
    iam: () => new IAMClient(cfg(REGION)),
    cloudtrail: (r) => new CloudTrailClient(cfg(r)),
    macie: (r) => new Macie2Client(cfg(r)),
    sts: (r) => new STSClient(cfg(r)),
    forecast: (r) => new ForecastClient({ ...cfg(r), endpoint: emulator.url }),
  };
}

function send(body: string, type = FORM) {
  return postSigned(events, body, type, { signingSecret: SECRET });
}

function since(from: number): RecordedCall[] {
  return api.calls.slice(from);
}

async function refusals(userId: string, action = REFUSED_ACTION) {
  return store.listAudit({ actor: `slack:${userId}`, action, limit: 1000 });
}

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type SentView = { private_metadata: string; submit?: unknown; blocks: unknown[] };

/** Clicks Fix (a real button) as the requester in the scan channel; resolves with the plan modal shown. */
async function openFix(finding: Finding): Promise<{ viewId: string; view: SentView }> {
  const from = api.calls.length;
  await send(
    messageAction(
      { userId: REQUESTER, channelId: SCANS },
      { type: "button", action_id: ACTION_IDS.findingFix, value: findingRef(finding) },
    ),
  );
  await api.waitFor(() => since(from).some((c) => c.method === "views.update"));
  await slack.idle();
  const update = since(from)
    .filter((c) => c.method === "views.update")
    .at(-1);
  return { viewId: String(update?.body.view_id), view: update?.body.view as SentView };
}

function submitFix(metadata: Record<string, unknown>) {
  return send(viewSubmission({ userId: REQUESTER }, CALLBACK_IDS.fixModal, JSON.stringify(metadata), {}));
}

function suppressValues(reason: string, days: string) {
  return {
    [BLOCK_IDS.suppressReason]: {
      [INPUT_ACTION_IDS.suppressReason]: { type: "plain_text_input", value: reason },
    },
    [BLOCK_IDS.suppressDuration]: {
      [INPUT_ACTION_IDS.suppressDuration]: { type: "static_select", selected_option: { value: days } },
    },
  };
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.reset();
  emulator = await startForecastEmulator({ accountId: MOTO_ACCOUNT_ID, region: REGION });
  const [first, second] = ["forged_channel", "forged_choice"].map((name) =>
    emulator.state.createDataset({ DatasetName: name, Tags: SENSITIVE_TAGS }),
  );
  channelFinding = tagFinding(first ?? "");
  choiceFinding = tagFinding(second ?? "");

  dir = mkdtempSync(join(tmpdir(), "forecast-audit-forged-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
  await store.recordScan({
    scope: {
      accounts: [MOTO_ACCOUNT_ID],
      regions: [REGION],
      controls: [channelFinding.controlId, criticalFinding.controlId],
    },
    trigger: "test",
    findings: [channelFinding, choiceFinding, criticalFinding],
  });
  const flow = createRemediationFlow({
    store,
    readFresh: (target) => readFreshAccount(clients(), target),
    remediationClients: async () => clients(),
    now: () => new Date(),
    ttlHours: config.slack.requestTtlHours,
    fourEyes: config.slack.fourEyes,
    requireFips: false,
  });
  const findings = createFindingsPort(store);
  const ports: SlackPorts = {
    ...createFakePorts({}).ports,
    findings,
    remediations: createRemediationsPort({ flow, store, findingByRef: findings.findingByRef }),
    suppressions: createSuppressionService({
      flow: createSuppressionFlow({
        store,
        now: () => new Date(),
        ttlHours: config.slack.requestTtlHours,
        fourEyes: true,
        maxDays: config.slack.suppression.maxDays,
      }),
      store,
      findingByRef: findings.findingByRef,
    }),
    audit: createAuditPort(store),
  };
  api = await startFakeSlackApi();
  slack = createSlackApp({
    config,
    ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-forged",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
  await store?.close();
  await emulator?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a finding button's id with the menu's shape", () => {
  const forged = (who: Who, ref: string) =>
    messageAction(
      { channelId: SCANS, ...who },
      {
        type: "overflow",
        action_id: ACTION_IDS.findingDetails,
        selected_option: { value: `fix:${ref}` },
      },
    );

  it("does not open the Fix modal for a viewer (nor show the plan), and audits the refusal", async () => {
    const ref = findingRef(channelFinding);
    const before = (await refusals(VIEWER)).length;
    const from = api.calls.length;
    const res = await send(forged({ userId: VIEWER }, ref));
    expect(res.status).toBe(200);
    // The refusal shown to the viewer, or (before the fix) the Fix modal.
    await api.waitFor(() =>
      since(from).some(
        (c) => c.method.startsWith("views.") || (c.method === "chat.postEphemeral" && c.body.user === VIEWER),
      ),
    );
    await slack.idle();
    expect(since(from).filter((c) => c.method.startsWith("views."))).toEqual([]);
    const after = await refusals(VIEWER);
    expect(after.length).toBe(before + 1);
    expect(after[0]?.detail).toMatchObject({ listener: `action:${ACTION_IDS.findingDetails}/?` });
  });

  it("still opens Details from the button and Fix from the menu for those who hold the roles", async () => {
    const ref = findingRef(channelFinding);
    const from = api.calls.length;
    await send(
      messageAction(
        { userId: VIEWER, channelId: SCANS },
        { type: "button", action_id: ACTION_IDS.findingDetails, value: ref },
      ),
    );
    await api.waitFor(() => since(from).some((c) => c.method === "views.open"));
    await slack.idle();
    const details = since(from).find((c) => c.method === "views.open")?.body.view as { callback_id?: string };
    expect(details.callback_id).toBe(CALLBACK_IDS.detailsModal);

    const menuFrom = api.calls.length;
    await send(
      messageAction(
        { userId: REQUESTER, channelId: SCANS },
        { type: "overflow", action_id: ACTION_IDS.findingMenu, selected_option: { value: `fix:${ref}` } },
      ),
    );
    await api.waitFor(() => since(menuFrom).some((c) => c.method === "views.update"));
    await slack.idle();
    const opened = since(menuFrom).find((c) => c.method === "views.open")?.body.view as {
      callback_id?: string;
    };
    expect(opened.callback_id).toBe(CALLBACK_IDS.fixModal);
    expect((await refusals(REQUESTER)).length).toBe(0);
  });
});

describe("a body that is both an event and a slash command", () => {
  function mixed(userId: string): string {
    eventCounter += 1;
    const event = JSON.parse(homeOpened({ userId }, `Ev0FORGED${eventCounter}`)) as Record<string, unknown>;
    return JSON.stringify({
      ...event,
      command: "/forecast-audit",
      text: "help",
      user_id: userId,
      team_id: DEFAULT_TEAM,
      channel_id: SCANS,
    });
  }

  it("publishes no Home tab to a user without a role, runs no listener, and audits the refusal", async () => {
    const before = (await refusals(NOBODY)).length;
    const from = api.calls.length;
    const res = await send(mixed(NOBODY), JSON_TYPE);
    expect(res.status).toBe(200);
    // Nothing is shown for it, so wait for its audit entry, then for anything a listener would have started.
    await until(
      async () =>
        (await refusals(NOBODY)).length > before || since(from).some((c) => c.method === "views.publish"),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await slack.idle();
    expect(since(from).filter((c) => c.method === "views.publish")).toEqual([]);
    expect(since(from).filter((c) => c.method === "response_url")).toEqual([]);
    const after = await refusals(NOBODY);
    expect(after.length).toBe(before + 1);
    // Refused by the guard (the body has two shapes); the listener's own check would refuse it too.
    expect(after[0]?.detail).toMatchObject({ listener: AMBIGUOUS_KEY, code: "no-policy" });
  });

  it("still answers the event alone (the Home tab for a viewer, a refusal for the rest) and the command alone", async () => {
    eventCounter += 1;
    const from = api.calls.length;
    await send(homeOpened({ userId: VIEWER }, `Ev0FORGED${eventCounter}`), JSON_TYPE);
    await api.waitFor(() =>
      since(from).some((c) => c.method === "views.publish" && c.body.user_id === VIEWER),
    );
    eventCounter += 1;
    await send(homeOpened({ userId: NOBODY }, `Ev0FORGED${eventCounter}`), JSON_TYPE);
    await api.waitFor(() =>
      since(from).some((c) => c.method === "views.publish" && c.body.user_id === NOBODY),
    );
    await slack.idle();
    const home = (user: string) =>
      JSON.stringify(since(from).find((c) => c.method === "views.publish" && c.body.user_id === user)?.body);
    expect(home(NOBODY)).toMatch(/You need the \*viewers\* role/);
    expect(home(VIEWER)).not.toMatch(/You need the/);

    const help = api.calls.length;
    await send(slashPayload({ userId: NOBODY }, "help", api.responseUrl("forged-help")));
    await api.waitFor(() => since(help).some((c) => c.method === "response_url"));
  });
});

describe("a submission whose metadata names a channel outside the configuration", () => {
  it("posts no fix request there, requests nothing, and audits the refused submission", async () => {
    const { view } = await openFix(channelFinding);
    const shown = JSON.parse(view.private_metadata) as Record<string, unknown>;
    expect(shown.channelId).toBe(SCANS);
    const before = (await refusals(REQUESTER, SUBMISSION_REFUSED)).length;
    const from = api.calls.length;
    await submitFix({ ...shown, channelId: FOREIGN });
    // The refusal in a direct message, or (before the fix) the request in the foreign channel.
    await api.waitFor(() =>
      since(from).some(
        (c) => c.method === "chat.postMessage" && [REQUESTER, FOREIGN].includes(String(c.body.channel)),
      ),
    );
    await slack.idle();
    expect(since(from).filter((c) => c.body.channel === FOREIGN)).toEqual([]);
    expect(await store.listRequests({ findingKey: findingKey(channelFinding) })).toEqual([]);
    const after = await refusals(REQUESTER, SUBMISSION_REFUSED);
    expect(after.length).toBe(before + 1);
    expect(after[0]?.detail).toMatchObject({ code: "channel", listener: `view:${CALLBACK_IDS.fixModal}` });

    // The modal as shown: the request is posted in the scan channel it came from.
    const legit = api.calls.length;
    await submitFix(shown);
    await api.waitFor(() =>
      since(legit).some((c) => c.method === "chat.postMessage" && c.body.channel === SCANS),
    );
    await slack.idle();
    expect(await store.listRequests({ findingKey: findingKey(channelFinding) })).toHaveLength(1);
  });

  it("posts no suppression request there either, and records no request", async () => {
    const ref = findingRef(criticalFinding);
    const submit = (channelId: string) =>
      send(
        viewSubmission(
          { userId: REQUESTER },
          CALLBACK_IDS.suppressModal,
          JSON.stringify({ ref, channelId }),
          suppressValues("The key is kept for the audit trail.", "30"),
        ),
      );
    const before = (await refusals(REQUESTER, SUBMISSION_REFUSED)).length;
    const from = api.calls.length;
    await submit(FOREIGN);
    await api.waitFor(() =>
      since(from).some(
        (c) => c.method === "chat.postMessage" && [REQUESTER, FOREIGN].includes(String(c.body.channel)),
      ),
    );
    await slack.idle();
    expect(since(from).filter((c) => c.body.channel === FOREIGN)).toEqual([]);
    expect(await store.listSuppressionRequests({ findingKey: findingKey(criticalFinding) })).toEqual([]);
    const after = await refusals(REQUESTER, SUBMISSION_REFUSED);
    expect(after.length).toBe(before + 1);
    expect(after[0]?.detail).toMatchObject({
      code: "channel",
      listener: `view:${CALLBACK_IDS.suppressModal}`,
    });

    const legit = api.calls.length;
    await submit(SCANS);
    await api.waitFor(() =>
      since(legit).some((c) => c.method === "chat.postMessage" && c.body.channel === SCANS),
    );
    await slack.idle();
    expect(
      await store.listSuppressionRequests({ findingKey: findingKey(criticalFinding), states: ["pending"] }),
    ).toHaveLength(1);
  });
});

describe("a Fix submission that asks for another tag than the plan shown", () => {
  it("is refused as a changed plan; the tag shown is requested", async () => {
    const { viewId, view } = await openFix(choiceFinding);
    // Pick the first flagged tag: the plan is made again for it alone.
    const from = api.calls.length;
    await send(
      viewAction(
        { userId: REQUESTER },
        { type: "static_select", action_id: ACTION_IDS.fixChoice, selected_option: { value: "0" } },
        { type: "modal", id: viewId, privateMetadata: view.private_metadata },
      ),
    );
    await api.waitFor(() => since(from).some((c) => c.method === "views.update"));
    await slack.idle();
    const picked = since(from).find((c) => c.method === "views.update")?.body.view as SentView;
    expect(picked.submit).toBeDefined();
    const shown = JSON.parse(picked.private_metadata) as Record<string, unknown>;
    expect(shown).toMatchObject({ choice: 0, channelId: SCANS });

    const before = (await refusals(REQUESTER, SUBMISSION_REFUSED)).length;
    const forged = api.calls.length;
    await submitFix({ ...shown, choice: 1 });
    // The refusal, or (before the fix) the request for the other tag and the note that it was posted.
    await api.waitFor(() =>
      since(forged).some((c) => c.method === "chat.postEphemeral" && c.body.user === REQUESTER),
    );
    await slack.idle();
    expect(since(forged).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expect(await store.listRequests({ findingKey: findingKey(choiceFinding) })).toEqual([]);
    const after = await refusals(REQUESTER, SUBMISSION_REFUSED);
    expect(after.length).toBe(before + 1);
    expect(after[0]?.detail).toMatchObject({ code: "plan-changed" });

    const legit = api.calls.length;
    await submitFix(shown);
    await api.waitFor(() =>
      since(legit).some((c) => c.method === "chat.postMessage" && c.body.channel === SCANS),
    );
    await slack.idle();
    const [request] = await store.listRequests({ findingKey: findingKey(choiceFinding) });
    if (!request) throw new Error("the tag shown was not requested");
    expect((request.plan as { requestOptions?: unknown }).requestOptions).toEqual({ tagKey: "owner" });
  });
});

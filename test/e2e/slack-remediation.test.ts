/**
 * The fix flow end to end: the real Slack app over HTTP with a recording fake Web API, signed clicks and
 * modal submissions, the real store (a temporary SQLite file), the real remediation use-cases, and real SDK
 * clients against moto. Covers the Fix modal, the request message, approval (and who may not approve),
 * 20 concurrent approvals, drift, a failure in the middle of a plan with its retry, revert, rejection,
 * expiry and the announcement of fixes interrupted by a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAuditPort, createFindingsPort, recoverAtStartup } from "../../src/app/slack-runtime.js";
import type { AccountClients } from "../../src/aws/clients.js";
import { parseConfig } from "../../src/config/load-config.js";
import { bucketArn, scopeArn } from "../../src/domain/arn.js";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { FIX_LEASE_MS } from "../../src/remediation-flow/lease.js";
import { readFreshAccount } from "../../src/remediation-flow/read-fresh-account.js";
import { createRemediationFlow } from "../../src/remediation-flow/remediation-flow.js";
import { createRemediationsPort } from "../../src/remediation-flow/slack-port.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import type { ListenerDeps } from "../../src/slack/deps.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../../src/slack/ids.js";
import { checkMessage, checkView } from "../../src/slack/limits.js";
import { sweepExpiredRequests } from "../../src/slack/listeners/schedule/request-sweep.js";
import type { SlackPorts } from "../../src/slack/ports.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { MOTO_ACCOUNT_ID, type MotoServer, motoClientConfig, startMoto } from "../support/moto.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, interactionBody, postSigned, uniqueTriggerId } from "../support/slack-signing.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TEAM = "T0FAKE";
const APPROVALS = "C0APPROVE";
const SCANS = "C0SCANS";
const REGION = "us-east-1";
const EU = "eu-west-1";
const APPROVERS = Array.from({ length: 20 }, (_, i) => `U0APP${String(i).padStart(2, "0")}`);

const TLS_BUCKET = "e2e-tls-data";
const PAB_BUCKET = "e2e-pab-data";
const EXPIRY_BUCKET = "e2e-expiry-data";
const REJECT_BUCKET = "e2e-reject-data";
const EMERGENCY_BUCKET = "e2e-emergency-data";
const PENDING_BUCKET = "e2e-pending-data";
const NOT_IN_CHANNEL_BUCKET = "e2e-not-in-channel-data";
const UNPOSTED_BUCKET = "e2e-unposted-data";
const PRIOR_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Read",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${TLS_BUCKET}/*`,
    },
  ],
});

function failing(controlId: string, remediationId: string, resourceArn: string, region = REGION): Finding {
  return {
    controlId,
    status: "FAIL",
    severity: "high",
    accountId: MOTO_ACCOUNT_ID,
    region,
    resourceArn,
    resourceType: controlId.startsWith("cloudtrail") ? "cloudtrail-region" : "s3-bucket",
    title: `${controlId} fails`,
    detail: "Fails.",
    remediationId,
  };
}

const tlsFinding = failing("s3-bucket-tls-enforced", "s3-bucket-enforce-tls", bucketArn("aws", TLS_BUCKET));
const pabFinding = failing(
  "s3-bucket-public-access-blocked",
  "s3-bucket-block-public-access",
  bucketArn("aws", PAB_BUCKET),
);
const expiryFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", EXPIRY_BUCKET),
);
const rejectFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", REJECT_BUCKET),
);
const emergencyFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", EMERGENCY_BUCKET),
);
const pendingFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", PENDING_BUCKET),
);
const notInChannelFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", NOT_IN_CHANNEL_BUCKET),
);
const unpostedFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", UNPOSTED_BUCKET),
);
const trailFinding = failing(
  "cloudtrail-multi-region-logging",
  "cloudtrail-enable",
  scopeArn("aws", "cloudtrail", MOTO_ACCOUNT_ID, EU),
  EU,
);
const interruptedFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", "e2e-gone"),
);
const stuckFinding = failing(
  "s3-bucket-tls-enforced",
  "s3-bucket-enforce-tls",
  bucketArn("aws", "e2e-stuck"),
);

let moto: MotoServer;
let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let dir: string;
let events: string;
let flowNow = new Date();
let ports: SlackPorts;
const config = parseConfig({
  accounts: [{ id: MOTO_ACCOUNT_ID }],
  slack: {
    approvers: { users: ["U0ALICE", "U0BOB"], usergroups: ["S0APPROVERS"] },
    approvalsChannel: APPROVALS,
  },
});

/** Remediation calls by operation name, and operations made to fail once. */
const sent = new Map<string, number>();
const failOnce = new Set<string>();

function motoClients(counting: boolean): AccountClients {
  const cache = new Map<string, unknown>();
  type Client = { middlewareStack: { add(mw: unknown, options: unknown): void } };
  const memo = <C>(key: string, make: () => C): C => {
    if (!cache.has(key)) {
      const client = make();
      if (counting) {
        (client as unknown as Client).middlewareStack.add(
          (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
            async (args: unknown) => {
              const name = (context.commandName ?? "").replace(/Command$/, "");
              sent.set(name, (sent.get(name) ?? 0) + 1);
              if (failOnce.delete(name)) {
                throw Object.assign(new Error(`${name} failed (injected)`), {
                  name: "ServiceUnavailable",
                  $metadata: { httpStatusCode: 503 },
                });
              }
              return next(args);
            },
          { step: "initialize", name: "e2eCounter" },
        );
      }
      cache.set(key, client);
    }
    return cache.get(key) as C;
  };
  const cfg = (region: string) => ({ ...motoClientConfig(moto, region), maxAttempts: 1 });
  return {
    accountId: MOTO_ACCOUNT_ID,
    partition: "aws",
    s3: (r) => memo(`s3:${r}`, () => new S3Client(cfg(r))),
    s3control: (r) => memo(`s3control:${r}`, () => new S3ControlClient(cfg(r))),
    kms: (r) => memo(`kms:${r}`, () => new KMSClient(cfg(r))),
    iam: () => memo("iam", () => new IAMClient(cfg(REGION))),
    cloudtrail: (r) => memo(`cloudtrail:${r}`, () => new CloudTrailClient(cfg(r))),
    macie: (r) => memo(`macie:${r}`, () => new Macie2Client(cfg(r))),
    sts: (r) => memo(`sts:${r}`, () => new STSClient(cfg(r))),
    forecast: (r) => memo(`forecast:${r}`, () => new ForecastClient(cfg(r))),
  };
}

let setup: AccountClients;

async function bucket(name: string): Promise<void> {
  await setup.s3(REGION).send(new CreateBucketCommand({ Bucket: name }));
}

// ---------------------------------------------------------------------------------------------------
// Signed payloads

interface Clicker {
  userId: string;
  teamId?: string;
  userTeamId?: string;
}

function blockAction(
  who: Clicker,
  action: Record<string, unknown>,
  container: { channel: string; ts: string },
) {
  return interactionBody({
    type: "block_actions",
    team: { id: who.teamId ?? TEAM, domain: "fake" },
    user: {
      id: who.userId,
      username: who.userId.toLowerCase(),
      team_id: who.userTeamId ?? who.teamId ?? TEAM,
    },
    api_app_id: "A0FAKE",
    token: "legacy",
    trigger_id: uniqueTriggerId(),
    container: { type: "message", message_ts: container.ts, channel_id: container.channel },
    channel: { id: container.channel, name: "approvals" },
    response_url: api.responseUrl(`click-${uniqueTriggerId()}`),
    actions: [{ block_id: "b1", action_ts: `${Date.now() / 1000}`, ...action }],
  });
}

function send(body: string) {
  return postSigned(events, body, FORM, { signingSecret: SECRET });
}

function viewSubmission(who: Clicker, callbackId: string, privateMetadata: string, values: unknown) {
  return interactionBody({
    type: "view_submission",
    team: { id: who.teamId ?? TEAM },
    user: { id: who.userId, team_id: who.teamId ?? TEAM },
    api_app_id: "A0FAKE",
    trigger_id: uniqueTriggerId(),
    view: {
      id: `V${uniqueTriggerId().replace(/\W/g, "")}`,
      type: "modal",
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: "h1",
    },
  });
}

async function settle(): Promise<void> {
  await slack.idle();
}

function lastUpdateOf(ts: string) {
  return api
    .callsTo("chat.update")
    .filter((c) => c.body.ts === ts)
    .at(-1);
}

function buttonsOf(blocks: unknown): string[] {
  return (blocks as Array<{ type: string; elements?: Array<{ action_id?: string }> }>)
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ""));
}

function ephemeralsTo(userId: string): string[] {
  return api
    .callsTo("chat.postEphemeral")
    .filter((c) => c.body.user === userId)
    .map((c) => JSON.stringify(c.body.blocks));
}

/** Fix on a finding, the plan modal, Request approval: returns the request and its message. */
async function requestFix(finding: Finding, userId = "U0ALICE", reason = "ticket SEC-42") {
  const ref = findingRef(finding);
  api.clear();
  await send(
    blockAction(
      { userId },
      { type: "button", action_id: ACTION_IDS.findingFix, value: ref },
      { channel: SCANS, ts: "1700000000.000001" },
    ),
  );
  await api.waitFor((calls) =>
    calls.some(
      (c) => c.method === "views.update" && (c.body.view as { submit?: unknown }).submit !== undefined,
    ),
  );
  const update = api.callsTo("views.update").at(-1);
  const view = update?.body.view as { private_metadata: string; callback_id: string };
  expect(view.callback_id).toBe(CALLBACK_IDS.fixModal);
  expect(checkView(view as never)).toEqual([]);
  expect(api.callsTo("views.open")[0]?.body.view).toMatchObject({ callback_id: CALLBACK_IDS.fixModal });
  await send(
    viewSubmission({ userId }, CALLBACK_IDS.fixModal, view.private_metadata, {
      [BLOCK_IDS.fixReason]: { [INPUT_ACTION_IDS.fixReason]: { type: "plain_text_input", value: reason } },
    }),
  );
  await api.waitFor((calls) =>
    calls.some((c) => c.method === "chat.postMessage" && c.body.channel === APPROVALS),
  );
  await api.waitFor((calls) =>
    calls.some((c) => c.method === "chat.postEphemeral" && c.body.user === userId),
  );
  await settle();
  const posted = api.callsTo("chat.postMessage").find((c) => c.body.channel === APPROVALS);
  const [request] = await store.listRequests({ findingKey: findingKey(finding), states: ["pending"] });
  if (!request || !posted) throw new Error("no request was posted");
  return { request, ts: String(posted.response.ts), message: posted.body, view };
}

async function click(
  who: Clicker,
  kind: "approve" | "reject" | "retry" | "revert",
  requestId: string,
  ts: string,
) {
  const actionId = {
    approve: ACTION_IDS.requestApprove,
    reject: ACTION_IDS.requestReject,
    retry: ACTION_IDS.requestRetry,
    revert: ACTION_IDS.requestRevert,
  }[kind];
  return send(
    blockAction(who, { type: "button", action_id: actionId, value: requestId }, { channel: APPROVALS, ts }),
  );
}

// ---------------------------------------------------------------------------------------------------

beforeAll(async () => {
  moto = await startMoto();
  await moto.reset();
  setup = motoClients(false);
  for (const name of [
    TLS_BUCKET,
    PAB_BUCKET,
    EXPIRY_BUCKET,
    REJECT_BUCKET,
    EMERGENCY_BUCKET,
    PENDING_BUCKET,
    NOT_IN_CHANNEL_BUCKET,
    UNPOSTED_BUCKET,
  ]) {
    await bucket(name);
  }
  await setup.s3(REGION).send(new PutBucketPolicyCommand({ Bucket: TLS_BUCKET, Policy: PRIOR_POLICY }));
  await setup.s3(REGION).send(
    new PutBucketPolicyCommand({
      Bucket: EMERGENCY_BUCKET,
      Policy: PRIOR_POLICY.replaceAll(TLS_BUCKET, EMERGENCY_BUCKET),
    }),
  );

  dir = mkdtempSync(join(tmpdir(), "forecast-audit-e2e-fix-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
  await store.recordScan({
    scope: {
      accounts: [MOTO_ACCOUNT_ID],
      regions: [REGION, EU],
      controls: [
        "s3-bucket-tls-enforced",
        "s3-bucket-public-access-blocked",
        "cloudtrail-multi-region-logging",
      ],
    },
    trigger: "test",
    findings: [
      tlsFinding,
      pabFinding,
      expiryFinding,
      rejectFinding,
      emergencyFinding,
      pendingFinding,
      notInChannelFinding,
      unpostedFinding,
      trailFinding,
      interruptedFinding,
      stuckFinding,
    ],
  });

  // A fix that was applying when the last process died.
  const orphan = await store.createRequest({
    findingKey: findingKey(interruptedFinding),
    remediationId: "s3-bucket-enforce-tls",
    plan: {
      remediationId: "s3-bucket-enforce-tls",
      finding: interruptedFinding,
      steps: [],
      notes: [],
      before: "",
      after: "",
      priorState: null,
      fingerprint: "f",
    },
    planFingerprint: "f",
    requester: "U0ALICE",
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  await store.setRequestMessage(orphan.id, APPROVALS, "1699999999.000001");
  await store.transitionRequest(orphan.id, "pending", "approved", { approver: "U0BOB" });
  await store.transitionRequest(orphan.id, "approved", "applying");
  // And one approved whose process stopped before its first call.
  const stuck = await store.createRequest({
    findingKey: findingKey(stuckFinding),
    remediationId: "s3-bucket-enforce-tls",
    plan: { ...(orphan.plan as object), finding: stuckFinding },
    planFingerprint: "f",
    requester: "U0ALICE",
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  await store.setRequestMessage(stuck.id, APPROVALS, "1699999999.000002");
  await store.transitionRequest(stuck.id, "pending", "approved", { approver: "U0BOB" });

  const audit = motoClients(false);
  const remediate = motoClients(true);
  const flow = createRemediationFlow({
    store,
    readFresh: (target) => readFreshAccount(audit, target),
    remediationClients: async () => remediate,
    now: () => flowNow,
    ttlHours: config.slack.requestTtlHours,
    fourEyes: config.slack.fourEyes,
    requireFips: false,
  });
  const findings = createFindingsPort(store);
  const remediations = createRemediationsPort({ flow, store, findingByRef: findings.findingByRef });
  // As a start-up once their process's lease ran out: both are marked, and announced from the store's outbox.
  await recoverAtStartup(store, pino({ level: "silent" }), new Date(Date.now() + FIX_LEASE_MS + 1000));

  api = await startFakeSlackApi();
  api.usergroups.S0APPROVERS = APPROVERS;
  ports = { ...createFakePorts({}).ports, findings, remediations, audit: createAuditPort(store) };
  slack = createSlackApp({
    config,
    ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-1234-5678-fakebottoken",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
});

afterEach(async () => {
  await settle();
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
  await store?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("fixes approved in Slack", () => {
  it("announces a fix interrupted by a restart, with Retry and Revert on its message", async () => {
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("restarted")),
    );
    await settle();
    const notice = api.callsTo("chat.postMessage").find((c) => String(c.body.text).includes("restarted"));
    expect(notice?.body.channel).toBe(APPROVALS);
    const redrawn = lastUpdateOf("1699999999.000001");
    expect(buttonsOf(redrawn?.body.blocks)).toEqual([ACTION_IDS.requestRetry, ACTION_IDS.requestRevert]);
    const [orphan] = await store.listRequests({ findingKey: findingKey(interruptedFinding) });
    expect(orphan?.state).toBe("interrupted");
    // The one approved but never started changed nothing: it ends failed, with no button to press.
    const [stuck] = await store.listRequests({ findingKey: findingKey(stuckFinding) });
    expect(stuck?.state).toBe("failed");
    const stuckMessage = lastUpdateOf("1699999999.000002");
    expect(JSON.stringify(stuckMessage?.body.blocks)).toContain("nothing was changed");
    expect(buttonsOf(stuckMessage?.body.blocks)).toEqual([]);
  });

  it("requests a fix from the modal and posts the plan with Approve and Reject", async () => {
    const { request, message } = await requestFix(tlsFinding);
    expect(request.requester).toBe("U0ALICE");
    expect(checkMessage({ text: String(message.text), blocks: message.blocks as never })).toEqual([]);
    expect(buttonsOf(message.blocks)).toEqual([ACTION_IDS.requestApprove, ACTION_IDS.requestReject]);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain("PutBucketPolicy");
    expect(json).toContain("ticket SEC-42");
    expect(json).toContain("Requested by <@U0ALICE>");
    // Buttons carry the request id and nothing else.
    for (const block of message.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }>) {
      for (const e of block.elements ?? []) if (block.type === "actions") expect(e.value).toBe(request.id);
    }
    const requester = ephemeralsTo("U0ALICE").join("\n");
    expect(requester).toContain("Fix requested");
  });

  it("refuses an unauthorized approver, another workspace and self-approval; nothing runs", async () => {
    const [request] = await store.listRequests({ findingKey: findingKey(tlsFinding), states: ["pending"] });
    if (!request) throw new Error("no pending request");
    const ts = String(request.slackTs);
    api.clear();
    await click({ userId: "U0MALLORY" }, "approve", request.id, ts);
    await click({ userId: "U0BOB", teamId: "T0EVIL" }, "approve", request.id, ts);
    await click({ userId: "U0BOB", teamId: TEAM, userTeamId: "T0EVIL" }, "approve", request.id, ts);
    await click({ userId: "U0ALICE" }, "approve", request.id, ts);
    await api.waitFor((calls) => calls.filter((c) => c.method === "chat.postEphemeral").length >= 4);
    await settle();
    expect(ephemeralsTo("U0MALLORY").join()).toContain("You need the *approvers* role");
    expect(ephemeralsTo("U0BOB").join()).toContain("workspace");
    expect(ephemeralsTo("U0BOB")).toHaveLength(2);
    expect(ephemeralsTo("U0ALICE").join()).toContain("four-eyes");
    expect((await store.getRequest(request.id))?.state).toBe("pending");
    expect(sent.get("PutBucketPolicy") ?? 0).toBe(0);
    // The policy refuses the role and the workspace before anything is read; the flow refuses four-eyes.
    const denied = await store.listAudit({ action: "access.refused", target: request.id, order: "asc" });
    expect(denied.map((r) => `${r.actor} ${(r.detail as { code: string }).code}`).sort()).toEqual([
      "slack:U0BOB workspace",
      "slack:U0BOB workspace",
      "slack:U0MALLORY role",
    ]);
    const refusals = await store.listAudit({ action: "request.refused", target: request.id, order: "asc" });
    expect(refusals.map((r) => `${r.actor} ${(r.detail as { code: string }).code}`)).toEqual([
      "slack:U0ALICE four-eyes",
    ]);
  });

  it("applies once under 20 concurrent Approve clicks, re-checks, and offers Revert", async () => {
    const [request] = await store.listRequests({ findingKey: findingKey(tlsFinding), states: ["pending"] });
    if (!request) throw new Error("no pending request");
    const ts = String(request.slackTs);
    api.clear();
    const responses = await Promise.all(
      APPROVERS.map((userId) => click({ userId }, "approve", request.id, ts)),
    );
    for (const r of responses) expect(r.status).toBe(200);
    await api.waitFor((calls) => calls.filter((c) => c.method === "chat.postEphemeral").length >= 19);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Applied"));
    await settle();

    expect(sent.get("PutBucketPolicy")).toBe(1);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("applied");
    expect(APPROVERS).toContain(done?.approver);
    expect(done?.result).toMatchObject({ outcome: "applied", recheck: { status: "PASS" } });
    const losers = api.callsTo("chat.postEphemeral");
    expect(losers).toHaveLength(19);
    for (const l of losers) expect(JSON.stringify(l.body.blocks)).toMatch(/already/);
    expect(losers.map((l) => l.body.user)).not.toContain(done?.approver);

    const final = lastUpdateOf(ts);
    const json = JSON.stringify(final?.body.blocks);
    expect(json).toContain(`Approved by <@${done?.approver}>`);
    expect(json).toContain("Requested by <@U0ALICE>");
    expect(json).toContain("Re-check: *PASS*");
    expect(buttonsOf(final?.body.blocks)).toEqual([ACTION_IDS.requestRevert]);
    expect(checkMessage({ text: String(final?.body.text), blocks: final?.body.blocks as never })).toEqual([]);
    const actions = (await store.listAudit({ target: request.id, order: "asc" })).map((a) => a.action);
    expect(actions.filter((a) => a === "request.approved")).toHaveLength(1);
    expect(actions.filter((a) => a === "request.applied")).toHaveLength(1);

    const policy = await setup.s3(REGION).send(new GetBucketPolicyCommand({ Bucket: TLS_BUCKET }));
    expect(policy.Policy).toContain("ForecastAuditDenyInsecureTransport");
  });

  it("reverts an applied fix for an approver other than the requester, putting the exact prior policy back", async () => {
    const [request] = await store.listRequests({ findingKey: findingKey(tlsFinding), states: ["applied"] });
    if (!request) throw new Error("no applied request");
    api.clear();
    await click({ userId: "U0MALLORY" }, "revert", request.id, String(request.slackTs));
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral"));
    // Alice asked for the fix: under four-eyes she may not revert it either.
    await click({ userId: "U0ALICE" }, "revert", request.id, String(request.slackTs));
    await api.waitFor((calls) => calls.filter((c) => c.method === "chat.postEphemeral").length === 2);
    await settle();
    expect(ephemeralsTo("U0ALICE").join()).toContain("someone else must revert it");
    expect((await store.getRequest(request.id))?.state).toBe("applied");
    await click({ userId: "U0BOB" }, "revert", request.id, String(request.slackTs));
    await api.waitFor(() =>
      JSON.stringify(lastUpdateOf(String(request.slackTs))?.body.blocks ?? "").includes("Reverted"),
    );
    await settle();
    const reverted = await store.getRequest(request.id);
    expect(reverted?.state).toBe("reverted");
    // Nothing changed since the fix (the state it left, fingerprinted at apply, is what a fresh read finds).
    expect(reverted?.result).toMatchObject({ revert: { mode: "exact" } });
    const policy = await setup.s3(REGION).send(new GetBucketPolicyCommand({ Bucket: TLS_BUCKET }));
    expect(policy.Policy).toBe(PRIOR_POLICY);
    expect(buttonsOf(lastUpdateOf(String(request.slackTs))?.body.blocks)).toEqual([]);
  });

  it("reverts after a later emergency deny: only the fix's statements go, the emergency deny stays; forged and stale reverts are refused", async () => {
    const policyOf = async () =>
      String((await setup.s3(REGION).send(new GetBucketPolicyCommand({ Bucket: EMERGENCY_BUCKET }))).Policy);
    const sidsOf = async () =>
      (JSON.parse(await policyOf()) as { Statement: Array<{ Sid?: string }> }).Statement.map((x) => x.Sid);
    const { request, ts } = await requestFix(emergencyFinding);
    api.clear();
    await click({ userId: "U0BOB" }, "approve", request.id, ts);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Applied"));
    await settle();
    expect((await store.getRequest(request.id))?.state).toBe("applied");
    expect(await sidsOf()).toEqual([
      "Read",
      "ForecastAuditDenyInsecureTransport",
      "ForecastAuditDenyTlsBelow12",
    ]);

    // An incident: someone adds an emergency Deny to the bucket policy after the fix.
    const emergency = {
      Sid: "EmergencyDenyAll",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${EMERGENCY_BUCKET}/*`,
    };
    const fixed = JSON.parse(await policyOf()) as { Statement: unknown[] };
    await setup.s3(REGION).send(
      new PutBucketPolicyCommand({
        Bucket: EMERGENCY_BUCKET,
        Policy: JSON.stringify({ ...fixed, Statement: [...fixed.Statement, emergency] }),
      }),
    );

    // Forged: a request id that does not exist, and the id of a request that was never applied.
    const pending = await requestFix(pendingFinding);
    const puts = sent.get("PutBucketPolicy") ?? 0;
    api.clear();
    await click({ userId: "U0BOB" }, "revert", "forgedRequestId0000000", ts);
    await click({ userId: "U0BOB" }, "revert", pending.request.id, ts);
    await api.waitFor((calls) => calls.filter((c) => c.method === "chat.postEphemeral").length >= 2);
    await settle();
    const forged = ephemeralsTo("U0BOB").join("\n");
    expect(forged).toContain("not known");
    expect(forged).toContain("Only an applied, failed or interrupted fix can be reverted");
    expect((await store.getRequest(pending.request.id))?.state).toBe("pending");
    expect(sent.get("PutBucketPolicy") ?? 0).toBe(puts);

    api.clear();
    await click({ userId: "U0BOB" }, "revert", request.id, ts);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Reverted"));
    await settle();
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("reverted");
    expect(done?.result).toMatchObject({ phase: "revert", outcome: "reverted", revert: { mode: "changed" } });
    expect(await sidsOf()).toEqual(["Read", "EmergencyDenyAll"]);
    const final = lastUpdateOf(ts);
    const json = JSON.stringify(final?.body.blocks);
    expect(json).toContain("only the fix's own changes were taken back; later changes were kept");
    expect(json).toContain("*Change*");
    expect(json).toContain("ForecastAuditDenyTlsBelow12");
    expect(buttonsOf(final?.body.blocks)).toEqual([]);
    expect(checkMessage({ text: String(final?.body.text), blocks: final?.body.blocks as never })).toEqual([]);

    // Stale: the same Revert clicked again (a double click, a replayed payload) changes nothing.
    const after = sent.get("PutBucketPolicy") ?? 0;
    api.clear();
    await click({ userId: "U0BOB" }, "revert", request.id, ts);
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral"));
    await settle();
    expect(ephemeralsTo("U0BOB").join()).toContain("this one is reverted");
    expect(sent.get("PutBucketPolicy") ?? 0).toBe(after);
    expect(await sidsOf()).toEqual(["Read", "EmergencyDenyAll"]);
    const refusals = await store.listAudit({ action: "request.refused" });
    const codes = refusals
      .filter((r) => [request.id, pending.request.id, "forgedRequestId0000000"].includes(r.target ?? ""))
      .map(
        (r) =>
          `${r.target === request.id ? "applied" : r.target === pending.request.id ? "pending" : "forged"} ${(r.detail as { code: string }).code}`,
      )
      .sort();
    expect(codes).toEqual(["applied not-revertible", "forged not-found", "pending not-revertible"]);
    // The pending request was only a forged click's target: withdrawn, so later tests see no extra request.
    await store.transitionRequest(pending.request.id, "pending", "rejected", { rejecter: "U0ALICE" });
  });

  it("applies nothing when the resource changed between request and approval", async () => {
    await setup.s3(REGION).send(
      new PutPublicAccessBlockCommand({
        Bucket: PAB_BUCKET,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    const { request, ts } = await requestFix(pabFinding);
    await setup.s3(REGION).send(
      new PutPublicAccessBlockCommand({
        Bucket: PAB_BUCKET,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    const before = sent.get("PutPublicAccessBlock") ?? 0;
    api.clear();
    await click({ userId: "U0BOB" }, "approve", request.id, ts);
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && c.body.thread_ts === ts),
    );
    await settle();
    expect(sent.get("PutPublicAccessBlock") ?? 0).toBe(before);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("failed");
    expect(done?.result).toMatchObject({ outcome: "drift", stepsDone: [] });
    const reply = api.callsTo("chat.postMessage").find((c) => c.body.thread_ts === ts);
    expect(String(reply?.body.text)).toContain("<@U0ALICE>");
    expect(String(reply?.body.text)).toMatch(/changed/);
    const final = lastUpdateOf(ts);
    expect(JSON.stringify(final?.body.blocks)).toContain("the resource changed");
    expect(buttonsOf(final?.body.blocks)).toEqual([]);
  });

  it("applies, re-checks and records a fix whose Applying… redraw Slack refuses (not_in_channel)", async () => {
    const { request, ts } = await requestFix(notInChannelFinding);
    const puts = sent.get("PutBucketPolicy") ?? 0;
    api.clear();
    api.failNext("chat.update", "not_in_channel");
    await click({ userId: "U0BOB" }, "approve", request.id, ts);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Applied"));
    await settle();
    // The first redraw (Applying…) was refused; the fix ran anyway and the final redraw came after it.
    expect(api.callsTo("chat.update").filter((c) => c.body.ts === ts)).toHaveLength(2);
    expect(sent.get("PutBucketPolicy")).toBe(puts + 1);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("applied");
    expect(done?.result).toMatchObject({ recheck: { status: "PASS" } });
    const actions = (await store.listAudit({ target: request.id, order: "asc" })).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["request.approved", "request.applying", "request.applied"]),
    );
    expect(buttonsOf(lastUpdateOf(ts)?.body.blocks)).toEqual([ACTION_IDS.requestRevert]);
  });

  it("withdraws a request whose approval message Slack refuses, tells the requester, and lets the next one through", async () => {
    api.failNextWhere(
      "chat.postMessage",
      (body) => body.channel === APPROVALS && JSON.stringify(body).includes(UNPOSTED_BUCKET),
      "not_in_channel",
    );
    await expect(requestFix(unpostedFinding)).rejects.toThrow("no request was posted");
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postEphemeral" && c.body.user === "U0ALICE"),
    );
    await settle();
    // Not left pending with no message nobody can approve: expired at once, with the reason audited.
    const [withdrawn] = await store.listRequests({ findingKey: findingKey(unpostedFinding) });
    expect(withdrawn?.state).toBe("expired");
    expect(withdrawn?.slackTs).toBeUndefined();
    const [audit] = await store.listAudit({ action: "request.expired", target: withdrawn?.id ?? "" });
    expect(String((audit?.detail as { reason?: string } | undefined)?.reason)).toContain("not_in_channel");
    expect(ephemeralsTo("U0ALICE").join("\n")).toContain("nothing was requested");
    // The next request for the finding is not refused as already requested.
    const { request } = await requestFix(unpostedFinding);
    expect(request.state).toBe("pending");
    expect(request.id).not.toBe(withdrawn?.id);
    // Decided, so that no pending request of this test is left for the expiry sweep of a later one.
    await store.transitionRequest(request.id, "pending", "rejected", { rejecter: "U0BOB" });
  });

  it("records a failure in the middle of a plan, then retries from the failed step", async () => {
    const { request, ts, message } = await requestFix(trailFinding);
    expect(JSON.stringify(message.blocks)).toContain("CreateTrail");
    const steps = ((request.plan as { steps: Array<{ operation: string }> }).steps ?? []).map(
      (s) => s.operation,
    );
    const failAt = steps.indexOf("CreateTrail");
    expect(failAt).toBeGreaterThan(0);
    failOnce.add("CreateTrail");
    const before = new Map(sent);
    api.clear();
    await click({ userId: "U0BOB" }, "approve", request.id, ts);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("failed"));
    await settle();
    const failed = await store.getRequest(request.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.result).toMatchObject({
      outcome: "step-failed",
      failedStep: `${failAt + 1}. cloudtrail:CreateTrail`,
    });
    expect((failed?.result as { stepsDone: string[] } | undefined)?.stepsDone).toHaveLength(failAt);
    expect(buttonsOf(lastUpdateOf(ts)?.body.blocks)).toEqual([
      ACTION_IDS.requestRetry,
      ACTION_IDS.requestRevert,
    ]);

    const firstStep = steps[0] as string;
    const firstCount = sent.get(firstStep) ?? 0;
    await click({ userId: "U0BOB" }, "retry", request.id, ts);
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Applied"));
    await settle();
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("applied");
    expect(done?.result).toMatchObject({ recheck: { status: "PASS" } });
    expect(sent.get("CreateTrail")).toBe((before.get("CreateTrail") ?? 0) + 2);
    // The retry resumed at the failed step: the steps before it ran once.
    expect(sent.get(firstStep)).toBe(firstCount);
    expect(firstCount).toBe((before.get(firstStep) ?? 0) + 1);
  });

  it("rejects with a reason from the modal, once", async () => {
    const { request, ts } = await requestFix(rejectFinding);
    api.clear();
    await click({ userId: "U0BOB" }, "reject", request.id, ts);
    await api.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    const modal = api.callsTo("views.open")[0]?.body.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(modal.callback_id).toBe(CALLBACK_IDS.rejectModal);
    await send(
      viewSubmission({ userId: "U0BOB" }, CALLBACK_IDS.rejectModal, modal.private_metadata, {
        [BLOCK_IDS.rejectReason]: { [INPUT_ACTION_IDS.rejectReason]: { value: "Not during the freeze." } },
      }),
    );
    await api.waitFor(() => JSON.stringify(lastUpdateOf(ts)?.body.blocks ?? "").includes("Rejected"));
    await settle();
    expect(await store.getRequest(request.id)).toMatchObject({ state: "rejected", rejecter: "U0BOB" });
    expect(JSON.stringify(lastUpdateOf(ts)?.body.blocks)).toContain("Not during the freeze.");
    expect(buttonsOf(lastUpdateOf(ts)?.body.blocks)).toEqual([]);
  });

  it("refuses Approve on an expired request and expires the rest in the sweep", async () => {
    const first = await requestFix(expiryFinding);
    const puts = sent.get("PutBucketPolicy") ?? 0;
    flowNow = new Date(Date.now() + 25 * 3_600_000);
    api.clear();
    await click({ userId: "U0BOB" }, "approve", first.request.id, first.ts);
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral"));
    await api.waitFor(() => lastUpdateOf(first.ts) !== undefined);
    await settle();
    expect(ephemeralsTo("U0BOB").join()).toContain("expired");
    expect((await store.getRequest(first.request.id))?.state).toBe("expired");
    expect(buttonsOf(lastUpdateOf(first.ts)?.body.blocks)).toEqual([]);
    expect(sent.get("PutBucketPolicy") ?? 0).toBe(puts);

    flowNow = new Date();
    const second = await requestFix(expiryFinding);
    flowNow = new Date(Date.now() + 25 * 3_600_000);
    api.clear();
    const deps = {
      config,
      ports,
      logger: pino({ level: "silent" }),
      now: () => flowNow,
    } as unknown as ListenerDeps;
    expect(await sweepExpiredRequests(slack.app.client, deps)).toBe(1);
    expect((await store.getRequest(second.request.id))?.state).toBe("expired");
    expect(JSON.stringify(lastUpdateOf(second.ts)?.body.blocks)).toContain("Expired");
    expect(buttonsOf(lastUpdateOf(second.ts)?.body.blocks)).toEqual([]);
  });
});

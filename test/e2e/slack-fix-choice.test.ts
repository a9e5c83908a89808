/**
 * Choosing the key in the Fix modal, end to end: an account whose Forecast datasets use two customer-managed
 * keys (so the plan alone refuses to pick), the real Slack app over HTTP with a fake Web API, the real store
 * and remediation flow, moto for S3/KMS/IAM and the Forecast emulator. The modal offers both keys by index;
 * picking one redraws the plan; the request and its approval put exactly that key on the bucket.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { CreateBucketCommand, GetBucketEncryptionCommand, S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFindingsPort } from "../../src/app/slack-runtime.js";
import type { AccountClients } from "../../src/aws/clients.js";
import { parseConfig } from "../../src/config/load-config.js";
import { bucketArn } from "../../src/domain/arn.js";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { readFreshAccount } from "../../src/remediation-flow/read-fresh-account.js";
import { createRemediationFlow } from "../../src/remediation-flow/remediation-flow.js";
import { createRemediationsPort } from "../../src/remediation-flow/slack-port.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from "../../src/slack/ids.js";
import { checkView } from "../../src/slack/limits.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { MOTO_ACCOUNT_ID, type MotoServer, motoClientConfig, startMoto } from "../support/moto.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { FORM, interactionBody, postSigned, uniqueTriggerId } from "../support/slack-signing.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TEAM = "T0FAKE";
const APPROVALS = "C0APPROVE";
const SCANS = "C0SCANS";
const REGION = "us-east-1";
const BUCKET = "e2e-choice-data";
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ForecastChoiceRole`;

const finding: Finding = {
  controlId: "s3-bucket-default-encryption-cmk",
  status: "FAIL",
  severity: "high",
  accountId: MOTO_ACCOUNT_ID,
  region: REGION,
  resourceArn: bucketArn("aws", BUCKET),
  resourceType: "s3-bucket",
  title: "The bucket is not encrypted with a customer-managed key",
  detail: "Fails.",
  remediationId: "s3-bucket-attach-kms-key",
};

let moto: MotoServer;
let emulator: ForecastEmulator;
let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let dir: string;
let events: string;
const keys: { arn: string; id: string }[] = [];

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

function send(payload: Record<string, unknown>) {
  return postSigned(events, interactionBody(payload), FORM, { signingSecret: SECRET });
}

function user(userId: string) {
  return { id: userId, username: userId.toLowerCase(), team_id: TEAM };
}

function messageAction(userId: string, action: Record<string, unknown>, channel: string, ts: string) {
  return send({
    type: "block_actions",
    team: { id: TEAM, domain: "fake" },
    user: user(userId),
    api_app_id: "A0FAKE",
    token: "legacy",
    trigger_id: uniqueTriggerId(),
    container: { type: "message", message_ts: ts, channel_id: channel },
    channel: { id: channel, name: "c" },
    response_url: api.responseUrl(`click-${uniqueTriggerId()}`),
    actions: [{ block_id: "b1", action_ts: `${Date.now() / 1000}`, ...action }],
  });
}

type SentView = {
  private_metadata: string;
  callback_id: string;
  submit?: unknown;
  blocks: Array<{
    block_id?: string;
    accessory?: { options?: Array<{ text: { text: string }; value: string }> };
  }>;
};

function lastModal(): SentView {
  return api.callsTo("views.update").at(-1)?.body.view as SentView;
}

function choiceOptions(view: SentView) {
  return view.blocks.find((b) => b.block_id === BLOCK_IDS.fixChoice)?.accessory?.options ?? [];
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.reset();
  emulator = await startForecastEmulator({ accountId: MOTO_ACCOUNT_ID, region: REGION });
  const setup = clients();
  await setup.s3(REGION).send(new CreateBucketCommand({ Bucket: BUCKET }));
  await setup.iam().send(
    new CreateRoleCommand({
      RoleName: "ForecastChoiceRole",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "forecast.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  for (const name of ["first", "second"]) {
    const made = await setup.kms(REGION).send(new CreateKeyCommand({ Description: name }));
    const meta = made.KeyMetadata;
    if (!meta?.Arn || !meta.KeyId) throw new Error("moto made no key");
    keys.push({ arn: meta.Arn, id: meta.KeyId });
    await setup
      .kms(REGION)
      .send(new CreateAliasCommand({ AliasName: `alias/forecast-${name}`, TargetKeyId: meta.KeyId }));
  }
  // Two datasets, one key each, and an import from the bucket: both keys are candidates, neither is the bucket's.
  const [first] = keys;
  // The second is named by its alias, so the modal can show the alias next to the key id.
  const refs = [first?.arn ?? "", `arn:aws:kms:${REGION}:${MOTO_ACCOUNT_ID}:alias/forecast-second`];
  const datasets = refs.map((ref, i) =>
    emulator.state.createDataset({
      DatasetName: `choice_${i}`,
      EncryptionConfig: { KMSKeyArn: ref, RoleArn: ROLE_ARN },
    }),
  );
  emulator.state.createDatasetImportJob({
    DatasetImportJobName: "load",
    DatasetArn: datasets[0] ?? "",
    DataSource: { S3Config: { Path: `s3://${BUCKET}/input/`, RoleArn: ROLE_ARN } },
  });

  dir = mkdtempSync(join(tmpdir(), "forecast-audit-e2e-choice-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
  await store.recordScan({
    scope: { accounts: [MOTO_ACCOUNT_ID], regions: [REGION], controls: [finding.controlId] },
    trigger: "test",
    findings: [finding],
  });
  const config = parseConfig({
    accounts: [{ id: MOTO_ACCOUNT_ID }],
    slack: { approvers: { users: ["U0ALICE", "U0BOB"], usergroups: [] }, approvalsChannel: APPROVALS },
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
  const remediations = createRemediationsPort({ flow, store, findingByRef: findings.findingByRef });
  api = await startFakeSlackApi();
  slack = createSlackApp({
    config,
    ports: { ...createFakePorts({}).ports, findings, remediations },
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

afterAll(async () => {
  await slack?.stop();
  await api?.close();
  await store?.close();
  await emulator?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("choosing the key in the Fix modal", () => {
  it("offers both keys, re-plans with the one chosen, and the approval puts exactly that key on the bucket", async () => {
    const [, chosen] = keys;
    if (!chosen) throw new Error("no keys");
    await messageAction(
      "U0ALICE",
      { type: "button", action_id: ACTION_IDS.findingFix, value: findingRef(finding) },
      SCANS,
      "1700000000.000001",
    );
    await api.waitFor((calls) => calls.some((c) => c.method === "views.update"));
    await slack.idle();
    const first = lastModal();
    expect(checkView(first as never)).toEqual([]);
    // Two candidates and none chosen: the plan refuses, so there is nothing to submit yet.
    expect(first.submit).toBeUndefined();
    const options = choiceOptions(first);
    expect(options.map((o) => o.value)).toEqual(["0", "1"]);
    for (const key of keys) expect(options.some((o) => o.text.text.includes(key.id))).toBe(true);
    expect(JSON.stringify(options)).toContain("alias/forecast-second");
    expect(JSON.stringify(first.blocks.find((b) => b.block_id === BLOCK_IDS.fixChoice))).not.toContain(
      "arn:aws:kms",
    );
    const pick = options.find((o) => o.text.text.includes(chosen.id));
    if (!pick) throw new Error("the chosen key is not offered");

    const viewId = (api.callsTo("views.update").at(-1)?.body.view_id as string) ?? "";
    api.clear();
    await send({
      type: "block_actions",
      team: { id: TEAM, domain: "fake" },
      user: user("U0ALICE"),
      api_app_id: "A0FAKE",
      token: "legacy",
      trigger_id: uniqueTriggerId(),
      container: { type: "view", view_id: viewId },
      view: {
        id: viewId,
        type: "modal",
        callback_id: CALLBACK_IDS.fixModal,
        private_metadata: first.private_metadata,
        hash: "h1",
        state: { values: {} },
      },
      actions: [
        {
          type: "static_select",
          block_id: BLOCK_IDS.fixChoice,
          action_id: ACTION_IDS.fixChoice,
          selected_option: pick,
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    });
    await api.waitFor((calls) => calls.some((c) => c.method === "views.update"));
    await slack.idle();
    const replanned = lastModal();
    expect(checkView(replanned as never)).toEqual([]);
    expect(replanned.submit).toBeDefined();
    expect(JSON.stringify(replanned.blocks)).toContain(chosen.id);
    expect(JSON.parse(replanned.private_metadata)).toMatchObject({ choice: Number(pick.value) });

    api.clear();
    await send({
      type: "view_submission",
      team: { id: TEAM },
      user: { id: "U0ALICE", team_id: TEAM },
      api_app_id: "A0FAKE",
      trigger_id: uniqueTriggerId(),
      view: {
        id: viewId,
        type: "modal",
        callback_id: CALLBACK_IDS.fixModal,
        private_metadata: replanned.private_metadata,
        state: { values: {} },
        hash: "h2",
      },
    });
    await api.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && c.body.channel === APPROVALS),
    );
    await slack.idle();
    const [request] = await store.listRequests({ findingKey: findingKey(finding), states: ["pending"] });
    if (!request) throw new Error("no request was made");
    expect((request.plan as { requestOptions?: unknown }).requestOptions).toEqual({ kmsKeyArn: chosen.arn });
    const posted = api.callsTo("chat.postMessage").find((c) => c.body.channel === APPROVALS);
    const ts = String(posted?.response.ts);

    api.clear();
    await messageAction(
      "U0BOB",
      { type: "button", action_id: ACTION_IDS.requestApprove, value: request.id },
      APPROVALS,
      ts,
    );
    await api.waitFor((calls) =>
      calls.some(
        (c) =>
          c.method === "chat.update" && c.body.ts === ts && JSON.stringify(c.body.blocks).includes("Applied"),
      ),
    );
    await slack.idle();
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("applied");
    const encryption = await clients()
      .s3(REGION)
      .send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    const rule = encryption.ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule?.ApplyServerSideEncryptionByDefault).toMatchObject({
      SSEAlgorithm: "aws:kms",
      KMSMasterKeyID: chosen.arn,
    });
  });
});

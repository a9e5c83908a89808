/**
 * The authorization policy over the whole registry, end to end: the real Slack app over HTTP, signed
 * requests, the real store (SQLite file), the real remediation and suppression flows, and moto.
 *
 * The listeners are found by spying on what `registerListeners` registers (app.command/action/view/event)
 * and on the background jobs it starts; each one must have a policy entry, and a payload here. Then every
 * entry point is sent by every principal that must be refused — another workspace, another Grid
 * organization, a foreign user in a shared channel, someone without the role, the wrong channel, and the
 * requester under four-eyes — and each refusal must be shown to that person, audited under `slack:<id>`,
 * and change nothing in the store or in AWS. Finally the same payloads from an authorized user pass the
 * policy, so the refusals are the principal's doing and not a malformed payload's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { App } from "@slack/bolt";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuditPort, createFindingsPort } from "../../src/app/slack-runtime.js";
import { parseConfig } from "../../src/config/load-config.js";
import { bucketArn, scopeArn } from "../../src/domain/arn.js";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { readFreshAccount } from "../../src/remediation-flow/read-fresh-account.js";
import { createRemediationFlow } from "../../src/remediation-flow/remediation-flow.js";
import { createRemediationsPort } from "../../src/remediation-flow/slack-port.js";
import { createSuppressionFlow } from "../../src/remediation-flow/suppression-flow.js";
import { createSuppressionService } from "../../src/remediation-flow/suppression-port.js";
import { createSlackApp, type SlackAppHandle } from "../../src/slack/app.js";
import { findingRef } from "../../src/slack/finding-ref.js";
import { REFUSED_ACTION } from "../../src/slack/guard.js";
import {
  ACTION_IDS,
  BLOCK_IDS,
  CALLBACK_IDS,
  FINDING_ACTION_KINDS,
  INPUT_ACTION_IDS,
} from "../../src/slack/ids.js";
import {
  JOB_POLICY,
  LISTENER_POLICY,
  type ListenerKey,
  menuListenerKey,
  type Role,
} from "../../src/slack/policy.js";
import type { SlackPorts } from "../../src/slack/ports.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import { MOTO_ACCOUNT_ID, type MotoServer, startMoto } from "../support/moto.js";
import { createFakePorts } from "../support/slack-fakes.js";
import { type CountedClients, countedMotoClients } from "../support/slack-moto-clients.js";
import {
  homeOpened,
  messageAction,
  slashPayload,
  viewAction,
  viewSubmission,
  type Who,
} from "../support/slack-payloads.js";
import { FORM, JSON_TYPE, postSigned } from "../support/slack-signing.js";

const SECRET = "authz-signing-secret-0123456789";
const REGION = "us-east-1";
const SCANS = "C0SCANS";
const APPROVALS = "C0APPROVE";

/** U0ALL holds every role; each U0NO… holds every role but one; U0REQ asks for what is pending. */
const ALL = "U0ALL";
const LACKS: Record<Role, string> = {
  viewers: "U0NOVIEW",
  scanners: "U0NOSCAN",
  requesters: "U0NOREQ",
  approvers: "U0NOAPPR",
};
const REQUESTER = "U0REQ";
const GROUP_APPROVER = "U0GRP";
const holders = (role: Role) => [
  ALL,
  REQUESTER,
  ...Object.entries(LACKS)
    .filter(([r]) => r !== role)
    .map(([, u]) => u),
];

const config = parseConfig({
  accounts: [{ id: MOTO_ACCOUNT_ID }],
  slack: {
    teamId: "T0FAKE",
    scanChannels: [SCANS, APPROVALS],
    viewers: { users: holders("viewers") },
    scanners: { users: holders("scanners") },
    requesters: { users: holders("requesters") },
    approvers: { users: holders("approvers"), usergroups: ["S0APPR"] },
    approvalsChannel: APPROVALS,
  },
});

function failing(
  controlId: string,
  severity: Finding["severity"],
  resourceArn: string,
  remediationId?: string,
): Finding {
  return {
    controlId,
    status: "FAIL",
    severity,
    accountId: MOTO_ACCOUNT_ID,
    region: REGION,
    resourceArn,
    resourceType: controlId.startsWith("kms") ? "kms-key" : "s3-bucket",
    title: `${controlId} fails`,
    detail: "Fails.",
    ...(remediationId ? { remediationId } : {}),
  };
}

const PENDING_BUCKET = "authz-pending";
const APPLIED_BUCKET = "authz-applied";
const pendingFinding = failing(
  "s3-bucket-tls-enforced",
  "high",
  bucketArn("aws", PENDING_BUCKET),
  "s3-bucket-enforce-tls",
);
const appliedFinding = failing(
  "s3-bucket-tls-enforced",
  "high",
  bucketArn("aws", APPLIED_BUCKET),
  "s3-bucket-enforce-tls",
);
const mediumFinding = failing(
  "kms-key-rotation-enabled",
  "medium",
  `arn:aws:kms:${REGION}:${MOTO_ACCOUNT_ID}:key/1111aaaa-2222-3333-4444-555566667777`,
);
const criticalFinding = failing(
  "kms-key-not-pending-deletion",
  "critical",
  `arn:aws:kms:${REGION}:${MOTO_ACCOUNT_ID}:key/9999aaaa-2222-3333-4444-555566667777`,
);
const criticalForE2e = failing(
  "iam-root-mfa-enabled",
  "critical",
  scopeArn("aws", "iam", MOTO_ACCOUNT_ID, "global"),
);
const lowFinding = failing(
  "cloudtrail-log-file-validation",
  "low",
  scopeArn("aws", "cloudtrail", MOTO_ACCOUNT_ID, REGION),
);

let moto: MotoServer;
let api: FakeSlackApi;
let slack: SlackAppHandle;
let store: Store;
let dir: string;
let events: string;
let auditClients: CountedClients;
let remediationClients: CountedClients;
const ids = { pending: "", applied: "", suppression: "" };
let responseCounter = 0;
const registered: Array<{ kind: "command" | "action" | "view" | "event"; constraint: string | RegExp }> = [];

// ---------------------------------------------------------------------------------------------------
// What each entry point is sent with

type Sent = { body: string; type: string; responseId?: string };

function slash(text: string) {
  return (who: Who): Sent => {
    responseCounter += 1;
    const responseId = `authz-${responseCounter}`;
    return { body: slashPayload(who, text, api.responseUrl(responseId)), type: FORM, responseId };
  };
}

function button(actionId: string, value: () => string, channel = SCANS) {
  return (who: Who): Sent => ({
    body: messageAction(
      { channelId: channel, ...who },
      { type: "button", action_id: actionId, value: value() },
    ),
    type: FORM,
  });
}

function menu(kind: string) {
  return (who: Who): Sent => ({
    body: messageAction(
      { channelId: SCANS, ...who },
      {
        type: "overflow",
        action_id: ACTION_IDS.findingMenu,
        selected_option: { value: `${kind}:${findingRef(mediumFinding)}` },
      },
    ),
    type: FORM,
  });
}

const PAYLOADS: Record<ListenerKey, (who: Who) => Sent> = {
  "command:help": slash("help"),
  "command:usage": slash("frobnicate"),
  "command:status": slash("status"),
  "command:findings": slash("findings high"),
  "command:scan": slash("scan"),
  "command:digest": slash("digest"),
  "action:finding:fix": button(ACTION_IDS.findingFix, () => findingRef(pendingFinding)),
  "action:finding:suppress": button(ACTION_IDS.findingSuppress, () => findingRef(mediumFinding)),
  "action:finding:details": button(ACTION_IDS.findingDetails, () => findingRef(mediumFinding)),
  "action:finding:menu/fix": menu("fix"),
  "action:finding:menu/suppress": menu("suppress"),
  "action:finding:menu/details": menu("details"),
  "action:home:refresh": (who) => ({
    body: viewAction(
      who,
      { type: "button", action_id: ACTION_IDS.homeRefresh, value: "refresh" },
      { type: "home" },
    ),
    type: FORM,
  }),
  "action:fix:choice": (who) => ({
    body: viewAction(
      who,
      { type: "static_select", action_id: ACTION_IDS.fixChoice, selected_option: { value: "0" } },
      {
        type: "modal",
        privateMetadata: JSON.stringify({ ref: findingRef(pendingFinding), fingerprint: "a".repeat(64) }),
      },
    ),
    type: FORM,
  }),
  "action:request:approve": button(ACTION_IDS.requestApprove, () => ids.pending, APPROVALS),
  "action:request:reject": button(ACTION_IDS.requestReject, () => ids.pending, APPROVALS),
  "action:request:retry": button(ACTION_IDS.requestRetry, () => ids.pending, APPROVALS),
  "action:request:revert": button(ACTION_IDS.requestRevert, () => ids.applied, APPROVALS),
  "action:suppression:approve": button(ACTION_IDS.suppressionApprove, () => ids.suppression, APPROVALS),
  "action:suppression:reject": button(ACTION_IDS.suppressionReject, () => ids.suppression, APPROVALS),
  "view:finding:fix:modal": (who) => ({
    body: viewSubmission(
      who,
      CALLBACK_IDS.fixModal,
      JSON.stringify({ ref: findingRef(pendingFinding), fingerprint: "a".repeat(64), channelId: SCANS }),
      {},
    ),
    type: FORM,
  }),
  "view:request:reject:modal": (who) => ({
    body: viewSubmission(who, CALLBACK_IDS.rejectModal, JSON.stringify({ requestId: ids.pending }), {
      [BLOCK_IDS.rejectReason]: { [INPUT_ACTION_IDS.rejectReason]: { value: "Not during the freeze." } },
    }),
    type: FORM,
  }),
  "view:finding:suppress:modal": (who) => ({
    body: viewSubmission(
      who,
      CALLBACK_IDS.suppressModal,
      JSON.stringify({ ref: findingRef(mediumFinding), channelId: SCANS }),
      suppressValues("Test data only.", "7"),
    ),
    type: FORM,
  }),
  "event:app_home_opened": (who) => {
    responseCounter += 1;
    return { body: homeOpened(who, `Ev0AUTHZ${responseCounter}`), type: JSON_TYPE };
  },
};

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

/** Entry points where the flow adds four-eyes: the requester of what is pending holds the role. */
const FOUR_EYES: Partial<Record<ListenerKey, string>> = {
  "action:request:approve": "request.refused",
  "action:request:revert": "request.refused",
  "action:suppression:approve": "suppression.refused",
};

interface Refused {
  name: string;
  who: Who;
  /** What the person must be shown. */
  shown: RegExp;
  /** The audit action recorded for them. */
  audit: string;
}

function principalsToRefuse(key: ListenerKey): Refused[] {
  const policy = LISTENER_POLICY[key];
  const foreign = /only the workspace it is installed in/;
  const list: Refused[] = [
    {
      name: "another workspace",
      who: { userId: ALL, teamId: "T0EVIL" },
      shown: foreign,
      audit: REFUSED_ACTION,
    },
    {
      name: "another Grid organization",
      who: { userId: ALL, enterpriseId: "E0EVIL" },
      shown: foreign,
      audit: REFUSED_ACTION,
    },
  ];
  if (!key.startsWith("command:") && !key.startsWith("event:")) {
    list.push({
      name: "a foreign user in a shared channel",
      who: { userId: ALL, userTeamId: "T0EVIL" },
      shown: foreign,
      audit: REFUSED_ACTION,
    });
  }
  if (policy.role !== "none") {
    list.push({
      name: `someone without the ${policy.role} role`,
      who: { userId: LACKS[policy.role] },
      shown: new RegExp(`You need the \\*${policy.role}\\* role`),
      audit: REFUSED_ACTION,
    });
  }
  if ("channels" in policy && policy.channels === "scan") {
    list.push({
      name: "another channel",
      who: { userId: ALL, channelId: "C0RANDOM" },
      shown: /only in <#C0SCANS>/,
      audit: REFUSED_ACTION,
    });
  }
  const eyes = FOUR_EYES[key];
  if (eyes)
    list.push({
      name: "the requester under four-eyes",
      who: { userId: REQUESTER },
      shown: /four-eyes/,
      audit: eyes,
    });
  return list;
}

// ---------------------------------------------------------------------------------------------------

function snapshot(): Record<string, string[]> {
  const db = new Database(join(dir, "state.db"), { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'",
      )
      .all() as Array<{ name: string }>;
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      if (name === "audit_log") continue;
      out[name] = (db.prepare(`select * from "${name}"`).all() as unknown[])
        .map((r) => JSON.stringify(r))
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}

function awsCalls(): number {
  return auditClients.total() + remediationClients.total();
}

/** Everything the app showed this user (or answered on the response URL) since `from`. */
function shownTo(user: string, from: number, sent: Sent, ackText: string): string {
  const calls: RecordedCall[] = api.calls.slice(from);
  const mine = calls.filter(
    (c) =>
      (c.method === "response_url" && c.responseId === sent.responseId) ||
      (c.method === "chat.postEphemeral" && c.body.user === user) ||
      (c.method === "views.publish" && c.body.user_id === user) ||
      c.method === "views.update",
  );
  return `${ackText}\n${mine.map((c) => JSON.stringify(c.body)).join("\n")}`;
}

async function send(sent: Sent) {
  return postSigned(events, sent.body, sent.type, { signingSecret: SECRET });
}

beforeAll(async () => {
  for (const kind of ["command", "action", "view", "event"] as const) {
    const original = App.prototype[kind] as (...args: unknown[]) => unknown;
    vi.spyOn(App.prototype, kind).mockImplementation(function (this: App, ...args: unknown[]) {
      registered.push({ kind, constraint: args[0] as string | RegExp });
      return original.apply(this, args);
    } as never);
  }
  moto = await startMoto();
  await moto.reset();
  auditClients = countedMotoClients(moto);
  remediationClients = countedMotoClients(moto);
  for (const bucket of [PENDING_BUCKET, APPLIED_BUCKET]) {
    await auditClients.s3(REGION).send(new CreateBucketCommand({ Bucket: bucket }));
  }

  dir = mkdtempSync(join(tmpdir(), "forecast-audit-authz-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
  await store.recordScan({
    scope: {
      accounts: [MOTO_ACCOUNT_ID],
      regions: [REGION, "global"],
      controls: [
        ...new Set(
          [pendingFinding, mediumFinding, criticalFinding, criticalForE2e, lowFinding].map(
            (f) => f.controlId,
          ),
        ),
      ],
    },
    trigger: "test",
    findings: [pendingFinding, appliedFinding, mediumFinding, criticalFinding, criticalForE2e, lowFinding],
  });
  const flow = createRemediationFlow({
    store,
    readFresh: (target) => readFreshAccount(auditClients, target),
    remediationClients: async () => remediationClients,
    now: () => new Date(),
    ttlHours: config.slack.requestTtlHours,
    fourEyes: true,
    requireFips: false,
  });
  const requester = { kind: "slack", userId: REQUESTER, teamId: "T0FAKE" } as const;
  const pending = await flow.requestFix({ findingKey: findingKey(pendingFinding), requester });
  const applied = await flow.requestFix({ findingKey: findingKey(appliedFinding), requester });
  if (!pending.ok || !applied.ok) throw new Error("could not request the fixes");
  const done = await flow.approveRequest({
    requestId: applied.request.id,
    actor: { kind: "slack", userId: ALL, teamId: "T0FAKE" },
    authorization: { ok: true },
  });
  if (!done.ok || done.request.state !== "applied") throw new Error("the fix was not applied");
  ids.pending = pending.request.id;
  ids.applied = applied.request.id;
  await store.setRequestMessage(ids.pending, APPROVALS, "1700000000.000100");
  await store.setRequestMessage(ids.applied, APPROVALS, "1700000000.000101");
  const suppressionFlow = createSuppressionFlow({
    store,
    now: () => new Date(),
    ttlHours: config.slack.requestTtlHours,
    fourEyes: true,
    maxDays: config.slack.suppression.maxDays,
  });
  const asked = await suppressionFlow.suppress({
    findingKey: findingKey(criticalFinding),
    actor: `slack:${REQUESTER}`,
    reason: "Key kept for the audit trail.",
    days: 30,
  });
  if (!asked.ok || asked.kind !== "requested") throw new Error("no suppression request");
  ids.suppression = asked.request.id;

  const findings = createFindingsPort(store);
  const ports: SlackPorts = {
    ...createFakePorts({}).ports,
    findings,
    remediations: createRemediationsPort({ flow, store, findingByRef: findings.findingByRef }),
    suppressions: createSuppressionService({
      flow: suppressionFlow,
      store,
      findingByRef: findings.findingByRef,
    }),
    audit: createAuditPort(store),
  };
  api = await startFakeSlackApi();
  api.usergroups.S0APPR = [GROUP_APPROVER];
  slack = createSlackApp({
    config,
    ports,
    logger: pino({ level: "silent" }),
    botToken: "xoxb-authz",
    signingSecret: SECRET,
    slackApiUrl: api.url,
    port: 0,
    webApiRetries: 0,
  });
  const { port } = await slack.start();
  events = `http://127.0.0.1:${port}/slack/events`;
  await slack.idle();
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
  await store?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

/** The policy keys a registration stands for: every id of ours its constraint matches. */
function keysOf(r: (typeof registered)[number]): string[] {
  const matches = (id: string) =>
    typeof r.constraint === "string" ? r.constraint === id : r.constraint.test(id);
  switch (r.kind) {
    case "command":
      return r.constraint === "/forecast-audit"
        ? Object.keys(LISTENER_POLICY).filter((k) => k.startsWith("command:"))
        : [`command:${String(r.constraint)}`];
    case "action": {
      if (r.constraint === ACTION_IDS.findingMenu) return FINDING_ACTION_KINDS.map(menuListenerKey);
      const known = Object.values(ACTION_IDS).filter((id) => id !== ACTION_IDS.findingMenu && matches(id));
      return known.length > 0 ? known.map((id) => `action:${id}`) : [`action:${String(r.constraint)}`];
    }
    case "view":
      return [`view:${String(r.constraint)}`];
    case "event":
      return [`event:${String(r.constraint)}`];
  }
}

describe("the policy covers every registered listener", () => {
  it("finds a policy entry (and a payload here) for everything registerListeners registers, and nothing else", () => {
    expect(registered.length).toBeGreaterThan(5);
    const derived = new Set(registered.flatMap(keysOf));
    for (const key of derived) {
      expect(Object.hasOwn(LISTENER_POLICY, key), `no policy entry for ${key}`).toBe(true);
      expect(Object.hasOwn(PAYLOADS, key), `no payload in this test for ${key}`).toBe(true);
    }
    // No entry that nothing registers: the table is the registry, not a wish list.
    expect([...derived].sort()).toEqual(Object.keys(LISTENER_POLICY).sort());
    expect(slack.jobs.keys().sort()).toEqual(Object.keys(JOB_POLICY).sort());
  });

  it("routes each subcommand text to its own entry", async () => {
    const { readIncoming } = await import("../../src/slack/principal.js");
    for (const key of Object.keys(LISTENER_POLICY).filter((k) => k.startsWith("command:")) as ListenerKey[]) {
      const body = Object.fromEntries(new URLSearchParams(PAYLOADS[key]({ userId: ALL }).body));
      expect(readIncoming(body, config).key).toBe(key);
    }
  });
});

describe("every listener refuses every principal that must be refused", () => {
  const keys = Object.keys(LISTENER_POLICY) as ListenerKey[];
  for (const key of keys) {
    for (const refused of principalsToRefuse(key)) {
      it(`${key}: ${refused.name}`, async () => {
        const before = snapshot();
        const calls = awsCalls();
        const auditBefore = await store.listAudit({
          actor: `slack:${refused.who.userId}`,
          action: refused.audit,
          limit: 1000,
        });
        const from = api.calls.length;
        const sent = PAYLOADS[key](refused.who);
        const res = await send(sent);
        expect(res.status).toBe(200);
        await api.waitFor(() => refused.shown.test(shownTo(refused.who.userId, from, sent, res.text)), 5_000);
        await slack.idle();
        const auditAfter = await store.listAudit({
          actor: `slack:${refused.who.userId}`,
          action: refused.audit,
          limit: 1000,
        });
        expect(auditAfter.length).toBe(auditBefore.length + 1);
        expect(snapshot()).toEqual(before);
        expect(awsCalls()).toBe(calls);
        // Refused means nothing posted to a channel either.
        expect(api.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toEqual([]);
      });
    }
  }
});

describe("the same requests from someone who holds the role pass the policy", () => {
  it("lets every entry point through for U0ALL in an allowed channel", async () => {
    const refusedBefore = (
      await store.listAudit({ actor: `slack:${ALL}`, action: REFUSED_ACTION, limit: 1000 })
    ).length;
    for (const key of Object.keys(LISTENER_POLICY) as ListenerKey[]) {
      const from = api.calls.length;
      const res = await send(PAYLOADS[key]({ userId: ALL }));
      expect(res.status, key).toBe(200);
      // Something answered: a listener ran (the policy's own refusals are ruled out below).
      if (res.text.length === 0) await api.waitFor(() => api.calls.length > from, 5_000);
      await slack.idle();
    }
    const refusedAfter = (
      await store.listAudit({ actor: `slack:${ALL}`, action: REFUSED_ACTION, limit: 1000 })
    ).length;
    expect(refusedAfter).toBe(refusedBefore);
  });
});

describe("group membership for decisions is read fresh", () => {
  it("refuses an approver at once when they leave the approvers' user group", async () => {
    // The refusals above read S0APPR seconds ago (a cached read would still say U0GRP is in it).
    api.usergroups.S0APPR = [];
    const from = api.calls.length;
    const sent = PAYLOADS["action:request:approve"]({ userId: GROUP_APPROVER });
    await send(sent);
    await api.waitFor(() => /You need the \*approvers\* role/.test(shownTo(GROUP_APPROVER, from, sent, "")));
    await slack.idle();
    const lookups = api.calls.slice(from).filter((c) => c.method === "usergroups.users.list");
    expect(lookups.length).toBeGreaterThan(0);
    api.usergroups.S0APPR = [GROUP_APPROVER];
    const from2 = api.calls.length;
    await send(PAYLOADS["action:request:approve"]({ userId: GROUP_APPROVER }));
    await api.waitFor(() =>
      api.calls.slice(from2).some((c) => c.method === "views.open" || c.method === "chat.postEphemeral"),
    );
    await slack.idle();
    expect(shownTo(GROUP_APPROVER, from2, { body: "", type: FORM }, "")).not.toMatch(/You need the/);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("suppressing a critical finding needs an approver other than the requester", () => {
  const ref = findingRef(criticalForE2e);
  const key = findingKey(criticalForE2e);

  it("records a request in the approvals channel instead of suppressing, and refuses the requester's own approval", async () => {
    const from = api.calls.length;
    const res = await send({
      body: viewSubmission(
        { userId: REQUESTER },
        CALLBACK_IDS.suppressModal,
        JSON.stringify({ ref, channelId: SCANS }),
        suppressValues("Root MFA is enforced by the organization's SCP.", "30"),
      ),
      type: FORM,
    });
    expect(res.status).toBe(200);
    await api.waitFor(() =>
      api.calls.slice(from).some((c) => c.method === "chat.postEphemeral" && c.body.user === REQUESTER),
    );
    await slack.idle();
    expect(await store.isSuppressed(key)).toBe(false);
    const [request] = await store.listSuppressionRequests({ findingKey: key, states: ["pending"] });
    expect(request).toMatchObject({
      requester: `slack:${REQUESTER}`,
      durationDays: 30,
      severity: "critical",
    });
    const posted = api.calls
      .slice(from)
      .find((c) => c.method === "chat.postMessage" && c.body.channel === APPROVALS);
    const blocks = JSON.stringify(posted?.body.blocks);
    expect(blocks).toContain("Suppression request");
    expect(blocks).toContain("the finding is critical");
    expect(blocks).toContain(ACTION_IDS.suppressionApprove);
    expect(
      JSON.stringify(api.calls.slice(from).find((c) => c.method === "chat.postEphemeral")?.body),
    ).toContain("Suppression requested");
    expect(
      await store.listAudit({ target: request?.id ?? "", action: "suppression-request.created" }),
    ).toHaveLength(1);

    const own = api.calls.length;
    await send(
      button(ACTION_IDS.suppressionApprove, () => request?.id ?? "", APPROVALS)({ userId: REQUESTER }),
    );
    await api.waitFor(() => /four-eyes/.test(shownTo(REQUESTER, own, { body: "", type: FORM }, "")));
    await slack.idle();
    expect(await store.isSuppressed(key)).toBe(false);
    const notApprover = api.calls.length;
    await send(
      button(ACTION_IDS.suppressionApprove, () => request?.id ?? "", APPROVALS)({ userId: LACKS.approvers }),
    );
    await api.waitFor(() =>
      /approvers\* role/.test(shownTo(LACKS.approvers, notApprover, { body: "", type: FORM }, "")),
    );
    await slack.idle();
    expect(await store.isSuppressed(key)).toBe(false);
  });

  it("applies once when another approver approves, redraws the request and announces it", async () => {
    const [request] = await store.listSuppressionRequests({ findingKey: key, states: ["pending"] });
    if (!request) throw new Error("no pending suppression request");
    const from = api.calls.length;
    await Promise.all(
      [ALL, LACKS.viewers].map((userId) =>
        send(button(ACTION_IDS.suppressionApprove, () => request.id, APPROVALS)({ userId })),
      ),
    );
    await api.waitFor(() => api.calls.slice(from).some((c) => c.method === "chat.update"));
    await api.waitFor(() =>
      api.calls
        .slice(from)
        .some((c) => c.method === "chat.postMessage" && String(c.body.text).startsWith("Suppressed")),
    );
    await slack.idle();
    expect(await store.isSuppressed(key)).toBe(true);
    const decided = await store.getSuppressionRequest(request.id);
    expect(decided?.state).toBe("approved");
    expect([`slack:${ALL}`, `slack:${LACKS.viewers}`]).toContain(decided?.approver);
    const suppressions = (await store.listSuppressions()).filter((s) => s.findingKey === key);
    expect(suppressions).toHaveLength(1);
    expect(suppressions[0]).toMatchObject({
      createdBy: `slack:${REQUESTER}`,
      approvedBy: decided?.approver,
      requestId: request.id,
    });
    const days = (Date.parse(suppressions[0]?.expiresAt ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const update = api.calls.slice(from).find((c) => c.method === "chat.update");
    expect(JSON.stringify(update?.body.blocks)).toContain("*Approved* by");
    const announced = api.calls
      .slice(from)
      .filter((c) => c.method === "chat.postMessage" && c.body.channel === APPROVALS);
    expect(announced).toHaveLength(1);
    expect(JSON.stringify(announced[0]?.body.blocks)).toMatch(/Suppressed\* until .* approved by/);
    // The other approver lost the race and was told so.
    const loser = decided?.approver === `slack:${ALL}` ? LACKS.viewers : ALL;
    expect(shownTo(loser, from, { body: "", type: FORM }, "")).toMatch(/already/);
  });

  it("announces a suppression lifted from the CLI, once, however many replicas sweep", async () => {
    const [suppression] = (await store.listSuppressions()).filter((s) => s.findingKey === key);
    expect(await store.removeSuppression(suppression?.id ?? "", "cli:alice")).toBe(true);
    const from = api.calls.length;
    const { announceSuppressions } = await import(
      "../../src/slack/listeners/schedule/suppression-announcements.js"
    );
    // Two replicas' sweeps at once, each with its own port over the same database.
    const deps = {
      config,
      ports: { suppressions: replicaSuppressions() } as SlackPorts,
      logger: pino({ level: "silent" }),
    };
    const counts = await Promise.all([
      announceSuppressions(slack.app.client, deps),
      announceSuppressions(slack.app.client, deps),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const lifted = api.calls.slice(from).filter((c) => c.method === "chat.postMessage");
    expect(lifted).toHaveLength(1);
    expect(JSON.stringify(lifted[0]?.body.blocks)).toContain("Suppression lifted* by `cli:alice`");
  });

  it("suppresses a low finding for a few days at once, and announces it", async () => {
    const from = api.calls.length;
    await send({
      body: viewSubmission(
        { userId: REQUESTER },
        CALLBACK_IDS.suppressModal,
        JSON.stringify({ ref: findingRef(lowFinding), channelId: SCANS }),
        suppressValues("Validation is checked by the log archive.", "7"),
      ),
      type: FORM,
    });
    await api.waitFor(() =>
      api.calls
        .slice(from)
        .some((c) => c.method === "chat.postMessage" && String(c.body.text).startsWith("Suppressed")),
    );
    await slack.idle();
    expect(await store.isSuppressed(findingKey(lowFinding))).toBe(true);
    expect(shownTo(REQUESTER, from, { body: "", type: FORM }, "")).toContain("is suppressed for 7 days");
  });

  it("refuses a forged duration beyond the maximum in the ack, and audits it", async () => {
    const suppressionsBefore = await store.listSuppressions({ includeExpired: true, includeRemoved: true });
    const res = await send({
      body: viewSubmission(
        { userId: REQUESTER },
        CALLBACK_IDS.suppressModal,
        JSON.stringify({ ref: findingRef(mediumFinding), channelId: SCANS }),
        suppressValues("Forever and a day.", "3650"),
      ),
      type: FORM,
    });
    expect(JSON.parse(res.text)).toMatchObject({ response_action: "errors" });
    await slack.idle();
    const audited = await store.listAudit({
      actor: `slack:${REQUESTER}`,
      action: "submission.refused",
      limit: 10,
    });
    expect(audited[0]?.detail).toMatchObject({
      code: "malformed",
      listener: `view:${CALLBACK_IDS.suppressModal}`,
    });
    expect(await store.listSuppressions({ includeExpired: true, includeRemoved: true })).toEqual(
      suppressionsBefore,
    );
  });
});

describe("refused fix submissions are audited", () => {
  it("audits a forged fingerprint (a stale plan) and requests nothing", async () => {
    const before = await store.listRequests({ findingKey: findingKey(appliedFinding) });
    const writes = remediationClients.total();
    const from = api.calls.length;
    await send({
      body: viewSubmission(
        { userId: ALL },
        CALLBACK_IDS.fixModal,
        JSON.stringify({ ref: findingRef(appliedFinding), fingerprint: "b".repeat(64), channelId: SCANS }),
        {},
      ),
      type: FORM,
    });
    await api.waitFor(() => api.calls.slice(from).some((c) => c.method === "chat.postEphemeral"));
    await slack.idle();
    expect(await store.listRequests({ findingKey: findingKey(appliedFinding) })).toEqual(before);
    const [audited] = await store.listAudit({
      actor: `slack:${ALL}`,
      action: "submission.refused",
      limit: 1,
    });
    expect(audited?.target).toBe(findingRef(appliedFinding));
    expect(audited?.detail).toMatchObject({ listener: `view:${CALLBACK_IDS.fixModal}` });
    expect(remediationClients.total()).toBe(writes);
  });
});

function replicaSuppressions(): SlackPorts["suppressions"] {
  const findings = createFindingsPort(store);
  return createSuppressionService({
    flow: createSuppressionFlow({ store, now: () => new Date(), ttlHours: 24, fourEyes: true, maxDays: 90 }),
    store,
    findingByRef: findings.findingByRef,
  });
}

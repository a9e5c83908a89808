/**
 * Fixes cut off mid-way, each failure injected: a "started" redraw that fails or hangs (the fix still runs),
 * a replica that stops mid-fix (its lease runs out; the periodic sweep marks and announces it, a live holder
 * is never marked), an announcement whose chat.update fails or whose process dies (the outbox announces it
 * again), and a revert that finished in AWS but was never recorded (Retry records it reverted). SQLite in
 * memory on a virtual clock; the store's compare-and-set on both engines is in
 * test/integration/fix-lease-replicas.test.ts.
 */
import { DeleteBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import type { WebClient } from "@slack/web-api";
import { mockClient } from "aws-sdk-client-mock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeAccountClients } from "../../test/support/fake-account-clients.js";
import {
  ACCOUNT_ID,
  BUCKET,
  buildAccount,
  buildBucket,
  NONE_BLOCKED,
  ok,
  withBucket,
} from "../../test/support/inventory-builders.js";
import { VirtualClock } from "../../test/support/virtual-clock.js";
import { parseConfig } from "../config/load-config.js";
import { bucketArn } from "../domain/arn.js";
import { type Finding, findingKey } from "../domain/finding.js";
import { parsePolicyDocument } from "../domain/policy-document.js";
import type { ListenerDeps } from "../slack/deps.js";
import { announceInterrupted } from "../slack/listeners/schedule/request-sweep.js";
import { openStore } from "../store/open-store.js";
import type { RemediationRequest, Store } from "../store/types.js";
import { FIX_LEASE_MS } from "./lease.js";
import {
  createRemediationFlow,
  type RemediationFlow,
  type RemediationFlowDeps,
  UNPOSTED_REQUEST_GRACE_MS,
} from "./remediation-flow.js";
import { createRemediationsPort } from "./slack-port.js";
import type { FlowResult } from "./types.js";

const ARN = bucketArn("aws", BUCKET);
const finding: Finding = {
  controlId: "s3-bucket-tls-enforced",
  status: "FAIL",
  severity: "high",
  accountId: ACCOUNT_ID,
  region: "us-east-1",
  resourceArn: ARN,
  resourceType: "s3-bucket",
  title: "TLS",
  detail: "No deny.",
  remediationId: "s3-bucket-enforce-tls",
};
const KEY = findingKey(finding);
const APPROVALS = "C0APPROVE";
const alice = { kind: "slack", userId: "U0ALICE", teamId: "T0" } as const;
const bob = { kind: "slack", userId: "U0BOB", teamId: "T0" } as const;
const yes = { ok: true } as const;

let clock: VirtualClock;
let store: Store;
let world: { policy: string | null };
/** When set, PutBucketPolicy waits for it (a fix in the middle of its AWS calls). */
let gate: Promise<void> | undefined;
const s3 = mockClient(S3Client);

function account() {
  const policy =
    world.policy === null
      ? ok(null)
      : ok({ text: world.policy, document: parsePolicyDocument(world.policy) });
  return withBucket(
    buildAccount(),
    buildBucket(BUCKET, { policy, publicAccessBlock: ok({ ...NONE_BLOCKED }), roleArns: [] }),
  );
}

function makeFlow(extra: Partial<RemediationFlowDeps> = {}): RemediationFlow {
  return createRemediationFlow({
    store,
    readFresh: async () => account(),
    remediationClients: async () => fakeAccountClients(ACCOUNT_ID),
    now: clock.now,
    ttlHours: 24,
    fourEyes: true,
    requireFips: false,
    lease: { timers: clock },
    ...extra,
  });
}

beforeEach(async () => {
  clock = new VirtualClock("2024-06-01T12:00:00.000Z");
  world = { policy: null };
  gate = undefined;
  s3.reset();
  s3.on(PutBucketPolicyCommand).callsFake(async (input: { Policy: string }) => {
    await gate;
    world.policy = input.Policy;
    return {};
  });
  s3.on(DeleteBucketPolicyCommand).callsFake(() => {
    world.policy = null;
    return {};
  });
  store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
  await store.recordScan({
    scope: { accounts: [ACCOUNT_ID], regions: ["us-east-1"], controls: [finding.controlId] },
    trigger: "test",
    findings: [finding],
  });
});

afterEach(async () => {
  await store.close();
});

async function requested(flow: RemediationFlow): Promise<RemediationRequest> {
  const made = await flow.requestFix({ findingKey: KEY, requester: alice });
  if (!made.ok) throw new Error(made.reason);
  await store.setRequestMessage(made.request.id, APPROVALS, "1700000000.000100");
  return made.request;
}

const waitFor = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("timed out");
};

/** A Slack client whose chat.update fails while `failUpdates` > 0. */
function fakeSlack() {
  const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  const state = { failUpdates: 0 };
  const client = {
    chat: {
      update: async (body: Record<string, unknown>) => {
        calls.push({ method: "chat.update", body });
        if (state.failUpdates > 0) {
          state.failUpdates -= 1;
          throw Object.assign(new Error("An API error occurred: not_in_channel"), {
            code: "slack_webapi_platform_error",
          });
        }
        return { ok: true };
      },
      postMessage: async (body: Record<string, unknown>) => {
        calls.push({ method: "chat.postMessage", body });
        return { ok: true, ts: "1700000000.000900" };
      },
    },
  };
  return { client: client as unknown as WebClient, calls, state };
}

function sweepDeps(flow: RemediationFlow, claimer: string): ListenerDeps {
  const remediations = createRemediationsPort({
    flow,
    store,
    findingByRef: async () => undefined,
    claimer,
  });
  return {
    ports: { remediations },
    config: parseConfig({
      accounts: [{ id: ACCOUNT_ID }],
      slack: { approvers: { users: ["U0BOB"], usergroups: [] }, approvalsChannel: APPROVALS },
    }),
    logger: pino({ level: "silent" }),
    now: clock.now,
  } as unknown as ListenerDeps;
}

describe("the started notice is best effort (1)", () => {
  it("applies, re-checks and records a fix whose started redraw fails", async () => {
    const flow = makeFlow();
    const request = await requested(flow);
    const answer = await flow.approveRequest({
      requestId: request.id,
      actor: bob,
      authorization: yes,
      onStarted: async () => {
        throw new Error("An API error occurred: not_in_channel");
      },
    });
    expect(answer).toMatchObject({ ok: true, request: { state: "applied" } });
    expect((answer.ok && (answer.request.result as FlowResult).recheck?.status) || "").toBe("PASS");
    expect(world.policy).toContain("aws:SecureTransport");
    const audit = await store.listAudit({ target: request.id, order: "asc" });
    expect(audit.map((a) => a.action)).toContain("request.applied");
  });

  it("does not wait for a started redraw that hangs: apply, retry and revert all run", async () => {
    const flow = makeFlow({ startedNoticeMs: 20 });
    const hang = () => new Promise<void>(() => {});
    const request = await requested(flow);
    const applied = await flow.approveRequest({
      requestId: request.id,
      actor: bob,
      authorization: yes,
      onStarted: hang,
    });
    expect(applied).toMatchObject({ ok: true, request: { state: "applied" } });
    const reverted = await flow.revertRequest({
      requestId: request.id,
      actor: bob,
      authorization: yes,
      onStarted: hang,
    });
    expect(reverted).toMatchObject({ ok: true, request: { state: "reverted" } });
    expect(world.policy).toBeNull();

    // Retry: a fix cut off while applying, retried with a hanging redraw.
    const second = await requested(flow);
    await store.transitionRequest(second.id, "pending", "approved", { approver: "U0BOB" });
    await store.transitionRequest(second.id, "approved", "applying", {
      result: { phase: "apply", stepsDone: [] },
    });
    await store.markInterrupted();
    const retried = await flow.retryRequest({
      requestId: second.id,
      actor: bob,
      authorization: yes,
      onStarted: hang,
    });
    expect(retried).toMatchObject({ ok: true, request: { state: "applied" } });
  });
});

describe("the lease and the periodic sweep (2)", () => {
  it("never marks a live fix that heartbeats; marks and announces a dead one without a restart", async () => {
    const replicaA = makeFlow();
    const replicaB = makeFlow();
    const slack = fakeSlack();
    const deps = sweepDeps(replicaB, "replica-b");
    // Replica A: a fix in the middle of its AWS call for ten minutes, its heartbeat on the virtual clock.
    const live = await requested(replicaA);
    let release = () => {};
    gate = new Promise<void>((r) => {
      release = r;
    });
    const running = replicaA.approveRequest({ requestId: live.id, actor: bob, authorization: yes });
    await waitFor(async () => (await store.getRequest(live.id))?.state === "applying");
    const settle = () => new Promise<void>((r) => setTimeout(r, 5));
    for (let minute = 1; minute <= 10; minute++) {
      await clock.advanceTo(new Date(clock.now().getTime() + 60_000), settle);
      // Replica B's periodic sweep, every minute.
      expect(await announceInterrupted(slack.client, deps)).toBe(0);
      expect((await store.getRequest(live.id))?.state).toBe("applying");
    }
    release();
    expect(await running).toMatchObject({ ok: true, request: { state: "applied" } });

    // A dead replica's fix: applying, and nobody renews its lease any more.
    world.policy = null;
    await store.recordScan({
      scope: { accounts: [ACCOUNT_ID], regions: ["us-east-1"], controls: [finding.controlId] },
      trigger: "test",
      findings: [finding],
    });
    const dead = await requested(replicaA);
    await store.transitionRequest(dead.id, "pending", "approved", { approver: "U0BOB" });
    await store.transitionRequest(dead.id, "approved", "applying", {
      result: { phase: "apply", stepsDone: [] },
    });
    await clock.advanceTo(new Date(clock.now().getTime() + FIX_LEASE_MS - 1000));
    expect(await announceInterrupted(slack.client, deps)).toBe(0);
    await clock.advanceTo(new Date(clock.now().getTime() + 2000));
    expect(await announceInterrupted(slack.client, deps)).toBe(1);
    expect((await store.getRequest(dead.id))?.state).toBe("interrupted");
    const update = slack.calls.find((c) => c.method === "chat.update");
    expect(update?.body.ts).toBe("1700000000.000100");
    expect(JSON.stringify(update?.body.blocks)).toContain("request:retry");
    expect(slack.calls.some((c) => c.method === "chat.postMessage" && c.body.channel === APPROVALS)).toBe(
      true,
    );
    // Once only.
    expect(await announceInterrupted(slack.client, deps)).toBe(0);
    // And it no longer blocks a new request for the finding, nor Retry.
    expect(await replicaB.retryRequest({ requestId: dead.id, actor: bob, authorization: yes })).toMatchObject(
      { ok: true, request: { state: "applied" } },
    );
  });

  it("a stale applying request no longer blocks a new one (fix --apply killed, run again)", async () => {
    const cli = makeFlow({ fourEyes: false });
    const actor = { kind: "cli", user: "ops" } as const;
    const first = await cli.requestFix({ findingKey: KEY, requester: actor });
    if (!first.ok) throw new Error(first.reason);
    await store.transitionRequest(first.request.id, "pending", "approved", { approver: "cli:ops" });
    await store.transitionRequest(first.request.id, "approved", "applying");
    expect(await cli.requestFix({ findingKey: KEY, requester: actor })).toMatchObject({
      ok: false,
      code: "already-requested",
    });
    await clock.advanceTo(new Date(clock.now().getTime() + FIX_LEASE_MS + 1000));
    const again = await cli.requestFix({ findingKey: KEY, requester: actor });
    expect(again.ok).toBe(true);
    expect((await store.getRequest(first.request.id))?.state).toBe("interrupted");
  });
});

describe("a request never posted for approval", () => {
  it("holds up a new one only while its message may still be posted, then is withdrawn with the reason", async () => {
    const flow = makeFlow();
    // Saved, and the process stopped before its approval message was posted (no Slack ts).
    const first = await flow.requestFix({ findingKey: KEY, requester: alice });
    if (!first.ok) throw new Error(first.reason);
    await clock.advanceTo(new Date(clock.now().getTime() + 60_000));
    expect(await flow.requestFix({ findingKey: KEY, requester: alice })).toMatchObject({
      ok: false,
      code: "already-requested",
    });
    await clock.advanceTo(new Date(clock.now().getTime() + UNPOSTED_REQUEST_GRACE_MS));
    const again = await flow.requestFix({ findingKey: KEY, requester: alice });
    expect(again.ok).toBe(true);
    expect((await store.getRequest(first.request.id))?.state).toBe("expired");
    const [audit] = await store.listAudit({ action: "request.expired", target: first.request.id });
    expect(audit?.detail).toMatchObject({ reason: expect.stringContaining("never posted for approval") });
  });

  it("keeps blocking while a posted request waits for its approver, however long", async () => {
    const flow = makeFlow();
    const first = await requested(flow);
    await clock.advanceTo(new Date(clock.now().getTime() + 10 * UNPOSTED_REQUEST_GRACE_MS));
    expect(await flow.requestFix({ findingKey: KEY, requester: alice })).toMatchObject({
      ok: false,
      code: "already-requested",
    });
    expect((await store.getRequest(first.id))?.state).toBe("pending");
  });

  it("is withdrawn at once when its approval message cannot be posted", async () => {
    const flow = makeFlow();
    const made = await flow.requestFix({ findingKey: KEY, requester: alice });
    if (!made.ok) throw new Error(made.reason);
    expect(await flow.withdrawRequest(made.request.id, "its approval message could not be posted: x")).toBe(
      true,
    );
    expect((await store.getRequest(made.request.id))?.state).toBe("expired");
    expect((await flow.requestFix({ findingKey: KEY, requester: alice })).ok).toBe(true);
    // Only a pending one: withdrawing an approved request does nothing.
    expect(await flow.withdrawRequest(made.request.id, "again")).toBe(false);
  });
});

describe("two submissions for one finding at once", () => {
  it("makes one request and one refusal when both pass the check before either inserts", async () => {
    const first = await makeFlow().requestFix({ findingKey: KEY, requester: alice });
    if (!first.ok) throw new Error(first.reason);
    // The second submission's check ran before the first one's insert: it saw no open request.
    let blind = true;
    const racing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "listRequests" && blind) {
          return async () => {
            blind = false;
            return [];
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const second = await makeFlow({ store: racing }).requestFix({ findingKey: KEY, requester: bob });
    expect(second).toMatchObject({ ok: false, code: "already-requested" });
    expect((await store.listRequests({ findingKey: KEY, states: ["pending"] })).map((r) => r.id)).toEqual([
      first.request.id,
    ]);
  });
});

describe("the interrupted-fix outbox (3)", () => {
  async function cutOff(flow: RemediationFlow): Promise<RemediationRequest> {
    const request = await requested(flow);
    await store.transitionRequest(request.id, "pending", "approved", { approver: "U0BOB" });
    await store.transitionRequest(request.id, "approved", "applying", {
      result: { phase: "apply", stepsDone: [] },
    });
    await clock.advanceTo(new Date(clock.now().getTime() + FIX_LEASE_MS + 1000));
    return request;
  }

  it("retries an announcement whose chat.update failed on the next sweep", async () => {
    const flow = makeFlow();
    const slack = fakeSlack();
    const deps = sweepDeps(flow, "replica-a");
    const request = await cutOff(flow);
    slack.state.failUpdates = 1;
    expect(await announceInterrupted(slack.client, deps)).toBe(0);
    expect((await store.getRequest(request.id))?.state).toBe("interrupted");
    expect(slack.calls.filter((c) => c.method === "chat.postMessage")).toHaveLength(0);
    // The next sweep (a minute later) redraws it and tells the channel.
    await clock.advanceTo(new Date(clock.now().getTime() + 60_000));
    expect(await announceInterrupted(slack.client, deps)).toBe(1);
    expect(slack.calls.filter((c) => c.method === "chat.update")).toHaveLength(2);
    expect(slack.calls.filter((c) => c.method === "chat.postMessage")).toHaveLength(1);
    expect(await announceInterrupted(slack.client, deps)).toBe(0);
  });

  it("announces a fix marked interrupted by a process killed before it announced", async () => {
    const flow = makeFlow();
    const request = await cutOff(flow);
    // The process that marked it (start-up or a sweep) is killed right after.
    expect((await flow.recoverCutOff()).map((r) => r.id)).toEqual([request.id]);
    const slack = fakeSlack();
    expect(await announceInterrupted(slack.client, sweepDeps(makeFlow(), "replica-b"))).toBe(1);
    expect(slack.calls.find((c) => c.method === "chat.update")?.body.ts).toBe("1700000000.000100");
  });

  it("announces again a claim whose process died before the redraw, once the claim is stale", async () => {
    const flow = makeFlow();
    const request = await cutOff(flow);
    await flow.recoverCutOff();
    // Replica A claims it and dies before redrawing.
    expect((await flow.claimInterrupted("replica-a")).map((r) => r.id)).toEqual([request.id]);
    const slack = fakeSlack();
    const deps = sweepDeps(makeFlow(), "replica-b");
    expect(await announceInterrupted(slack.client, deps)).toBe(0);
    await clock.advanceTo(new Date(clock.now().getTime() + FIX_LEASE_MS + 1000));
    expect(await announceInterrupted(slack.client, deps)).toBe(1);
  });
});

describe("a revert cut off after it finished in AWS (4)", () => {
  it("is recorded reverted on Retry, with no AWS call", async () => {
    const flow = makeFlow();
    const request = await requested(flow);
    expect(
      await flow.approveRequest({ requestId: request.id, actor: bob, authorization: yes }),
    ).toMatchObject({ ok: true, request: { state: "applied" } });
    // The revert won the request and ran in AWS (the policy is gone again); the process died before recording.
    await store.transitionRequest(request.id, "applied", "reverting", {
      result: { phase: "revert", stepsDone: [] },
    });
    world.policy = null;
    await store.markInterrupted();
    s3.resetHistory();
    const retried = await flow.retryRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(retried).toMatchObject({
      ok: true,
      request: { state: "reverted", result: { phase: "revert", outcome: "reverted" } },
    });
    expect(s3.calls()).toHaveLength(0);
    const actions = (await store.listAudit({ target: request.id, order: "asc" })).map((a) => a.action);
    expect(actions.slice(-2)).toEqual(["request.reverting", "request.reverted"]);
  });

  it("runs the revert again when the resource is not back as it was before the fix", async () => {
    const flow = makeFlow();
    const request = await requested(flow);
    await flow.approveRequest({ requestId: request.id, actor: bob, authorization: yes });
    await store.transitionRequest(request.id, "applied", "reverting", {
      result: { phase: "revert", stepsDone: [] },
    });
    await store.markInterrupted();
    // The fix's statement is still there: the retry reverts it for real.
    const retried = await flow.retryRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(retried).toMatchObject({ ok: true, request: { state: "reverted" } });
    expect(s3.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(1);
  });
});

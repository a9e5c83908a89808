import { PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../test/support/fake-account-clients.js";
import {
  ACCOUNT_ID,
  BUCKET,
  buildAccount,
  buildBucket,
  NONE_BLOCKED,
  ok,
  withBucket,
} from "../../test/support/inventory-builders.js";
import { bucketArn } from "../domain/arn.js";
import { type Finding, findingKey } from "../domain/finding.js";
import { parsePolicyDocument } from "../domain/policy-document.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { createRemediationFlow, type RemediationFlow } from "./remediation-flow.js";

const ARN = bucketArn("aws", BUCKET);
const tlsFinding: Finding = {
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
const pabFinding: Finding = {
  ...tlsFinding,
  controlId: "s3-bucket-public-access-blocked",
  remediationId: "s3-bucket-block-public-access",
};
const KEY = findingKey(tlsFinding);

const alice = { kind: "slack", userId: "U0ALICE", teamId: "T0" } as const;
const bob = { kind: "slack", userId: "U0BOB", teamId: "T0" } as const;
const yes = { ok: true } as const;

let store: Store;
let flow: RemediationFlow;
let now: Date;
let world: { policy: string | null };
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

beforeEach(async () => {
  now = new Date("2024-06-01T12:00:00.000Z");
  world = { policy: null };
  s3.reset();
  s3.on(PutBucketPolicyCommand).callsFake((input: { Policy: string }) => {
    world.policy = input.Policy;
    return {};
  });
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => now });
  await store.recordScan({
    scope: {
      accounts: [ACCOUNT_ID],
      regions: ["us-east-1"],
      controls: [tlsFinding.controlId, pabFinding.controlId],
    },
    trigger: "test",
    findings: [tlsFinding, pabFinding],
  });
  flow = createRemediationFlow({
    store,
    readFresh: async () => account(),
    remediationClients: async () => fakeAccountClients(ACCOUNT_ID),
    now: () => now,
    ttlHours: 24,
    fourEyes: true,
    requireFips: false,
  });
});

afterEach(async () => {
  await store.close();
});

async function requested(requester = alice) {
  const made = await flow.requestFix({ findingKey: KEY, requester, reason: "ticket SEC-1" });
  if (!made.ok) throw new Error(made.reason);
  return made.request;
}

describe("requestFix", () => {
  it("stores the plan of a fresh read with its fingerprint and expiry", async () => {
    const request = await requested();
    expect(request.state).toBe("pending");
    expect(request.requester).toBe("U0ALICE");
    expect(request.expiresAt).toBe("2024-06-02T12:00:00.000Z");
    expect((request.plan as { steps: unknown[] }).steps).toHaveLength(1);
    expect((request.plan as { requestReason?: string }).requestReason).toBe("ticket SEC-1");
  });

  it("refuses a second request for the same finding while one is open", async () => {
    const first = await requested();
    const second = await flow.requestFix({ findingKey: KEY, requester: bob });
    expect(second).toMatchObject({ ok: false, code: "already-requested" });
    expect(!second.ok && second.request?.id).toBe(first.id);
  });

  it("refuses when the plan the requester saw is out of date", async () => {
    const made = await flow.requestFix({ findingKey: KEY, requester: alice, expectedFingerprint: "stale" });
    expect(made).toMatchObject({ ok: false, code: "plan-changed" });
    expect(await store.listRequests()).toEqual([]);
  });
});

describe("approveRequest", () => {
  it("applies once, re-checks, and records who did what", async () => {
    const request = await requested();
    const answer = await flow.approveRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(answer.ok).toBe(true);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("applied");
    expect(done?.approver).toBe("U0BOB");
    expect(done?.result).toMatchObject({ outcome: "applied", recheck: { status: "PASS" } });
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(1);
    const actions = (await store.listAudit({ target: request.id, order: "asc" })).map(
      (a) => `${a.actor} ${a.action}`,
    );
    expect(actions).toEqual([
      "slack:U0ALICE request.created",
      "slack:U0BOB request.approved",
      "slack:U0BOB request.applying",
      "slack:U0BOB request.rechecked",
      "slack:U0BOB request.applied",
    ]);
  });

  it("refuses the requester under four-eyes and audits the refusal; nothing runs", async () => {
    const request = await requested();
    const answer = await flow.approveRequest({ requestId: request.id, actor: alice, authorization: yes });
    expect(answer).toMatchObject({ ok: false, code: "four-eyes" });
    expect((await store.getRequest(request.id))?.state).toBe("pending");
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    const [refusal] = await store.listAudit({ action: "request.refused" });
    expect(refusal).toMatchObject({
      actor: "slack:U0ALICE",
      target: request.id,
      detail: { code: "four-eyes" },
    });
  });

  it("refuses an unauthorized approver with the authorizer's reason", async () => {
    const request = await requested();
    const answer = await flow.approveRequest({
      requestId: request.id,
      actor: bob,
      authorization: { ok: false, reason: "Not an approver." },
    });
    expect(answer).toMatchObject({ ok: false, code: "not-authorized", reason: "Not an approver." });
    expect(await store.listAudit({ action: "request.refused" })).toHaveLength(1);
    expect((await store.getRequest(request.id))?.state).toBe("pending");
  });

  it("applies once under 20 concurrent approvals", async () => {
    const request = await requested();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        flow.approveRequest({
          requestId: request.id,
          actor: { kind: "slack", userId: `U0APP${i}`, teamId: "T0" },
          authorization: yes,
        }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).every((a) => !a.ok && a.code === "already-handled")).toBe(true);
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(1);
    expect((await store.getRequest(request.id))?.state).toBe("applied");
  });

  it("stops on drift: nothing runs and the request ends failed with outcome drift", async () => {
    const request = await requested();
    world.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    const answer = await flow.approveRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(answer.ok).toBe(true);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("failed");
    expect(done?.result).toMatchObject({ outcome: "drift", stepsDone: [] });
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    expect(await flow.retryRequest({ requestId: request.id, actor: bob, authorization: yes })).toMatchObject({
      ok: false,
      code: "not-retryable",
    });
  });

  it("expires a request whose time is up, on the click", async () => {
    const request = await requested();
    now = new Date("2024-06-02T12:00:01.000Z");
    const answer = await flow.approveRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(answer).toMatchObject({ ok: false, code: "expired" });
    expect((await store.getRequest(request.id))?.state).toBe("expired");
  });
});

describe("failures, retry and revert", () => {
  it("records a failed step, retries from it, then reverts to the exact prior state", async () => {
    const pabKey = findingKey(pabFinding);
    s3.on(PutPublicAccessBlockCommand)
      .rejectsOnce(awsError("AccessDenied", "denied", 403))
      .resolves({});
    const made = await flow.requestFix({ findingKey: pabKey, requester: alice });
    if (!made.ok) throw new Error(made.reason);
    await flow.approveRequest({ requestId: made.request.id, actor: bob, authorization: yes });
    const failed = await store.getRequest(made.request.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.result).toMatchObject({
      phase: "apply",
      outcome: "step-failed",
      stepsDone: [],
      awsCode: "AccessDenied",
      action: "s3:PutBucketPublicAccessBlock",
      failedStep: "1. s3:PutPublicAccessBlock",
    });
    expect(
      await flow.revertRequest({ requestId: made.request.id, actor: bob, authorization: yes }),
    ).toMatchObject({
      ok: false,
      code: "not-revertible",
    });

    const retried = await flow.retryRequest({ requestId: made.request.id, actor: bob, authorization: yes });
    expect(retried.ok).toBe(true);
    expect((await store.getRequest(made.request.id))?.state).toBe("applied");
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(2);

    // Four-eyes holds for a revert as for the approval: the requester may not undo her own fix.
    const own = await flow.revertRequest({ requestId: made.request.id, actor: alice, authorization: yes });
    expect(own).toMatchObject({ ok: false, code: "four-eyes" });
    expect((await store.getRequest(made.request.id))?.state).toBe("applied");
    const puts = s3.commandCalls(PutPublicAccessBlockCommand).length;
    expect(puts).toBe(2);
    const refusals = await store.listAudit({ action: "request.refused", target: made.request.id });
    expect(
      refusals.map(
        (r) =>
          `${r.actor} ${(r.detail as { action: string; code: string }).action}:${(r.detail as { code: string }).code}`,
      ),
    ).toContain("slack:U0ALICE revert:four-eyes");

    const reverted = await flow.revertRequest({
      requestId: made.request.id,
      actor: bob,
      authorization: yes,
    });
    expect(reverted.ok).toBe(true);
    const done = await store.getRequest(made.request.id);
    expect(done?.state).toBe("reverted");
    expect(done?.result).toMatchObject({ phase: "revert", outcome: "reverted", by: "slack:U0BOB" });
    expect(s3.commandCalls(PutPublicAccessBlockCommand).at(-1)?.args[0].input).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
  });

  it("rejects a pending request once, with the reason", async () => {
    const request = await requested();
    const first = await flow.rejectRequest({
      requestId: request.id,
      actor: bob,
      authorization: yes,
      reason: "no",
    });
    const second = await flow.rejectRequest({
      requestId: request.id,
      actor: bob,
      authorization: yes,
      reason: "no",
    });
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, code: "already-handled" });
    expect(await store.getRequest(request.id)).toMatchObject({
      state: "rejected",
      rejecter: "U0BOB",
      reason: "no",
    });
  });

  it("expires due requests in the sweep", async () => {
    const request = await requested();
    expect(await flow.expireRequests()).toEqual([]);
    now = new Date("2024-06-03T00:00:00.000Z");
    expect((await flow.expireRequests()).map((r) => r.id)).toEqual([request.id]);
  });
});

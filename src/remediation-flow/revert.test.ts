/**
 * What Revert does: a fresh read decides between the exact prior state (nothing changed since the fix, the
 * fingerprint recorded at apply matches), taking back only the fix's own statements (it changed), and a
 * refusal that says what changed. Forged, stale and repeated reverts are refused and change nothing.
 */
import { DeleteBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../test/support/fake-account-clients.js";
import {
  ACCOUNT_ID,
  BUCKET,
  buildAccount,
  buildBucket,
  ok,
  withBucket,
} from "../../test/support/inventory-builders.js";
import { bucketArn } from "../domain/arn.js";
import { type Finding, findingKey } from "../domain/finding.js";
import { parsePolicyDocument } from "../domain/policy-document.js";
import { openStore } from "../store/open-store.js";
import type { RemediationRequest, Store } from "../store/types.js";
import { createRemediationFlow, type RemediationFlow } from "./remediation-flow.js";
import type { FlowResult } from "./types.js";

const finding: Finding = {
  controlId: "s3-bucket-tls-enforced",
  status: "FAIL",
  severity: "high",
  accountId: ACCOUNT_ID,
  region: "us-east-1",
  resourceArn: bucketArn("aws", BUCKET),
  resourceType: "s3-bucket",
  title: "TLS",
  detail: "No deny.",
  remediationId: "s3-bucket-enforce-tls",
};
const KEY = findingKey(finding);
const PRIOR = JSON.stringify(
  {
    Version: "2012-10-17",
    Statement: [{ Sid: "Read", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
  },
  null,
  2,
);
const EMERGENCY = { Sid: "EmergencyDeny", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" };
const alice = { kind: "slack", userId: "U0ALICE", teamId: "T0" } as const;
const bob = { kind: "slack", userId: "U0BOB", teamId: "T0" } as const;
const yes = { ok: true } as const;

let store: Store;
let flow: RemediationFlow;
let world: { policy: string | null; failAfter: number; reads: number };
const s3 = mockClient(S3Client);

beforeEach(async () => {
  world = { policy: PRIOR, failAfter: Number.POSITIVE_INFINITY, reads: 0 };
  s3.reset();
  s3.on(PutBucketPolicyCommand).callsFake((input: { Policy: string }) => {
    world.policy = input.Policy;
    return {};
  });
  s3.on(DeleteBucketPolicyCommand).callsFake(() => {
    world.policy = null;
    return {};
  });
  store = await openStore({ databaseUrl: "sqlite::memory:" });
  await store.recordScan({
    scope: { accounts: [ACCOUNT_ID], regions: ["us-east-1"], controls: [finding.controlId] },
    trigger: "test",
    findings: [finding],
  });
  flow = createRemediationFlow({
    store,
    readFresh: async () => {
      world.reads++;
      if (world.reads > world.failAfter) throw awsError("AccessDenied", "denied", 403);
      const policy =
        world.policy === null
          ? ok(null)
          : ok({ text: world.policy, document: parsePolicyDocument(world.policy) });
      return withBucket(buildAccount(), buildBucket(BUCKET, { policy, roleArns: [] }));
    },
    remediationClients: async () => fakeAccountClients(ACCOUNT_ID),
    now: () => new Date(),
    ttlHours: 24,
    fourEyes: true,
    requireFips: false,
  });
});

afterEach(async () => {
  await store.close();
});

async function applied(): Promise<RemediationRequest> {
  const made = await flow.requestFix({ findingKey: KEY, requester: alice });
  if (!made.ok) throw new Error(made.reason);
  const done = await flow.approveRequest({ requestId: made.request.id, actor: bob, authorization: yes });
  if (!done.ok || done.request.state !== "applied") throw new Error("not applied");
  return done.request;
}

const revert = (requestId: string) => flow.revertRequest({ requestId, actor: bob, authorization: yes });
const resultOf = (request: RemediationRequest | undefined) => request?.result as FlowResult | undefined;
const puts = () =>
  s3.commandCalls(PutBucketPolicyCommand).length + s3.commandCalls(DeleteBucketPolicyCommand).length;

describe("revert", () => {
  it("records the fingerprint of the state the fix left, and restores the prior text exactly when nothing changed", async () => {
    const request = await applied();
    expect(resultOf(request)?.leftFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const answer = await revert(request.id);
    expect(answer.ok).toBe(true);
    expect(world.policy).toBe(PRIOR);
    const done = await store.getRequest(request.id);
    expect(done?.state).toBe("reverted");
    expect(resultOf(done)?.revert).toMatchObject({ mode: "exact" });
  });

  it("takes back only the fix's statements when the policy changed since, keeping the later one, with its diff", async () => {
    const request = await applied();
    const fixed = JSON.parse(world.policy ?? "{}") as { Statement: object[] };
    world.policy = JSON.stringify({ ...fixed, Statement: [...fixed.Statement, EMERGENCY] });
    const answer = await revert(request.id);
    expect(answer.ok).toBe(true);
    const now = JSON.parse(world.policy ?? "{}") as { Statement: Array<{ Sid: string }> };
    expect(now.Statement.map((s) => s.Sid)).toEqual(["Read", "EmergencyDeny"]);
    const summary = resultOf(await store.getRequest(request.id))?.revert;
    expect(summary?.mode).toBe("changed");
    expect(summary?.diff).toMatch(/- .*ForecastAuditDenyInsecureTransport/);
    expect(summary?.notes.join(" ")).toContain("added since, is kept");
  });

  it("refuses, saying what changed, when nothing of the fix is left; nothing runs and the refusal is audited", async () => {
    const request = await applied();
    world.policy = JSON.stringify({ Version: "2012-10-17", Statement: [EMERGENCY] });
    const before = puts();
    const answer = await revert(request.id);
    expect(answer).toMatchObject({ ok: false, code: "changed-since" });
    expect(!answer.ok && answer.reason).toMatch(/no longer in the policy .* nothing to take back/);
    expect(puts()).toBe(before);
    expect((await store.getRequest(request.id))?.state).toBe("applied");
    const [audit] = await store.listAudit({ action: "request.refused", target: request.id });
    expect(audit?.detail).toMatchObject({ action: "revert", code: "changed-since" });
  });

  it("refuses when the fresh read fails: nothing is changed on a guess", async () => {
    const request = await applied();
    world.failAfter = world.reads;
    const before = puts();
    expect(await revert(request.id)).toMatchObject({ ok: false, code: "read-failed" });
    expect(puts()).toBe(before);
    expect((await store.getRequest(request.id))?.state).toBe("applied");
  });

  it("without a recorded fingerprint (the read after the fix failed) takes back only what it finds of the fix", async () => {
    const made = await flow.requestFix({ findingKey: KEY, requester: alice });
    if (!made.ok) throw new Error(made.reason);
    // Reads: the approval's drift check succeeds, the read after the last step fails.
    world.failAfter = world.reads + 1;
    await flow.approveRequest({ requestId: made.request.id, actor: bob, authorization: yes });
    world.failAfter = Number.POSITIVE_INFINITY;
    const request = await store.getRequest(made.request.id);
    expect(request?.state).toBe("applied");
    expect(resultOf(request)?.leftFingerprint).toBeUndefined();
    expect(resultOf(request)?.recheck?.status).toBe("ERROR");
    expect((await revert(made.request.id)).ok).toBe(true);
    expect(resultOf(await store.getRequest(made.request.id))?.revert?.mode).toBe("changed");
    expect(JSON.parse(world.policy ?? "{}")).toEqual(JSON.parse(PRIOR));
  });

  it("refuses a forged, a stale and a second revert; nothing runs", async () => {
    const request = await applied();
    const pending = await flow.requestFix({
      findingKey: findingKey({ ...finding, resourceArn: "arn:aws:s3:::other" }),
      requester: alice,
    });
    const before = puts();
    expect(await revert("no-such-request-id")).toMatchObject({ ok: false, code: "not-found" });
    if (pending.ok)
      expect(await revert(pending.request.id)).toMatchObject({ ok: false, code: "not-revertible" });
    expect((await revert(request.id)).ok).toBe(true);
    const after = puts();
    expect(after).toBe(before + 1);
    expect(await revert(request.id)).toMatchObject({ ok: false, code: "not-revertible" });
    expect(await flow.retryRequest({ requestId: request.id, actor: bob, authorization: yes })).toMatchObject({
      ok: false,
      code: "not-retryable",
    });
    expect(puts()).toBe(after);
  });

  it("plans a retried revert again from a fresh read after a failed step", async () => {
    const request = await applied();
    const fixed = JSON.parse(world.policy ?? "{}") as { Statement: object[] };
    world.policy = JSON.stringify({ ...fixed, Statement: [...fixed.Statement, EMERGENCY] });
    s3.on(PutBucketPolicyCommand).rejects(awsError("ServiceUnavailable", "down", 503));
    const failed = await revert(request.id);
    expect(failed.ok && failed.request.state).toBe("failed");
    expect(resultOf(failed.ok ? failed.request : undefined)).toMatchObject({
      phase: "revert",
      outcome: "step-failed",
    });
    s3.on(PutBucketPolicyCommand).callsFake((input: { Policy: string }) => {
      world.policy = input.Policy;
      return {};
    });
    const retried = await flow.retryRequest({ requestId: request.id, actor: bob, authorization: yes });
    expect(retried.ok && retried.request.state).toBe("reverted");
    const now = JSON.parse(world.policy ?? "{}") as { Statement: Array<{ Sid: string }> };
    expect(now.Statement.map((s) => s.Sid)).toEqual(["Read", "EmergencyDeny"]);
  });

  it("after a crash in the middle of a revert, reverts again from what a fresh read finds", async () => {
    const request = await applied();
    // The process died after the revert won the request and before its call returned.
    expect(await store.transitionRequest(request.id, "applied", "reverting", { actor: "slack:U0BOB" })).toBe(
      true,
    );
    expect((await store.markInterrupted()).map((r) => r.id)).toEqual([request.id]);
    const answer = await revert(request.id);
    expect(answer.ok && answer.request.state).toBe("reverted");
    // No fingerprint applies to an interrupted request: only the fix's own statements are taken out.
    expect(resultOf(await store.getRequest(request.id))?.revert?.mode).toBe("changed");
    expect(JSON.parse(world.policy ?? "{}")).toEqual(JSON.parse(PRIOR));
  });
});

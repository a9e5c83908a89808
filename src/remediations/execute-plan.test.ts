import {
  CancelKeyDeletionCommand,
  EnableKeyCommand,
  KMSClient,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../test/support/fake-account-clients.js";
import type { Plan, PlanStep } from "../domain/remediation.js";
import {
  executePlan,
  OPERATIONS,
  PlanRejectedError,
  PlanStepFailedError,
  type StepOutcome,
  stepAction,
} from "./execute-plan.js";

const ACCOUNT = "111122223333";
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);

afterEach(() => {
  s3.reset();
  kms.reset();
});

function plan(steps: PlanStep[], overrides: Partial<Plan> = {}): Plan {
  return {
    remediationId: "test",
    finding: { controlId: "c", accountId: ACCOUNT, region: "eu-west-1", resourceArn: "arn:aws:s3:::b" },
    steps,
    before: "",
    after: "",
    notes: [],
    priorState: null,
    fingerprint: "f",
    ...overrides,
  };
}

const step = (
  service: string,
  operation: string,
  input: Record<string, unknown>,
  region = "eu-west-1",
): PlanStep => ({
  service,
  operation,
  region,
  input,
  description: `${operation}.`,
});

describe("executePlan", () => {
  it("sends each step as its SDK command, in order, with the exact input, through the step's region", async () => {
    const order: string[] = [];
    kms.on(PutKeyPolicyCommand).callsFake(() => {
      order.push("PutKeyPolicy");
      return {};
    });
    s3.on(PutBucketEncryptionCommand).callsFake(() => {
      order.push("PutBucketEncryption");
      return {};
    });
    const clients = fakeAccountClients(ACCOUNT);
    const input = { Bucket: "b", ServerSideEncryptionConfiguration: { Rules: [] } };
    const result = await executePlan(
      plan([
        step("kms", "PutKeyPolicy", { KeyId: "k", Policy: "{}" }),
        step("s3", "PutBucketEncryption", input),
      ]),
      clients,
    );
    expect(order).toEqual(["PutKeyPolicy", "PutBucketEncryption"]);
    expect(result.stepsDone).toBe(2);
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]?.args[0].input).toEqual(input);
    expect(clients.requested).toEqual(["kms:eu-west-1", "s3:eu-west-1"]);
  });

  it("throws a coded error carrying the steps done at the first failure, and calls nothing after it", async () => {
    s3.on(CreateBucketCommand).resolves({});
    s3.on(PutBucketPolicyCommand).rejects(awsError("AccessDenied", "denied", 403));
    s3.on(PutBucketEncryptionCommand).resolves({});
    const run = executePlan(
      plan([
        step("s3", "CreateBucket", { Bucket: "b" }),
        step("s3", "PutBucketPolicy", { Bucket: "b", Policy: "{}" }),
        step("s3", "PutBucketEncryption", { Bucket: "b" }),
      ]),
      fakeAccountClients(ACCOUNT),
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanStepFailedError);
    expect(error).toMatchObject({
      code: "PLAN_STEP_FAILED",
      stepsDone: 1,
      awsCode: "AccessDenied",
      action: "s3:PutBucketPolicy",
    });
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(0);
  });

  it("treats 'already done' answers of a retried step as done, and can resume at a step", async () => {
    kms.on(CancelKeyDeletionCommand).rejects(awsError("KMSInvalidStateException"));
    kms.on(EnableKeyCommand).resolves({});
    s3.on(CreateBucketCommand).rejects(awsError("BucketAlreadyOwnedByYou", "", 409));
    const seen: StepOutcome[] = [];
    const result = await executePlan(
      plan([step("kms", "CancelKeyDeletion", { KeyId: "k" }), step("kms", "EnableKey", { KeyId: "k" })]),
      fakeAccountClients(ACCOUNT),
      { onStep: (o) => void seen.push(o) },
    );
    expect(result.outcomes.map((o) => o.outcome)).toEqual(["already-done", "done"]);
    expect(seen).toEqual(result.outcomes);

    const resumed = await executePlan(
      plan([step("s3", "CreateBucket", { Bucket: "b" }), step("kms", "EnableKey", { KeyId: "k" })]),
      fakeAccountClients(ACCOUNT),
      { fromStep: 1 },
    );
    expect(resumed).toMatchObject({ stepsDone: 2, outcomes: [{ index: 1, operation: "EnableKey" }] });
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it("rejects, before any call, a refused plan, another account's plan and an unknown operation", async () => {
    const clients = fakeAccountClients(ACCOUNT);
    const ok = [step("kms", "EnableKey", { KeyId: "k" })];
    await expect(executePlan(plan([], { refusal: "no" }), clients)).rejects.toMatchObject({
      code: "PLAN_REFUSED",
    });
    await expect(
      executePlan(plan(ok, { finding: { ...plan([]).finding, accountId: "999999999999" } }), clients),
    ).rejects.toMatchObject({ code: "PLAN_ACCOUNT_MISMATCH" });
    await expect(
      executePlan(plan([...ok, step("s3", "DeleteBucket", { Bucket: "b" })]), clients),
    ).rejects.toBeInstanceOf(PlanRejectedError);
    await expect(executePlan(plan([step("s3", "constructor", {})]), clients)).rejects.toMatchObject({
      code: "PLAN_UNKNOWN_OPERATION",
    });
    expect(kms.calls()).toHaveLength(0);
  });

  it("knows an IAM action for every operation", () => {
    for (const [service, specs] of Object.entries(OPERATIONS)) {
      for (const operation of Object.keys(specs)) {
        expect(stepAction({ service, operation })).toMatch(/^[a-z0-9]+:[A-Z][A-Za-z]+$/);
      }
    }
  });
});

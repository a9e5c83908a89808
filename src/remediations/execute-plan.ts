/**
 * The one executor of plans: each step's `service` + `operation` maps to an SDK command, sent with the step's
 * exact input. Every operation a plan may use is listed here, with the IAM action it needs and the error
 * codes that mean "already done", so a plan interrupted halfway can simply be run again.
 */
import {
  CreateTrailCommand,
  DeleteTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-forecast";
import { UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CancelKeyDeletionCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import { DisableMacieCommand, EnableMacieCommand, UpdateMacieSessionCommand } from "@aws-sdk/client-macie2";
import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import type { AccountClients } from "../aws/clients.js";
import { awsErrorCode } from "../aws/errors.js";
import type { Plan, PlanStep } from "../domain/remediation.js";

// The SDK's command classes differ in input types; steps are data, so they meet here through one erased shape.
type CommandClass = new (input: never) => object;
type Sender = { send(command: never): Promise<unknown> };

interface OperationSpec {
  /** The IAM action the call needs. */
  action: string;
  command: CommandClass;
  /** Error codes meaning the call's effect is already in place (a retried step). */
  alreadyDone?: readonly string[];
}

type ServiceName = "s3" | "kms" | "cloudtrail" | "iam" | "macie2" | "forecast";

const CLIENT_OF: Record<ServiceName, (clients: AccountClients, region: string) => Sender> = {
  s3: (c, r) => c.s3(r),
  kms: (c, r) => c.kms(r),
  cloudtrail: (c, r) => c.cloudtrail(r),
  iam: (c) => c.iam(),
  macie2: (c, r) => c.macie(r),
  forecast: (c, r) => c.forecast(r),
};

/** Every operation a plan may contain, by service. */
export const OPERATIONS: Record<ServiceName, Record<string, OperationSpec>> = {
  s3: {
    CreateBucket: {
      action: "s3:CreateBucket",
      command: CreateBucketCommand,
      alreadyDone: ["BucketAlreadyOwnedByYou"],
    },
    PutBucketEncryption: { action: "s3:PutEncryptionConfiguration", command: PutBucketEncryptionCommand },
    DeleteBucketEncryption: {
      action: "s3:PutEncryptionConfiguration",
      command: DeleteBucketEncryptionCommand,
      alreadyDone: ["ServerSideEncryptionConfigurationNotFoundError"],
    },
    PutBucketPolicy: { action: "s3:PutBucketPolicy", command: PutBucketPolicyCommand },
    DeleteBucketPolicy: {
      action: "s3:DeleteBucketPolicy",
      command: DeleteBucketPolicyCommand,
      alreadyDone: ["NoSuchBucketPolicy"],
    },
    PutPublicAccessBlock: { action: "s3:PutBucketPublicAccessBlock", command: PutPublicAccessBlockCommand },
    DeletePublicAccessBlock: {
      action: "s3:PutBucketPublicAccessBlock",
      command: DeletePublicAccessBlockCommand,
      alreadyDone: ["NoSuchPublicAccessBlockConfiguration"],
    },
  },
  kms: {
    PutKeyPolicy: { action: "kms:PutKeyPolicy", command: PutKeyPolicyCommand },
    EnableKeyRotation: { action: "kms:EnableKeyRotation", command: EnableKeyRotationCommand },
    DisableKeyRotation: { action: "kms:DisableKeyRotation", command: DisableKeyRotationCommand },
    // A retried cancel finds the key no longer pending deletion.
    CancelKeyDeletion: {
      action: "kms:CancelKeyDeletion",
      command: CancelKeyDeletionCommand,
      alreadyDone: ["KMSInvalidStateException"],
    },
    EnableKey: { action: "kms:EnableKey", command: EnableKeyCommand },
  },
  cloudtrail: {
    CreateTrail: {
      action: "cloudtrail:CreateTrail",
      command: CreateTrailCommand,
      alreadyDone: ["TrailAlreadyExistsException"],
    },
    DeleteTrail: {
      action: "cloudtrail:DeleteTrail",
      command: DeleteTrailCommand,
      alreadyDone: ["TrailNotFoundException"],
    },
    StartLogging: { action: "cloudtrail:StartLogging", command: StartLoggingCommand },
    StopLogging: { action: "cloudtrail:StopLogging", command: StopLoggingCommand },
    PutEventSelectors: { action: "cloudtrail:PutEventSelectors", command: PutEventSelectorsCommand },
    UpdateTrail: { action: "cloudtrail:UpdateTrail", command: UpdateTrailCommand },
  },
  iam: {
    UpdateAssumeRolePolicy: { action: "iam:UpdateAssumeRolePolicy", command: UpdateAssumeRolePolicyCommand },
  },
  macie2: {
    EnableMacie: {
      action: "macie2:EnableMacie",
      command: EnableMacieCommand,
      alreadyDone: ["ConflictException"],
    },
    DisableMacie: { action: "macie2:DisableMacie", command: DisableMacieCommand },
    UpdateMacieSession: { action: "macie2:UpdateMacieSession", command: UpdateMacieSessionCommand },
  },
  forecast: {
    TagResource: { action: "forecast:TagResource", command: TagResourceCommand },
    UntagResource: { action: "forecast:UntagResource", command: UntagResourceCommand },
  },
};

function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(OPERATIONS, name);
}

/** The spec of a step's operation, or undefined when no plan may make that call. */
export function operationSpec(step: Pick<PlanStep, "service" | "operation">): OperationSpec | undefined {
  if (!isServiceName(step.service)) return undefined;
  const specs = OPERATIONS[step.service];
  return Object.hasOwn(specs, step.operation) ? specs[step.operation] : undefined;
}

/** The IAM action a step needs, as `service:Action`. */
export function stepAction(step: Pick<PlanStep, "service" | "operation">): string | undefined {
  return operationSpec(step)?.action;
}

export interface StepOutcome {
  index: number;
  service: string;
  operation: string;
  /** `already-done` when AWS answered that the step's effect was already in place. */
  outcome: "done" | "already-done";
}

export interface ExecutionResult {
  /** How many steps are done, counting from the first (including those skipped by `fromStep`). */
  stepsDone: number;
  outcomes: StepOutcome[];
}

export interface ExecuteOptions {
  /** Resume at this step index; the earlier ones are taken as done. */
  fromStep?: number;
  /** Called after each step, so the caller can record progress as it happens. */
  onStep?: (outcome: StepOutcome) => void | Promise<void>;
}

export type PlanRejectionCode = "PLAN_REFUSED" | "PLAN_ACCOUNT_MISMATCH" | "PLAN_UNKNOWN_OPERATION";

/** The plan must not run at all; nothing was called. */
export class PlanRejectedError extends Error {
  readonly stepsDone = 0;
  constructor(
    readonly code: PlanRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = "PlanRejectedError";
  }
}

/** A step failed; the steps before it are done and the plan can be run again (every step is idempotent). */
export class PlanStepFailedError extends Error {
  readonly code = "PLAN_STEP_FAILED";
  constructor(
    /** Steps completed before the failure. */
    readonly stepsDone: number,
    readonly failedStep: PlanStep,
    /** The AWS error code. */
    readonly awsCode: string,
    /** The IAM action of the failed call (what to grant when `awsCode` is a denial). */
    readonly action: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `Step ${stepsDone + 1} (${failedStep.service}:${failedStep.operation}) failed with ${awsCode}: ${reason}`,
      options,
    );
    this.name = "PlanStepFailedError";
  }
}

/** Checks, before any call, that the whole plan may run against these clients. */
export function validatePlan(plan: Plan, clients: Pick<AccountClients, "accountId">): void {
  if (plan.refusal !== undefined) {
    throw new PlanRejectedError("PLAN_REFUSED", `The plan was refused: ${plan.refusal}`);
  }
  if (plan.finding.accountId !== clients.accountId) {
    throw new PlanRejectedError(
      "PLAN_ACCOUNT_MISMATCH",
      `The plan is for account ${plan.finding.accountId}, but the clients are for ${clients.accountId}.`,
    );
  }
  for (const step of plan.steps) {
    if (!operationSpec(step)) {
      throw new PlanRejectedError(
        "PLAN_UNKNOWN_OPERATION",
        `The plan calls ${step.service}:${step.operation}, which no remediation may call.`,
      );
    }
  }
}

/** Runs the plan's steps in order; throws `PlanStepFailedError` (with `stepsDone`) at the first failure. */
export async function executePlan(
  plan: Plan,
  clients: AccountClients,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  validatePlan(plan, clients);
  const start = Math.max(0, Math.min(options.fromStep ?? 0, plan.steps.length));
  const outcomes: StepOutcome[] = [];
  for (let index = start; index < plan.steps.length; index++) {
    const step = plan.steps[index] as PlanStep;
    const spec = operationSpec(step) as OperationSpec;
    const client = CLIENT_OF[step.service as ServiceName](clients, step.region);
    let outcome: StepOutcome["outcome"] = "done";
    try {
      // Steps are stored as JSON; the SDK may add to its input, so it gets a copy.
      await client.send(new spec.command(structuredClone(step.input) as never) as never);
    } catch (error) {
      const code = awsErrorCode(error);
      if (!spec.alreadyDone?.includes(code)) {
        throw new PlanStepFailedError(index, step, code, spec.action, { cause: error });
      }
      outcome = "already-done";
    }
    const done: StepOutcome = { index, service: step.service, operation: step.operation, outcome };
    outcomes.push(done);
    await options.onStep?.(done);
  }
  return { stepsDone: plan.steps.length, outcomes };
}

/** Findings and plan options for remediation tests, over the shared inventory builders. */
import { bucketArn, scopeArn } from "../../src/domain/arn.js";
import type { Finding, ResourceType } from "../../src/domain/finding.js";
import type { Plan, PlanOptions } from "../../src/domain/remediation.js";
import { ACCOUNT_ID, NOW, PARTITION, REGION } from "./inventory-builders.js";

export function buildFinding(
  controlId: string,
  resourceArn: string,
  overrides: Partial<Finding> & { resourceType?: ResourceType } = {},
): Finding {
  return {
    controlId,
    status: "FAIL",
    severity: "high",
    accountId: ACCOUNT_ID,
    region: REGION,
    resourceArn,
    resourceType: "s3-bucket",
    title: controlId,
    detail: "Test finding.",
    ...overrides,
  };
}

export const bucketFinding = (controlId: string, bucket: string, region = REGION) =>
  buildFinding(controlId, bucketArn(PARTITION, bucket), { region });

export const regionFinding = (controlId: string, service: string, region = REGION) =>
  buildFinding(controlId, scopeArn(PARTITION, service, ACCOUNT_ID, region), { region });

export function planOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return { now: NOW, ...overrides };
}

/** The one step of a plan, failing the test when there is not exactly one. */
export function onlyStep(plan: Plan) {
  if (plan.steps.length !== 1)
    throw new Error(`expected one step, got ${plan.steps.length}: ${plan.refusal ?? ""}`);
  return plan.steps[0] as Plan["steps"][number];
}

/** Whether the plan says it changes nothing because the resource already holds. */
export function isAlreadyCompliant(plan: Plan): boolean {
  return (
    plan.steps.length === 0 &&
    plan.refusal === undefined &&
    plan.notes.some((n) => /already compliant/i.test(n))
  );
}

/** Small helpers the remediation use-cases share. */
import type { Plan } from "../domain/remediation.js";

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `1. s3:PutBucketPolicy`, … for the first `count` steps of a plan. */
export function describeSteps(plan: Plan, count: number): string[] {
  return plan.steps.slice(0, count).map((s, i) => `${i + 1}. ${s.service}:${s.operation}`);
}

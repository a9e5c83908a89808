/** Appends to the bucket policy the statements that deny plain HTTP and TLS below 1.2, on the bucket and its objects. */
import { z } from "zod";
import { bucketArn } from "../domain/arn.js";
import { diffPolicies, formatPolicy, NO_POLICY } from "../domain/policy-diff.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findBucket,
  nothingToRevert,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";
import {
  appendStatements,
  describeStatements,
  parseRawPolicy,
  type RawStatement,
  removeStatements,
  statementSids,
  statementsAdded,
} from "./policy-text.js";

const ID = "s3-bucket-enforce-tls";
export const DENY_INSECURE_TRANSPORT_SID = "ForecastAuditDenyInsecureTransport";
export const DENY_TLS_BELOW_12_SID = "ForecastAuditDenyTlsBelow12";

const priorStateSchema = z.object({
  bucket: z.string(),
  region: z.string(),
  expectedOwner: z.string(),
  /** The policy text exactly as it was; null when the bucket had none. */
  policyText: z.string().nullable(),
});
type PriorState = z.infer<typeof priorStateSchema>;

export function tlsDenyStatements(partition: string, bucket: string): PolicyStatement[] {
  const resources = [bucketArn(partition, bucket), `${bucketArn(partition, bucket)}/*`];
  return [
    {
      Sid: DENY_INSECURE_TRANSPORT_SID,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: DENY_TLS_BELOW_12_SID,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
    },
  ];
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value])
    .filter((v): v is string | number | boolean => ["string", "number", "boolean"].includes(typeof v))
    .map(String);
}

function conditionValues(statement: RawStatement, operator: string, key: string): string[] {
  const block = statement.Condition as Record<string, unknown> | undefined;
  const entries = block?.[operator];
  if (typeof entries !== "object" || entries === null) return [];
  // Condition keys are case-insensitive in AWS; operators are not.
  const match = Object.entries(entries).find(([k]) => k.toLowerCase() === key.toLowerCase());
  return match ? strings(match[1]) : [];
}

/** Whether a prior statement already denies everyone every S3 action on both resources under the same condition. */
function alreadyDenies(statement: RawStatement, wanted: PolicyStatement): boolean {
  if (statement.Effect !== "Deny") return false;
  const principal = statement.Principal;
  const everyone =
    principal === "*" ||
    (typeof principal === "object" &&
      principal !== null &&
      strings((principal as { AWS?: unknown }).AWS).includes("*"));
  if (!everyone) return false;
  if (!strings(statement.Action).some((action) => action === "*" || action === "s3:*")) return false;
  const resources = strings(statement.Resource);
  if (!resources.includes("*") && !strings(wanted.Resource).every((r) => resources.includes(r))) return false;
  return Object.entries(wanted.Condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, value]) =>
      conditionValues(statement, operator, key).includes(String(value)),
    ),
  );
}

export const s3BucketEnforceTls = defineRemediation({
  id: ID,
  title: "Deny requests to the bucket without TLS 1.2 or later",
  fixes: ["s3-bucket-tls-enforced", "s3-bucket-min-tls-1-2"],
  permissions: ["s3:PutBucketPolicy"],
  revertPermissions: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],

  plan(finding, account): Plan {
    const bucket = findBucket(finding, account);
    if (!bucket)
      return refusePlan(ID, finding, null, `The bucket of ${finding.resourceArn} is not in the inventory.`);
    const readState = { bucket: bucket.name, region: bucket.region, policy: bucket.policy };
    const problem =
      unreadable(bucket.region, "The bucket's region") ?? unreadable(bucket.policy, "The bucket policy");
    if (problem || !bucket.region.ok || !bucket.policy.ok) {
      return refusePlan(
        ID,
        finding,
        readState,
        `${problem}; appending to a policy that cannot be read could drop it.`,
      );
    }
    const region = bucket.region.value;
    const priorText = bucket.policy.value?.text ?? null;
    let prior: ReturnType<typeof parseRawPolicy> | undefined;
    try {
      prior = priorText === null ? undefined : parseRawPolicy(priorText);
    } catch {
      return refusePlan(
        ID,
        finding,
        readState,
        "The bucket policy is not valid JSON, so nothing can be appended to it safely.",
      );
    }
    const sids = prior ? statementSids(prior) : new Set<string>();
    const missing = tlsDenyStatements(account.partition, bucket.name).filter(
      (wanted) =>
        !sids.has(wanted.Sid as string) && !(prior?.statements ?? []).some((s) => alreadyDenies(s, wanted)),
    );
    const priorState: PriorState = {
      bucket: bucket.name,
      region,
      expectedOwner: account.accountId,
      policyText: priorText,
    };
    if (missing.length === 0) {
      return compliantPlan(
        ID,
        finding,
        readState,
        formatPolicy(priorText),
        "the bucket policy already denies plain HTTP and TLS below 1.2.",
      );
    }
    const nextText = appendStatements(priorText, missing);
    return buildPlan(ID, finding, readState, {
      steps: [
        step(
          "s3",
          "PutBucketPolicy",
          region,
          { Bucket: bucket.name, Policy: nextText, ExpectedBucketOwner: account.accountId },
          `${priorText === null ? "Create" : "Append to"} the policy of bucket ${bucket.name}: deny ${missing
            .map((s) => s.Sid)
            .join(" and ")}.`,
        ),
      ],
      before: formatPolicy(priorText),
      after: formatPolicy(nextText),
      diff: diffPolicies(priorText, nextText),
      notes: [
        "Every existing statement is kept as it is; the deny statements are appended.",
        "Clients that connect without TLS 1.2 or later (old SDKs, plain-HTTP tools) lose access to the bucket.",
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const current = (plan.steps[0]?.input.Policy as string | undefined) ?? null;
    return buildRevertPlan(plan, {
      steps: [
        prior.policyText === null
          ? step(
              "s3",
              "DeleteBucketPolicy",
              prior.region,
              { Bucket: prior.bucket, ExpectedBucketOwner: prior.expectedOwner },
              `Delete the policy of bucket ${prior.bucket}, which had none before the fix.`,
            )
          : step(
              "s3",
              "PutBucketPolicy",
              prior.region,
              { Bucket: prior.bucket, Policy: prior.policyText, ExpectedBucketOwner: prior.expectedOwner },
              `Restore the policy of bucket ${prior.bucket} exactly as it was before the fix.`,
            ),
      ],
      before: formatPolicy(current),
      after: prior.policyText === null ? NO_POLICY : formatPolicy(prior.policyText),
      diff: diffPolicies(current, prior.policyText),
      notes: ["Nothing changed in the policy since the fix, so it is restored exactly as it was before."],
    });
  },

  revertState(plan, account) {
    const bucket = findBucket(plan.finding, account);
    return { policy: sliceState(bucket?.policy) };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const fixed = plan.steps[0]?.input.Policy;
    if (typeof fixed !== "string") return refuseRevert(plan, "The fix's policy is not in its stored plan.");
    const bucket = findBucket(plan.finding, account);
    if (!bucket?.policy.ok) return refuseRevert(plan, cannotReadNow(bucket?.policy, "The bucket policy"));
    const current = bucket.policy.value?.text ?? null;
    if (current === null) {
      return refuseRevert(
        plan,
        `Bucket ${prior.bucket} has no policy now: it was deleted since the fix, statements and all, so there is nothing of the fix to take back.`,
      );
    }
    let removal: ReturnType<typeof removeStatements>;
    try {
      removal = removeStatements(current, statementsAdded(prior.policyText, fixed));
    } catch {
      return refuseRevert(
        plan,
        "The bucket policy is not valid JSON now, so the fix's statements cannot be found in it.",
      );
    }
    if (removal.removed.length === 0) {
      return refuseRevert(
        plan,
        `The statements the fix added (${describeStatements(removal.missing)}) are no longer in the policy of bucket ${prior.bucket} as the fix left them: they were removed or changed since, so there is nothing to take back.`,
      );
    }
    const notes = [
      `The bucket policy changed since the fix: only the statement(s) the fix added (${describeStatements(removal.removed)}) are removed; every other statement, including those added since, is kept.`,
    ];
    if (removal.missing.length > 0) {
      notes.push(
        `The fix's ${describeStatements(removal.missing)} was changed or removed since; it is left as it is.`,
      );
    }
    return buildRevertPlan(plan, {
      steps: [
        removal.text === null
          ? step(
              "s3",
              "DeleteBucketPolicy",
              prior.region,
              { Bucket: prior.bucket, ExpectedBucketOwner: prior.expectedOwner },
              `Delete the policy of bucket ${prior.bucket}: only the fix's statements are left in it.`,
            )
          : step(
              "s3",
              "PutBucketPolicy",
              prior.region,
              { Bucket: prior.bucket, Policy: removal.text, ExpectedBucketOwner: prior.expectedOwner },
              `Remove from the policy of bucket ${prior.bucket} the statement(s) the fix added (${describeStatements(removal.removed)}), keeping every other statement.`,
            ),
      ],
      before: formatPolicy(current),
      after: removal.text === null ? NO_POLICY : formatPolicy(removal.text),
      diff: diffPolicies(current, removal.text),
      notes,
    });
  },
});

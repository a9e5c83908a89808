/**
 * What a remediation is: declared permissions, a pure `plan` over the inventory, and the I/O that applies
 * and reverts it. The Slack modal and `fix --dry-run` both just render the plan.
 */
import type { Finding } from "./finding.js";
import type { AccountInventory } from "./inventory.js";

/** One AWS API call, exactly as it will be made. */
export interface PlanStep {
  /** SDK client: `s3`, `kms`, `cloudtrail`, `iam`, `macie2`, `forecast`, `s3control`. */
  service: string;
  /** The operation, e.g. `PutBucketEncryption`. */
  operation: string;
  /** The region the call is made in (`global` for IAM). */
  region: string;
  /** The exact input of the call. */
  input: Record<string, unknown>;
  /** One sentence for people. */
  description: string;
}

export interface Plan {
  remediationId: string;
  finding: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn">;
  /** Empty when `refusal` is set. */
  steps: PlanStep[];
  /** Set when the fix cannot be done safely; says why. */
  refusal?: string;
  /** Human before/after view (e.g. the bucket-policy diff), untrusted text still unescaped. */
  before: string;
  after: string;
  /** Costs, side effects, what the approver should know. */
  notes: string[];
  /** What `revert` needs to put the resource back exactly as it was. */
  priorState: unknown;
  /** A hash of the state the plan was made from: a different fingerprint at approval time means drift. */
  fingerprint: string;
}

/**
 * What a remediation is: declared permissions, a pure `plan` over the inventory, and the I/O that applies
 * and reverts it. The Slack modal and `fix --dry-run` both just render the plan.
 */
import { createHash } from "node:crypto";
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
  /** Human before/after view (e.g. the bucket policy before and after), untrusted text still unescaped. */
  before: string;
  after: string;
  /** A line diff of `before` and `after` (`+ `/`- `/`  ` prefixes), when the change is to a document. */
  diff?: string;
  /** Costs, side effects, what the approver should know. */
  notes: string[];
  /** What `revert` needs to put the resource back exactly as it was. */
  priorState: unknown;
  /** A hash of the state the plan was made from: a different fingerprint at approval time means drift. */
  fingerprint: string;
  /** The values a person may choose for one plan option, so a UI can offer them; absent when there is no choice. */
  choice?: PlanChoice;
}

/** The candidates for one `PlanOptions` member, as the plan found them in the inventory. */
export interface PlanChoice {
  option: "kmsKeyArn" | "tagKey";
  /** `value` is what goes into the option (an ARN, a tag key); `label` is for people, untrusted and unescaped. */
  candidates: Array<{ value: string; label: string }>;
  /** The candidate the plan used; absent when it used none or its default covers several (every flagged tag). */
  selected?: string;
}

/** What the person asking for a fix may choose; everything else a plan decides from the inventory. */
export interface PlanOptions {
  /** The time of planning. */
  now: Date;
  /** `s3-bucket-attach-kms-key`: the customer-managed key to use; default: the bucket's own or the one its Forecast resources use. */
  kmsKeyArn?: string;
  /** `cloudtrail-enable`: the log bucket and the trail name when a trail has to be created. */
  trail?: { bucketName?: string; name?: string };
  /** `forecast-remove-sensitive-tag`: the one tag key to remove; default: every flagged tag of the resource. */
  tagKey?: string;
}

/**
 * A fix as a typed plain object: its permissions are data, `plan` is pure, and applying a plan is the one
 * generic executor's job (`src/remediations/execute-plan.ts`), so every fix is a list of idempotent calls.
 */
export interface Remediation {
  /** Stable public id; equals the file name under `src/remediations/`. */
  id: string;
  title: string;
  /** The control ids it fixes. */
  fixes: readonly string[];
  /** IAM actions (`service:Action`) that applying any of its plans needs. */
  permissions: readonly string[];
  /** IAM actions that applying any of its revert plans needs. */
  revertPermissions: readonly string[];
  /** Pure: the exact calls, the before/after view, the prior state, a fingerprint of the state it read. */
  plan(finding: Finding, account: AccountInventory, options: PlanOptions): Plan;
  /** Pure: the calls that put back `plan.priorState`; undefined when no revert is possible (say why in plan.notes). */
  revertPlan?(plan: Plan): Plan;
  /**
   * Pure: the part of the resource a revert of `plan` rests on (a policy text, the settings the fix changed),
   * from a fresh read. Its fingerprint is recorded when the fix has been applied and compared before a revert:
   * equal means nothing changed since the fix, so `revertPlan` puts the prior state back exactly.
   */
  revertState?(plan: Plan, account: AccountInventory): unknown;
  /**
   * Pure: the revert of `plan` over the resource as a fresh read shows it, for when it changed since the fix
   * (or the fix stopped halfway): it takes back only what the fix put there and is still as the fix left it
   * (its own policy statements and conditions, a setting still at the value it set) and keeps every later
   * change, saying so in its notes and diff; or it refuses (`refusal`), saying what changed.
   */
  revertChanged?(plan: Plan, account: AccountInventory): Plan;
}

/** What `defineRemediation` returns: the literal's own fields, the interface's method signatures. */
export type DefinedRemediation<R extends Remediation> = Omit<
  R,
  "plan" | "revertPlan" | "revertState" | "revertChanged"
> &
  Pick<Remediation, "plan"> &
  (R extends { revertPlan: unknown } ? Required<Pick<Remediation, "revertPlan">> : unknown) &
  (R extends { revertState: unknown } ? Required<Pick<Remediation, "revertState">> : unknown) &
  (R extends { revertChanged: unknown } ? Required<Pick<Remediation, "revertChanged">> : unknown);

export function defineRemediation<const R extends Remediation>(remediation: R): DefinedRemediation<R> {
  return remediation as DefinedRemediation<R>;
}

/** JSON with object keys sorted and `undefined` members dropped, so equal states serialise equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = sortKeys(member);
  }
  return out;
}

/** The sha256 (hex) of the canonical JSON of the state a plan read; equal state, equal fingerprint. */
export function fingerprintState(state: unknown): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex");
}

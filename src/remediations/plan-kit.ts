/** What every remediation's `plan` shares: building, refusing and reverting plans, and finding its resource. */
import type { z } from "zod";
import { parseArn } from "../domain/arn.js";
import type {
  AccountInventory,
  BucketInventory,
  ForecastResource,
  KeyInventory,
  RoleInventory,
  TrailInventory,
} from "../domain/inventory.js";
import { fingerprintState, type Plan, type PlanStep } from "../domain/remediation.js";
import type { Slice } from "../domain/result.js";

export const ALREADY_COMPLIANT = "Already compliant";

export interface PlanDraft {
  steps: PlanStep[];
  before: string;
  after: string;
  diff?: string;
  notes?: string[];
  priorState: unknown;
}

type PlanFinding = Plan["finding"];

function pickFinding(finding: PlanFinding): PlanFinding {
  return {
    controlId: finding.controlId,
    accountId: finding.accountId,
    region: finding.region,
    resourceArn: finding.resourceArn,
  };
}

/** The fingerprint covers exactly `readState`: what the plan read, so a fresh read that differs means drift. */
function fingerprintOf(remediationId: string, finding: PlanFinding, readState: unknown): string {
  return fingerprintState({
    remediationId,
    accountId: finding.accountId,
    resourceArn: finding.resourceArn,
    state: readState,
  });
}

export function buildPlan(
  remediationId: string,
  finding: PlanFinding,
  readState: unknown,
  draft: PlanDraft,
): Plan {
  const plan: Plan = {
    remediationId,
    finding: pickFinding(finding),
    steps: draft.steps,
    before: draft.before,
    after: draft.after,
    notes: draft.notes ?? [],
    priorState: draft.priorState,
    fingerprint: fingerprintOf(remediationId, finding, readState),
  };
  if (draft.diff !== undefined) plan.diff = draft.diff;
  return plan;
}

/** A plan with no steps because the resource already holds; `why` is one sentence. */
export function compliantPlan(
  remediationId: string,
  finding: PlanFinding,
  readState: unknown,
  view: string,
  why: string,
  priorState: unknown = null,
): Plan {
  return buildPlan(remediationId, finding, readState, {
    steps: [],
    before: view,
    after: view,
    notes: [`${ALREADY_COMPLIANT}: ${why}`],
    priorState,
  });
}

/** A plan that must not be applied; `reason` says why, as one sentence. */
export function refusePlan(
  remediationId: string,
  finding: PlanFinding,
  readState: unknown,
  reason: string,
  notes: string[] = [],
): Plan {
  return {
    remediationId,
    finding: pickFinding(finding),
    steps: [],
    refusal: reason,
    before: "",
    after: "",
    notes,
    priorState: null,
    fingerprint: fingerprintOf(remediationId, finding, readState),
  };
}

/** The revert of `plan`: same finding, the given steps, a fingerprint tied to the plan it undoes. */
export function buildRevertPlan(plan: Plan, draft: Omit<PlanDraft, "priorState">): Plan {
  const revert: Plan = {
    remediationId: plan.remediationId,
    finding: pickFinding(plan.finding),
    steps: draft.steps,
    before: draft.before,
    after: draft.after,
    notes: draft.notes ?? [],
    priorState: null,
    fingerprint: fingerprintState({ revertOf: plan.fingerprint, priorState: plan.priorState }),
  };
  if (draft.diff !== undefined) revert.diff = draft.diff;
  return revert;
}

/**
 * A revert that must not run because the resource changed since the fix in a way the revert cannot undo
 * safely; `reason` says what changed, as one or two sentences.
 */
export function refuseRevert(plan: Plan, reason: string): Plan {
  return {
    ...buildRevertPlan(plan, { steps: [], before: "", after: "", notes: [] }),
    refusal: reason,
  };
}

/**
 * A slice as a revert fingerprint sees it: the value, or only the error's code and action (an AWS message
 * carries request ids, which differ on every read).
 */
export function sliceState<T>(slice: Slice<T> | undefined): unknown {
  if (slice === undefined) return null;
  return slice.ok
    ? { ok: true, value: slice.value }
    : { ok: false, code: slice.error.code, action: slice.error.action };
}

/** The prior state of `plan` when it matches the schema, else undefined (for fingerprints, which never throw). */
export function priorStateOf<T>(schema: z.ZodType<T>, plan: Plan): T | undefined {
  const parsed = schema.safeParse(plan.priorState);
  return parsed.success ? parsed.data : undefined;
}

/** The revert of a plan that changed nothing. */
export function nothingToRevert(plan: Plan): Plan {
  return buildRevertPlan(plan, {
    steps: [],
    before: plan.after,
    after: plan.after,
    notes: ["The fix made no change, so there is nothing to revert."],
  });
}

/** Thrown by `revertPlan` when a plan's prior state is not what its remediation records (corrupt or foreign). */
export class PriorStateError extends Error {
  readonly code = "REMEDIATION_PRIOR_STATE_INVALID";
  constructor(remediationId: string, detail: string) {
    super(`The prior state recorded for ${remediationId} is not usable: ${detail}`);
    this.name = "PriorStateError";
  }
}

/**
 * The prior state `plan` recorded, checked against its remediation's schema; undefined when the plan changed
 * nothing, so there is nothing to revert. Throws `PriorStateError` when the record is not usable.
 */
export function priorStateToRevert<T>(
  remediationId: string,
  schema: z.ZodType<T>,
  plan: Plan,
): T | undefined {
  if (plan.steps.length === 0) return undefined;
  const parsed = schema.safeParse(plan.priorState);
  if (!parsed.success) throw new PriorStateError(remediationId, parsed.error.message);
  return parsed.data;
}

/** Why a revert cannot go on when what it needs is gone from, or failed in, the fresh read; one sentence or two. */
export function cannotReadNow(slice: Slice<unknown> | undefined, what: string): string {
  if (slice === undefined) {
    return `${what} is gone (a fresh read does not find it), so nothing of the fix can be taken back. Nothing was changed.`;
  }
  return `${unreadable(slice, what) ?? `${what} could not be read`}, so the revert cannot tell what changed since the fix. Nothing was changed.`;
}

/** `why X could not be read` from a failed slice, as a clause. */
export function unreadable<T>(slice: Slice<T>, what: string): string | undefined {
  if (slice.ok) return undefined;
  return `${what} could not be read (${slice.error.action} failed with ${slice.error.code})`;
}

// ---------------------------------------------------------------------------------------------------
// Finding the resource a finding is about

export function bucketNameOf(resourceArn: string): string {
  const parsed = parseArn(resourceArn);
  return parsed?.service === "s3" ? (parsed.resource.split("/")[0] ?? parsed.resource) : resourceArn;
}

export function findBucket(finding: PlanFinding, account: AccountInventory): BucketInventory | undefined {
  return account.buckets[bucketNameOf(finding.resourceArn)];
}

/** A key by the ARN (or alias ARN) it is referenced as, or by its real key ARN. */
export function findKey(ref: string, account: AccountInventory): KeyInventory | undefined {
  const direct = account.keys[ref];
  if (direct) return direct;
  return Object.values(account.keys).find(
    (key) => key.metadata.ok && (key.metadata.value.arn === ref || key.metadata.value.keyId === ref),
  );
}

export function findRole(finding: PlanFinding, account: AccountInventory): RoleInventory | undefined {
  return account.roles[finding.resourceArn];
}

/** The trails CloudTrail lists in `region` (shadow trails included), or the error that stopped the listing. */
export function trailsInRegion(
  account: AccountInventory,
  region: string,
): Slice<TrailInventory[]> | undefined {
  const regional = account.regions.find((r) => r.region === region);
  if (!regional) return undefined;
  if (!regional.trailArns.ok) return regional.trailArns;
  const trails = regional.trailArns.value
    .map((arn) => account.trails[arn])
    .filter((trail): trail is TrailInventory => trail !== undefined)
    .sort((a, b) => a.arn.localeCompare(b.arn));
  return { ok: true, value: trails };
}

/** The Forecast resource with that ARN, in whichever region's listing holds it. */
export function findForecastResource(account: AccountInventory, arn: string): ForecastResource | undefined {
  for (const region of account.regions) {
    for (const listing of Object.values(region.forecast)) {
      if (!listing.ok) continue;
      const found = listing.value.find((resource) => resource.arn === arn);
      if (found) return found;
    }
  }
  return undefined;
}

export function step(
  service: string,
  operation: string,
  region: string,
  input: Record<string, unknown>,
  description: string,
): PlanStep {
  return { service, operation, region, input, description };
}

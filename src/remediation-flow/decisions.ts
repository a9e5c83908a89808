/**
 * Pure decisions of the remediation flow: may this person do this to this request now? No I/O; the
 * use-cases read the request, ask here, and only then compare-and-set.
 */
import type { RemediationRequest, RequestState } from "../store/types.js";
import {
  type FlowResult,
  type Principal,
  principalId,
  type Refusal,
  refuse,
  type StoredPlan,
} from "./types.js";

export type Decision<T = undefined> = ({ ok: true } & (T extends undefined ? unknown : T)) | Refusal;

export function isExpired(request: Pick<RemediationRequest, "state" | "expiresAt">, now: Date): boolean {
  return request.state === "pending" && Date.parse(request.expiresAt) <= now.getTime();
}

const HANDLED: Partial<Record<RequestState, string>> = {
  approved: "already approved and being applied",
  applying: "already being applied",
  applied: "already applied",
  rejected: "already rejected",
  failed: "already approved; it failed, and can be retried or reverted",
  reverting: "already being reverted",
  reverted: "already reverted",
  interrupted: "already approved; it was interrupted, and can be retried or reverted",
};

function handled(request: RemediationRequest): Refusal {
  if (request.state === "expired") {
    return refuse("expired", "This request has expired; ask for the fix again to get a fresh plan.", request);
  }
  return refuse("already-handled", `This request is ${HANDLED[request.state] ?? request.state}.`, request);
}

/** Approve: pending, not expired, and (with four-eyes) not by the requester. */
export function decideApprove(
  request: RemediationRequest,
  actor: Principal,
  now: Date,
  fourEyes: boolean,
): Decision {
  if (isExpired(request, now)) {
    return refuse("expired", "This request has expired; ask for the fix again to get a fresh plan.", request);
  }
  if (request.state !== "pending") return handled(request);
  if (fourEyes && principalId(actor) === request.requester) {
    return refuse(
      "four-eyes",
      "You asked for this fix, so someone else must approve it (four-eyes is on).",
      request,
    );
  }
  return { ok: true };
}

/** Reject: pending and not expired; an approver, or the requester withdrawing their own request. */
export function decideReject(request: RemediationRequest, now: Date): Decision {
  if (isExpired(request, now)) return refuse("expired", "This request has already expired.", request);
  if (request.state !== "pending") return handled(request);
  return { ok: true };
}

export function flowResult(request: Pick<RemediationRequest, "result">): FlowResult | undefined {
  const result = request.result as FlowResult | undefined;
  return result && (result.phase === "apply" || result.phase === "revert")
    ? result
    : result
      ? { ...result, phase: "apply" }
      : undefined;
}

/** Nothing ran: the plan was stopped before its first call (drift, refusal at apply time). */
function nothingRan(request: RemediationRequest): boolean {
  const result = flowResult(request);
  return result?.outcome === "drift" || result?.outcome === "refused";
}

export type RetryPhase = "apply" | "revert";

/** Retry: a failed or interrupted run, from where it stopped. Drift and refusals are not retried. */
export function decideRetry(request: RemediationRequest): Decision<{ phase: RetryPhase; fromStep: number }> {
  if (request.state !== "failed" && request.state !== "interrupted") {
    return refuse(
      "not-retryable",
      `Only a failed or interrupted fix can be retried; this one is ${request.state}.`,
      request,
    );
  }
  if (nothingRan(request)) {
    return refuse(
      "not-retryable",
      "Nothing was changed and the plan is no longer valid; ask for the fix again to get a fresh plan.",
      request,
    );
  }
  const result = flowResult(request);
  const phase: RetryPhase = result?.phase ?? "apply";
  // An interrupted run recorded nothing; every step is idempotent, so it starts over.
  const fromStep = request.state === "failed" ? (result?.stepsDone.length ?? 0) : 0;
  return { ok: true, phase, fromStep };
}

/** Revert: an applied fix, or a failed or interrupted one that may have changed something. */
export function decideRevert(request: RemediationRequest): Decision {
  if (request.state !== "applied" && request.state !== "failed" && request.state !== "interrupted") {
    return refuse(
      "not-revertible",
      `Only an applied, failed or interrupted fix can be reverted; this one is ${request.state}.`,
      request,
    );
  }
  if (nothingRan(request)) {
    return refuse("not-revertible", "Nothing was changed, so there is nothing to revert.", request);
  }
  const result = flowResult(request);
  if (request.state === "failed" && result?.phase === "apply" && result.stepsDone.length === 0) {
    return refuse("not-revertible", "The first step failed, so nothing was changed.", request);
  }
  return { ok: true };
}

/** The drift check: the plan made from a fresh read must rest on the same state as the requested one. */
export function decideDrift(
  requestedFingerprint: string,
  fresh: Pick<StoredPlan, "fingerprint" | "refusal">,
): Decision {
  if (fresh.refusal !== undefined) {
    return refuse("plan-refused", `The fix can no longer be applied: ${fresh.refusal}`);
  }
  if (fresh.fingerprint !== requestedFingerprint) {
    return refuse(
      "plan-changed",
      "The resource changed since the fix was requested, so the approved plan no longer fits it. Nothing was changed; ask for the fix again.",
    );
  }
  return { ok: true };
}

/** The stored plan as written by `requestFix`; undefined when the row holds something else. */
export function storedPlanOf(request: Pick<RemediationRequest, "plan">): StoredPlan | undefined {
  const plan = request.plan as Partial<StoredPlan> | null | undefined;
  if (!plan || typeof plan !== "object") return undefined;
  if (typeof plan.remediationId !== "string" || !Array.isArray(plan.steps) || !plan.finding) return undefined;
  return plan as StoredPlan;
}

export function expiresAt(now: Date, ttlHours: number): string {
  return new Date(now.getTime() + ttlHours * 3_600_000).toISOString();
}

/**
 * Four-eyes on a revert (and on a retry that continues one): like Approve, the person who asked for the fix
 * may not undo it; an approver other than the requester must.
 */
export function decideRevertFourEyes(
  request: RemediationRequest,
  actor: Principal,
  fourEyes: boolean,
): Decision {
  if (fourEyes && principalId(actor) === request.requester) {
    return refuse(
      "four-eyes",
      "You asked for this fix, so someone else must revert it (four-eyes is on).",
      request,
    );
  }
  return { ok: true };
}

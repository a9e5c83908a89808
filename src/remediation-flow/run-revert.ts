/**
 * What Revert does: plan from a fresh read with the audit role (the prior state exactly when the resource is
 * as the fix left it, else only the fix's own changes still there, or a refusal saying what changed), then
 * run it with the remediation role behind one compare-and-set. Who may click it is decided before this.
 */
import type { AccountClients } from "../aws/clients.js";
import type { AccountInventory } from "../domain/inventory.js";
import { fingerprintState, type Plan, type Remediation } from "../domain/remediation.js";
import { remediationById } from "../remediations/catalog.js";
import { executePlan, PlanStepFailedError } from "../remediations/execute-plan.js";
import { toFinding } from "../store/to-finding.js";
import type { RemediationRequest, RequestState, Store } from "../store/types.js";
import { flowResult, storedPlanOf } from "./decisions.js";
import { describeSteps, errorText } from "./flow-kit.js";
import type { FreshReadTarget } from "./read-fresh-account.js";
import {
  auditActor,
  type FlowResult,
  type Principal,
  type Refusal,
  type RevertSummary,
  refuse,
  type StoredPlan,
} from "./types.js";

type FlowAnswer = { ok: true; request: RemediationRequest } | Refusal;

export interface RevertRunnerDeps {
  store: Store;
  readFresh(target: FreshReadTarget): Promise<AccountInventory>;
  remediationClients(accountId: string): Promise<AccountClients>;
  /** The read target shared with the read after the fix, so equal state gives equal fingerprints. */
  readTarget(finding: Plan["finding"], stored: StoredPlan): FreshReadTarget;
  /** Audits a refusal and hands it back. */
  refused(actor: Principal, action: string, targetId: string, refusal: Refusal): Promise<Refusal>;
  finish(
    requestId: string,
    from: RequestState,
    to: RequestState,
    result: FlowResult,
    actor: Principal,
  ): Promise<RemediationRequest>;
  /** Keeps this process's lease on a request it won (lease.ts), until the returned stop. */
  hold(requestId: string): () => void;
  /** The click's "started" notice, best effort and bounded (lease.ts). */
  started(onStarted: RevertClick["onStarted"], request: RemediationRequest): Promise<void>;
  now(): Date;
}

export interface RevertClick {
  actor: Principal;
  onStarted?(request: RemediationRequest): Promise<void>;
}

export function createRevertRunner(deps: RevertRunnerDeps) {
  const { store } = deps;

  /**
   * A revert that ran to its end but was cut off before it was recorded (interrupted, or failed, with a revert
   * as its last run): the resource is back in the state recorded before the fix when a plan made from the fresh
   * read would record the same prior state. Anything else (no such plan, a refusal, a read error) is not.
   */
  async function revertAlreadyDone(
    request: RemediationRequest,
    plan: Plan,
    remediation: Remediation,
    account: AccountInventory,
  ): Promise<boolean> {
    if (request.state !== "interrupted" && request.state !== "failed") return false;
    if (flowResult(request)?.phase !== "revert" || plan.priorState === undefined) return false;
    const record = await store.getFinding(request.findingKey);
    if (!record) return false;
    try {
      const stored = plan as StoredPlan;
      const fresh = remediation.plan(toFinding(record), account, {
        now: deps.now(),
        ...stored.requestOptions,
      });
      if (fresh.refusal !== undefined || fresh.priorState === undefined) return false;
      return fingerprintState(fresh.priorState) === fingerprintState(plan.priorState);
    } catch {
      return false;
    }
  }

  /**
   * The revert plan for `request`, from a fresh read with the audit role: the prior state exactly when the
   * resource is as the fix left it (same fingerprint), else only the fix's own changes that are still there,
   * or a refusal that says what changed.
   */
  async function planRevert(
    request: RemediationRequest,
    stored: StoredPlan,
    remediation: Remediation,
  ): Promise<{ ok: true; plan: Plan; mode: RevertSummary["mode"] | "done" } | Refusal> {
    if (!remediation.revertPlan || !remediation.revertState || !remediation.revertChanged) {
      return refuse(
        "not-revertible",
        "This fix has no automatic revert; its notes say how to undo it by hand.",
        request,
      );
    }
    const plan: Plan = { ...stored, priorState: request.priorState ?? stored.priorState };
    let account: AccountInventory;
    try {
      account = await deps.readFresh(deps.readTarget(plan.finding, stored));
    } catch (error) {
      return refuse(
        "read-failed",
        `The resource could not be read before reverting, so nothing was changed: ${errorText(error)}`,
        request,
      );
    }
    if (await revertAlreadyDone(request, plan, remediation, account)) {
      return { ok: true, plan: { ...remediation.revertPlan(plan), steps: [] }, mode: "done" };
    }
    try {
      const result = flowResult(request);
      const left = request.state === "applied" ? result?.leftFingerprint : undefined;
      const now = fingerprintState(remediation.revertState(plan, account));
      if (left !== undefined && left === now) {
        return { ok: true, plan: remediation.revertPlan(plan), mode: "exact" };
      }
      const changed = remediation.revertChanged(plan, account);
      if (changed.refusal !== undefined) return refuse("changed-since", changed.refusal, request);
      return { ok: true, plan: changed, mode: "changed" };
    } catch (error) {
      return refuse("not-revertible", errorText(error), request);
    }
  }

  async function revertFrom(
    request: RemediationRequest,
    input: RevertClick,
    action: "revert" | "retry",
  ): Promise<FlowAnswer> {
    const by = auditActor(input.actor);
    const stored = storedPlanOf(request);
    const remediation = remediationById(request.remediationId);
    if (!stored || !remediation) {
      return deps.refused(
        input.actor,
        action,
        request.id,
        refuse("not-revertible", "The stored plan or its remediation is no longer known.", request),
      );
    }
    const planned = await planRevert(request, stored, remediation);
    if (!planned.ok) return deps.refused(input.actor, action, request.id, planned);
    const revert = planned.plan;
    if (planned.mode === "done") return recordDone(request, revert, input);
    if (revert.steps.length === 0) {
      return deps.refused(
        input.actor,
        action,
        request.id,
        refuse("not-revertible", revert.notes[0] ?? "There is nothing to revert.", request),
      );
    }
    const summary: RevertSummary = {
      mode: planned.mode,
      steps: revert.steps.map((s) => s.description),
      notes: revert.notes,
    };
    if (revert.diff !== undefined) summary.diff = revert.diff;
    const from = request.state as "applied" | "failed" | "interrupted";
    const won = await store.transitionRequest(request.id, from, "reverting", {
      result: { phase: "revert", stepsDone: [], by, revert: summary },
      actor: by,
    });
    if (!won) return refuse("already-handled", "Someone else is already handling this request.", request);
    const stop = deps.hold(request.id);
    try {
      await deps.started(input.onStarted, (await store.getRequest(request.id)) as RemediationRequest);
      return await runRevert(request, revert, summary, input);
    } finally {
      stop();
    }
  }

  /**
   * The revert's earlier run had put everything back and was cut off before it was recorded: recorded now
   * (→ reverting → reverted, each audited) without an AWS call.
   */
  async function recordDone(
    request: RemediationRequest,
    revert: Plan,
    input: RevertClick,
  ): Promise<FlowAnswer> {
    const by = auditActor(input.actor);
    const previous = flowResult(request)?.revert;
    const summary: RevertSummary = {
      mode: previous?.mode ?? "exact",
      steps: previous?.steps ?? revert.steps.map((s) => s.description),
      notes: [
        "The resource was already back in the state it had before the fix: the earlier revert had finished before it was cut off, so nothing was run again.",
      ],
    };
    if (previous?.diff !== undefined) summary.diff = previous.diff;
    const from = request.state as "failed" | "interrupted";
    const won = await store.transitionRequest(request.id, from, "reverting", {
      result: { phase: "revert", stepsDone: [], by, revert: summary },
      actor: by,
    });
    if (!won) return refuse("already-handled", "Someone else is already handling this request.", request);
    const result: FlowResult = { phase: "revert", outcome: "reverted", stepsDone: [], by, revert: summary };
    return { ok: true, request: await deps.finish(request.id, "reverting", "reverted", result, input.actor) };
  }

  async function runRevert(
    request: RemediationRequest,
    revert: Plan,
    summary: RevertSummary,
    input: RevertClick,
  ): Promise<FlowAnswer> {
    const by = auditActor(input.actor);
    try {
      const clients = await deps.remediationClients(revert.finding.accountId);
      await executePlan(revert, clients);
    } catch (error) {
      const result: FlowResult =
        error instanceof PlanStepFailedError
          ? {
              phase: "revert",
              outcome: "step-failed",
              stepsDone: describeSteps(revert, error.stepsDone),
              error: error.message,
              failedStep: `${error.stepsDone + 1}. ${error.failedStep.service}:${error.failedStep.operation}`,
              awsCode: error.awsCode,
              action: error.action,
              by,
              revert: summary,
            }
          : {
              phase: "revert",
              outcome: "step-failed",
              stepsDone: [],
              error: errorText(error),
              by,
              revert: summary,
            };
      return { ok: true, request: await deps.finish(request.id, "reverting", "failed", result, input.actor) };
    }
    const result: FlowResult = {
      phase: "revert",
      outcome: "reverted",
      stepsDone: describeSteps(revert, revert.steps.length),
      by,
      revert: summary,
    };
    return { ok: true, request: await deps.finish(request.id, "reverting", "reverted", result, input.actor) };
  }

  return { revertFrom };
}

/**
 * The remediation use-cases: request a fix, approve, reject, apply (and retry), revert, expire. Every state
 * change is one compare-and-set in the store, so double clicks, concurrent approvers and Slack retries apply
 * a plan once; the decisions themselves are pure (decisions.ts).
 */

import type { AccountClients } from "../aws/clients.js";
import { controlById } from "../controls/catalog.js";
import type { AccountInventory } from "../domain/inventory.js";
import { fingerprintState, type Plan, type Remediation } from "../domain/remediation.js";
import type { Logger } from "../logging/logger.js";
import { remediationById } from "../remediations/catalog.js";
import { executePlan, PlanRejectedError, PlanStepFailedError } from "../remediations/execute-plan.js";
import { ALREADY_COMPLIANT } from "../remediations/plan-kit.js";
import { DuplicatePendingRequestError } from "../store/errors.js";
import { toFinding } from "../store/to-finding.js";
import type { FindingRecord, RemediationRequest, RequestState, Store } from "../store/types.js";
import {
  decideApprove,
  decideDrift,
  decideReject,
  decideRetry,
  decideRevert,
  decideRevertFourEyes,
  expiresAt,
  flowResult,
  isExpired,
  storedPlanOf,
} from "./decisions.js";
import { describeSteps, errorText } from "./flow-kit.js";
import {
  FIX_LEASE_MS,
  holdLease,
  type LeaseOptions,
  leaseExpired,
  notifyStarted,
  recoverCutOffFixes,
  STARTED_NOTICE_MS,
} from "./lease.js";
import type { FreshReadTarget } from "./read-fresh-account.js";
import { judgeRecheck } from "./recheck.js";
import { createRevertRunner } from "./run-revert.js";
import {
  auditActor,
  type FlowResult,
  type Outcome,
  type Principal,
  principalId,
  type Recheck,
  type Refusal,
  type RequestOptions,
  refuse,
  type StoredPlan,
} from "./types.js";

export interface RemediationFlowDeps {
  store: Store;
  /** A fresh read-only read of what the fix needs (see read-fresh-account.ts), with the audit clients. */
  readFresh(target: FreshReadTarget): Promise<AccountInventory>;
  /** The clients of the account's remediation role. */
  remediationClients(accountId: string): Promise<AccountClients>;
  now(): Date;
  /** `slack.requestTtlHours`. */
  ttlHours: number;
  /** `slack.fourEyes`. */
  fourEyes: boolean;
  requireFips: boolean;
  /** The account's name from the config, for plans. */
  accountName?(accountId: string): string | undefined;
  logger?: Logger;
  /** The lease a running fix keeps (lease.ts); 2 minutes, renewed every 30 s, by default. */
  lease?: Partial<LeaseOptions>;
  /** How long a click waits for its "started" redraw before the fix runs anyway (5 s). */
  startedNoticeMs?: number;
}

export type AuthorizationCheck = { ok: true } | { ok: false; reason: string };

export interface Preview {
  finding: FindingRecord;
  remediation: Remediation;
  plan: Plan;
}

export interface RequestFixInput {
  findingKey: string;
  requester: Principal;
  reason?: string;
  options?: RequestOptions;
  /** The fingerprint of the plan the requester saw; a different fresh plan is refused. */
  expectedFingerprint?: string;
}

export interface ClickInput {
  requestId: string;
  actor: Principal;
  /** The caller's authorization verdict (approver list, workspace); a refusal is audited and stops here. */
  authorization: AuthorizationCheck;
  /**
   * Called once this click has won the request, before the AWS calls start. Best effort: an error is
   * logged, and the fix does not wait for it longer than `startedNoticeMs`.
   */
  onStarted?(request: RemediationRequest): Promise<void>;
}

export type FlowAnswer = { ok: true; request: RemediationRequest } | Refusal;

const OPEN_STATES: readonly RequestState[] = ["pending", "approved", "applying"];

/**
 * A pending request that is still not posted for approval this long after it was made never will be: the
 * process that made it stopped between saving it and posting its message (Slack) or approving it (the CLI,
 * seconds later). Nobody can approve it, so it must not hold up a new request for its finding until it expires.
 */
export const UNPOSTED_REQUEST_GRACE_MS = 2 * 60_000;

function neverPosted(request: RemediationRequest, now: Date): boolean {
  return (
    request.state === "pending" &&
    request.slackTs === undefined &&
    now.getTime() - Date.parse(request.createdAt) > UNPOSTED_REQUEST_GRACE_MS
  );
}

export function createRemediationFlow(deps: RemediationFlowDeps) {
  const { store } = deps;
  const log = (requestId: string) => deps.logger?.child({ requestId });
  const leaseMs = deps.lease?.leaseMs ?? FIX_LEASE_MS;
  const heartbeatMs = deps.lease?.heartbeatMs ?? leaseMs / 4;

  /** Keeps this process's lease on a request it won, until the returned stop. */
  const hold = (requestId: string) =>
    holdLease(
      store,
      requestId,
      { heartbeatMs, ...(deps.lease?.timers ? { timers: deps.lease.timers } : {}) },
      log(requestId),
    );
  const started = (onStarted: ClickInput["onStarted"], request: RemediationRequest) =>
    notifyStarted(onStarted, request, deps.startedNoticeMs ?? STARTED_NOTICE_MS, log(request.id));

  function target(finding: FindingRecord | Plan["finding"], remediationId: string, options?: RequestOptions) {
    const name = deps.accountName?.(finding.accountId);
    const t: FreshReadTarget = {
      remediationId,
      finding: {
        accountId: finding.accountId,
        region: finding.region,
        resourceArn: finding.resourceArn,
        controlId: finding.controlId,
      },
    };
    if (options) t.options = options;
    if (name !== undefined) t.accountName = name;
    return t;
  }

  /**
   * What the read after a fix and the read before its revert cover: the fix's own read, plus the key the
   * plan chose (so a key policy it appended to is read even when the bucket no longer names that key).
   * Both reads use this one target, so equal state gives equal fingerprints.
   */
  function revertTarget(record: Plan["finding"], stored: StoredPlan) {
    const options: RequestOptions = { ...stored.requestOptions };
    if (stored.choice?.option === "kmsKeyArn" && stored.choice.selected && !options.kmsKeyArn) {
      options.kmsKeyArn = stored.choice.selected;
    }
    return target(record, stored.remediationId, Object.keys(options).length > 0 ? options : undefined);
  }

  async function audit(actor: string, action: string, targetId: string, detail?: unknown): Promise<void> {
    await store.appendAudit({ actor, action, target: targetId, ...(detail !== undefined ? { detail } : {}) });
  }

  /** Audits a refused click and hands the refusal back. */
  async function refused(
    actor: Principal,
    action: string,
    targetId: string,
    refusal: Refusal,
  ): Promise<Refusal> {
    await audit(auditActor(actor), "request.refused", targetId, {
      action,
      code: refusal.code,
      reason: refusal.reason,
    });
    return refusal;
  }

  async function plan(
    findingKey: string,
    options: RequestOptions | undefined,
  ): Promise<{ ok: true; preview: Preview } | Refusal> {
    const record = await store.getFinding(findingKey);
    if (!record) return refuse("not-found", "That finding is no longer known; run a scan and try again.");
    if (record.status !== "FAIL") {
      return refuse(
        "finding-not-failing",
        `The last scan reports this finding as ${record.status}, not FAIL; there is nothing to fix.`,
      );
    }
    const remediation = record.remediationId ? remediationById(record.remediationId) : undefined;
    if (!remediation) {
      return refuse(
        "no-remediation",
        "This control has no automated fix; follow the guidance under Details.",
      );
    }
    let account: AccountInventory;
    try {
      account = await deps.readFresh(target(record, remediation.id, options));
    } catch (error) {
      return refuse("read-failed", `The resource could not be read just now: ${errorText(error)}`);
    }
    const made = remediation.plan(toFinding(record), account, { now: deps.now(), ...options });
    return { ok: true, preview: { finding: record, remediation, plan: made } };
  }

  /** The plan a fix would run now, from a fresh read; for the Fix modal and `fix --dry-run`. */
  async function preview(findingKey: string, options?: RequestOptions) {
    return plan(findingKey, options);
  }

  async function requestFix(
    input: RequestFixInput,
  ): Promise<{ ok: true; request: RemediationRequest; plan: Plan } | Refusal> {
    const made = await plan(input.findingKey, input.options);
    if (!made.ok) return made;
    const { remediation } = made.preview;
    const fresh = made.preview.plan;
    if (fresh.refusal !== undefined) return refuse("plan-refused", fresh.refusal);
    if (fresh.steps.length === 0) {
      const why = fresh.notes.find((n) => n.startsWith(ALREADY_COMPLIANT)) ?? "The plan has nothing to do.";
      return refuse("already-compliant", `${why} Run a scan to update the finding.`);
    }
    if (input.expectedFingerprint !== undefined && input.expectedFingerprint !== fresh.fingerprint) {
      return refuse(
        "plan-changed",
        "The resource changed while the Fix dialog was open, so the plan you saw is out of date. Open Fix again to see the new plan.",
      );
    }
    let open = await store.listRequests({ findingKey: input.findingKey, states: OPEN_STATES });
    // One whose holder stopped (its lease ran out) is marked cut off first: it no longer blocks a new request.
    if (open.some((r) => leaseExpired(r, deps.now(), leaseMs))) {
      await recoverCutOff();
      open = await store.listRequests({ findingKey: input.findingKey, states: OPEN_STATES });
    }
    for (const abandoned of open.filter((r) => neverPosted(r, deps.now()))) {
      await withdrawRequest(
        abandoned.id,
        "it was never posted for approval (the process that made it stopped)",
      );
    }
    open = open.filter((r) => !neverPosted(r, deps.now()));
    const live = open.find((r) => !isExpired(r, deps.now()));
    const alreadyRequested = (request?: RemediationRequest) =>
      refuse("already-requested", "A fix for this finding is already requested and waiting.", request);
    if (live) return alreadyRequested(live);
    // A pending one past its time is expired now: the database admits one pending request per finding.
    for (const stale of open.filter((r) => r.state === "pending")) {
      await store.transitionRequest(stale.id, "pending", "expired", { actor: "system" });
    }
    const stored: StoredPlan = { ...fresh };
    if (input.options && Object.keys(input.options).length > 0) stored.requestOptions = input.options;
    const reason = input.reason?.trim();
    let request: RemediationRequest;
    try {
      request = await store.createRequest({
        findingKey: input.findingKey,
        remediationId: remediation.id,
        plan: reason ? { ...stored, requestReason: reason } : stored,
        planFingerprint: fresh.fingerprint,
        requester: principalId(input.requester),
        expiresAt: expiresAt(deps.now(), deps.ttlHours),
      });
    } catch (error) {
      // Another submission (another replica) made its request between the check above and this insert.
      if (!(error instanceof DuplicatePendingRequestError)) throw error;
      const [winner] = await store.listRequests({ findingKey: input.findingKey, states: ["pending"] });
      return alreadyRequested(winner);
    }
    log(request.id)?.info({ remediationId: remediation.id }, "fix requested");
    return { ok: true, request, plan: fresh };
  }

  /** Loads a request for a click, expiring it first when its time is up. */
  async function load(requestId: string): Promise<RemediationRequest | Refusal> {
    const request = await store.getRequest(requestId);
    if (!request) return refuse("not-found", "This request is not known (it may have been pruned).");
    if (isExpired(request, deps.now())) {
      await store.transitionRequest(request.id, "pending", "expired", { actor: "system" });
      return (await store.getRequest(requestId)) ?? request;
    }
    return request;
  }

  async function click(
    input: ClickInput,
    action: string,
  ): Promise<{ ok: true; request: RemediationRequest } | Refusal> {
    const loaded = await load(input.requestId);
    if ("ok" in loaded) return refused(input.actor, action, input.requestId, loaded);
    if (!input.authorization.ok) {
      return refused(
        input.actor,
        action,
        input.requestId,
        refuse("not-authorized", input.authorization.reason, loaded),
      );
    }
    return { ok: true, request: loaded };
  }

  async function approveRequest(input: ClickInput): Promise<FlowAnswer> {
    const loaded = await click(input, "approve");
    if (!loaded.ok) return loaded;
    const decision = decideApprove(loaded.request, input.actor, deps.now(), deps.fourEyes);
    if (!decision.ok) return refused(input.actor, "approve", input.requestId, decision);
    const won = await store.transitionRequest(input.requestId, "pending", "approved", {
      approver: principalId(input.actor),
      actor: auditActor(input.actor),
    });
    if (!won) {
      const now = (await store.getRequest(input.requestId)) ?? loaded.request;
      return refuse("already-handled", "Someone else is already handling this request.", now);
    }
    const stop = hold(input.requestId);
    try {
      const approved = (await store.getRequest(input.requestId)) as RemediationRequest;
      await started(input.onStarted, approved);
      return await applyApproved(approved, input.actor);
    } finally {
      stop();
    }
  }

  async function finish(
    requestId: string,
    from: RequestState,
    to: RequestState,
    result: FlowResult,
    actor: Principal,
  ): Promise<RemediationRequest> {
    await store.transitionRequest(requestId, from, to, { result, actor: auditActor(actor) });
    return (await store.getRequest(requestId)) as RemediationRequest;
  }

  /** approved → applying → applied | failed, after the drift check on a fresh read. */
  async function applyApproved(request: RemediationRequest, actor: Principal): Promise<FlowAnswer> {
    const by = auditActor(actor);
    const stored = storedPlanOf(request);
    const remediation = remediationById(request.remediationId);
    const record = await store.getFinding(request.findingKey);
    const stop = async (outcome: Outcome, error: string) =>
      ({
        ok: true,
        request: await finish(
          request.id,
          "approved",
          "failed",
          { phase: "apply", outcome, stepsDone: [], error, by },
          actor,
        ),
      }) as const;
    if (!stored || !remediation || !record) {
      return stop("refused", "The stored plan, its remediation or its finding is no longer known.");
    }
    let fresh: Plan;
    try {
      const account = await deps.readFresh(target(record, remediation.id, stored.requestOptions));
      fresh = remediation.plan(toFinding(record), account, { now: deps.now(), ...stored.requestOptions });
    } catch (error) {
      return stop("refused", `The resource could not be read before applying: ${errorText(error)}`);
    }
    const drift = decideDrift(request.planFingerprint, fresh);
    if (!drift.ok) return stop(drift.code === "plan-changed" ? "drift" : "refused", drift.reason);
    const started = await store.transitionRequest(request.id, "approved", "applying", {
      priorState: fresh.priorState,
      result: { phase: "apply", stepsDone: [], by },
      actor: by,
    });
    if (!started) return refuse("already-handled", "Someone else is already handling this request.", request);
    return runApply(
      { ...request, state: "applying", priorState: fresh.priorState },
      stored,
      record,
      actor,
      0,
    );
  }

  async function runApply(
    request: RemediationRequest,
    stored: StoredPlan,
    record: FindingRecord,
    actor: Principal,
    fromStep: number,
  ): Promise<FlowAnswer> {
    const by = auditActor(actor);
    const plan: Plan = { ...stored, priorState: request.priorState ?? stored.priorState };
    try {
      const clients = await deps.remediationClients(plan.finding.accountId);
      await executePlan(plan, clients, { fromStep });
    } catch (error) {
      const result: FlowResult =
        error instanceof PlanStepFailedError
          ? {
              phase: "apply",
              outcome: "step-failed",
              stepsDone: describeSteps(plan, error.stepsDone),
              error: error.message,
              failedStep: `${error.stepsDone + 1}. ${error.failedStep.service}:${error.failedStep.operation}`,
              awsCode: error.awsCode,
              action: error.action,
              by,
            }
          : {
              phase: "apply",
              outcome: error instanceof PlanRejectedError ? "refused" : "step-failed",
              stepsDone: describeSteps(plan, fromStep),
              error: errorText(error),
              by,
            };
      log(request.id)?.warn({ outcome: result.outcome, awsCode: result.awsCode }, "fix failed");
      return { ok: true, request: await finish(request.id, "applying", "failed", result, actor) };
    }
    const { recheck, leftFingerprint } = await readAfterFix(record, plan);
    await audit(by, "request.rechecked", request.id, { status: recheck.status, detail: recheck.detail });
    const result: FlowResult = {
      phase: "apply",
      outcome: recheck.status === "PASS" ? "applied" : "applied-unconfirmed",
      stepsDone: describeSteps(plan, plan.steps.length),
      recheck,
      by,
    };
    if (leftFingerprint !== undefined) result.leftFingerprint = leftFingerprint;
    log(request.id)?.info({ recheck: recheck.status }, "fix applied");
    return { ok: true, request: await finish(request.id, "applying", "applied", result, actor) };
  }

  /**
   * One fresh read right after the last step: the control's re-check, and the fingerprint of the state the
   * fix left (what a later revert compares with). A read that fails leaves no fingerprint, so a revert then
   * takes back only what it finds of the fix.
   */
  async function readAfterFix(
    record: FindingRecord,
    stored: StoredPlan,
  ): Promise<{ recheck: Recheck; leftFingerprint?: string }> {
    const control = controlById(record.controlId);
    const at = deps.now().toISOString();
    let account: AccountInventory;
    try {
      account = await deps.readFresh(revertTarget(record, stored));
    } catch (error) {
      return {
        recheck: {
          status: "ERROR",
          detail: `The re-check could not read the resource: ${errorText(error)}`,
          at,
        },
      };
    }
    const remediation = remediationById(stored.remediationId);
    const left = remediation?.revertState
      ? fingerprintState(remediation.revertState(stored, account))
      : undefined;
    const recheck: Recheck = control
      ? judgeRecheck(control, account, record, { requireFips: deps.requireFips, now: deps.now() })
      : { status: "ERROR", detail: `The control ${record.controlId} is not known.`, at };
    return left === undefined ? { recheck } : { recheck, leftFingerprint: left };
  }

  async function rejectRequest(input: ClickInput & { reason: string }): Promise<FlowAnswer> {
    const loaded = await click(input, "reject");
    if (!loaded.ok) return loaded;
    const decision = decideReject(loaded.request, deps.now());
    if (!decision.ok) return refused(input.actor, "reject", input.requestId, decision);
    const won = await store.transitionRequest(input.requestId, "pending", "rejected", {
      rejecter: principalId(input.actor),
      reason: input.reason.trim(),
      actor: auditActor(input.actor),
    });
    const request = (await store.getRequest(input.requestId)) as RemediationRequest;
    if (!won) return refuse("already-handled", "Someone else has already handled this request.", request);
    return { ok: true, request };
  }

  /** failed | interrupted → applying (or reverting), from the step where it stopped. */
  async function retryRequest(input: ClickInput): Promise<FlowAnswer> {
    const loaded = await click(input, "retry");
    if (!loaded.ok) return loaded;
    const decision = decideRetry(loaded.request);
    if (!decision.ok) return refused(input.actor, "retry", input.requestId, decision);
    // A revert is planned again from a fresh read: what its first run did is part of what that read sees.
    if (decision.phase === "revert") {
      const eyes = decideRevertFourEyes(loaded.request, input.actor, deps.fourEyes);
      if (!eyes.ok) return refused(input.actor, "retry", input.requestId, eyes);
      return revertFrom(loaded.request, input, "retry");
    }
    const stored = storedPlanOf(loaded.request);
    const record = await store.getFinding(loaded.request.findingKey);
    if (!stored || !record) {
      return refused(
        input.actor,
        "retry",
        input.requestId,
        refuse("not-retryable", "The stored plan or its finding is no longer known.", loaded.request),
      );
    }
    const from = loaded.request.state as "failed" | "interrupted";
    const previous = flowResult(loaded.request);
    const won = await store.transitionRequest(input.requestId, from, "applying", {
      result: { phase: "apply", stepsDone: previous?.stepsDone ?? [], by: auditActor(input.actor) },
      actor: auditActor(input.actor),
    });
    if (!won)
      return refuse("already-handled", "Someone else is already handling this request.", loaded.request);
    const stop = hold(input.requestId);
    try {
      const request = (await store.getRequest(input.requestId)) as RemediationRequest;
      await started(input.onStarted, request);
      return await runApply(request, stored, record, input.actor, decision.fromStep);
    } finally {
      stop();
    }
  }

  const { revertFrom } = createRevertRunner({
    store,
    readFresh: deps.readFresh,
    remediationClients: deps.remediationClients,
    readTarget: revertTarget,
    refused,
    finish,
    hold,
    started,
    now: deps.now,
  });

  async function revertRequest(input: ClickInput): Promise<FlowAnswer> {
    const loaded = await click(input, "revert");
    if (!loaded.ok) return loaded;
    const eyes = decideRevertFourEyes(loaded.request, input.actor, deps.fourEyes);
    if (!eyes.ok) return refused(input.actor, "revert", input.requestId, eyes);
    const decision = decideRevert(loaded.request);
    if (!decision.ok) return refused(input.actor, "revert", input.requestId, decision);
    return revertFrom(loaded.request, input, "revert");
  }

  /** pending → expired for every request past its time; the periodic sweep. */
  async function expireRequests(): Promise<RemediationRequest[]> {
    return store.expirePendingRequests(deps.now());
  }

  /**
   * The recovery sweep: fixes whose holder stopped (lease run out) become interrupted, or failed when they had
   * not started; each is put in the announcement outbox.
   */
  async function recoverCutOff(): Promise<RemediationRequest[]> {
    const cut = await recoverCutOffFixes(store, deps.now(), leaseMs);
    if (cut.length > 0) {
      deps.logger?.info({ requests: cut.map((r) => r.id) }, "fixes whose process stopped marked cut off");
    }
    return cut;
  }

  /** The outbox: cut-off fixes not announced yet, claimed by `claimer` (a claim older than a lease is retaken). */
  async function claimInterrupted(claimer: string): Promise<RemediationRequest[]> {
    return store.claimInterruptedAnnouncements(
      claimer,
      new Date(deps.now().getTime() - leaseMs).toISOString(),
    );
  }

  /**
   * pending → expired at once, with the reason in its `request.expired` audit entry: a request nobody can
   * approve (its approval message could not be posted), which must not hold up the next one for its finding.
   */
  async function withdrawRequest(requestId: string, reason: string): Promise<boolean> {
    const withdrawn = await store.transitionRequest(requestId, "pending", "expired", {
      actor: "system",
      reason,
    });
    if (withdrawn) log(requestId)?.warn({ reason }, "fix request withdrawn");
    return withdrawn;
  }

  /** Records a refusal decided outside the flow (a malformed click, a wrong workspace). */
  async function recordRefusal(
    actor: Principal,
    action: string,
    requestId: string,
    refusal: Refusal,
  ): Promise<Refusal> {
    return refused(actor, action, requestId, refusal);
  }

  return {
    preview,
    requestFix,
    approveRequest,
    rejectRequest,
    retryRequest,
    revertRequest,
    expireRequests,
    withdrawRequest,
    recoverCutOff,
    claimInterrupted,
    settleInterrupted: (requestId: string, claimer: string, announced: boolean) =>
      store.settleInterruptedAnnouncement(requestId, claimer, announced),
    recordRefusal,
    getRequest: (id: string) => store.getRequest(id),
  };
}

export type RemediationFlow = ReturnType<typeof createRemediationFlow>;

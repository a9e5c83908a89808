/**
 * Suppressions with the weight of a fix. A reason is required and a suppression lasts at most
 * `slack.suppression.maxDays`. One with no end date ("until lifted"), or of a critical or high finding, is
 * not applied: it becomes a request that an approver other than the requester (four-eyes) approves before
 * it expires, exactly like a fix. Every refusal is audited. Slack and the CLI both come through here.
 */
import { isAtLeast, type Severity } from "../domain/severity.js";
import { DuplicatePendingRequestError } from "../store/errors.js";
import type { Store, Suppression, SuppressionRequest } from "../store/types.js";

export const REASON_MIN = 3;
export const REASON_MAX = 500;
/** Suppressions of findings at or above this severity need an approval, whatever their duration. */
export const APPROVAL_SEVERITY: Severity = "high";

export interface SuppressionFlowDeps {
  store: Store;
  now(): Date;
  /** `slack.requestTtlHours`: how long a request waits for an approver. */
  ttlHours: number;
  /** `slack.fourEyes`. */
  fourEyes: boolean;
  /** `slack.suppression.maxDays`. */
  maxDays: number;
}

export interface SuppressionAsk {
  findingKey: string;
  /** The audit actor: `slack:U0123` or `cli:alice`. */
  actor: string;
  reason: string;
  /** Whole days; absent: until lifted. */
  days?: number;
}

export type SuppressionRefusalCode =
  | "reason"
  | "duration"
  | "not-found"
  | "already-suppressed"
  | "already-requested"
  | "not-authorized"
  | "four-eyes"
  | "expired"
  | "already-handled";

export interface SuppressionRefusal {
  ok: false;
  code: SuppressionRefusalCode;
  reason: string;
  request?: SuppressionRequest;
}

export type SuppressOutcome =
  | { ok: true; kind: "suppressed"; suppression: Suppression }
  | { ok: true; kind: "requested"; request: SuppressionRequest }
  | SuppressionRefusal;

export interface SuppressionDecision {
  requestId: string;
  /** The audit actor. */
  actor: string;
  /** The caller's verdict on the role; a refusal is audited and stops here. */
  authorization: { ok: true } | { ok: false; reason: string };
}

export type DecisionOutcome = { ok: true; request: SuppressionRequest } | SuppressionRefusal;

function refuse(
  code: SuppressionRefusalCode,
  reason: string,
  request?: SuppressionRequest,
): SuppressionRefusal {
  return request ? { ok: false, code, reason, request } : { ok: false, code, reason };
}

/** Why a suppression needs an approval, in words for people; undefined when it does not. Pure. */
export function approvalNeeded(severity: Severity, days: number | undefined): string | undefined {
  if (days === undefined) return "it has no end date";
  if (isAtLeast(severity, APPROVAL_SEVERITY)) return `the finding is ${severity}`;
  return undefined;
}

/** The reason and the duration, checked the same way for Slack and the CLI. Pure. */
export function checkSuppressionInput(
  input: { reason: string; days?: number },
  maxDays: number,
): SuppressionRefusal | undefined {
  const reason = input.reason.trim();
  if (reason.length < REASON_MIN || reason.length > REASON_MAX) {
    return refuse("reason", `Give a reason of ${REASON_MIN} to ${REASON_MAX} characters.`);
  }
  if (input.days !== undefined && (!Number.isInteger(input.days) || input.days < 1 || input.days > maxDays)) {
    return refuse(
      "duration",
      `A suppression lasts 1 to ${maxDays} days (\`slack.suppression.maxDays\`), or until lifted with an approval.`,
    );
  }
  return undefined;
}

const DAY_MS = 86_400_000;

/** As fix requests (UNPOSTED_REQUEST_GRACE_MS): a pending request still without a message after this long. */
export const UNPOSTED_SUPPRESSION_GRACE_MS = 2 * 60_000;
const NEVER_POSTED = "it was never posted for approval (the process that made it stopped)";

function neverPosted(request: SuppressionRequest, now: Date): boolean {
  return (
    request.slackTs === undefined &&
    now.getTime() - Date.parse(request.createdAt) > UNPOSTED_SUPPRESSION_GRACE_MS
  );
}

export function createSuppressionFlow(deps: SuppressionFlowDeps) {
  const { store } = deps;

  async function refused(
    actor: string,
    action: string,
    target: string,
    refusal: SuppressionRefusal,
  ): Promise<SuppressionRefusal> {
    await store.appendAudit({
      actor,
      action: "suppression.refused",
      target,
      detail: { action, code: refusal.code, reason: refusal.reason },
    });
    return refusal;
  }

  async function suppress(ask: SuppressionAsk): Promise<SuppressOutcome> {
    const invalid = checkSuppressionInput(ask, deps.maxDays);
    if (invalid) return refused(ask.actor, "suppress", ask.findingKey, invalid);
    const record = await store.getFinding(ask.findingKey);
    if (!record) {
      return refused(
        ask.actor,
        "suppress",
        ask.findingKey,
        refuse("not-found", "That finding is no longer known; run a scan and try again."),
      );
    }
    if (record.suppressionId) {
      return refused(
        ask.actor,
        "suppress",
        ask.findingKey,
        refuse("already-suppressed", `This finding is already suppressed (${record.suppressionId}).`),
      );
    }
    const now = deps.now();
    const pending = await store.listSuppressionRequests({ findingKey: ask.findingKey, states: ["pending"] });
    // One never posted for approval (the process that made it stopped before its message) nobody can approve.
    for (const abandoned of pending.filter((r) => neverPosted(r, now))) {
      await store.withdrawSuppressionRequest(abandoned.id, NEVER_POSTED);
    }
    const waiting = pending.find((r) => Date.parse(r.expiresAt) > now.getTime() && !neverPosted(r, now));
    if (waiting) {
      return refused(
        ask.actor,
        "suppress",
        ask.findingKey,
        refuse(
          "already-requested",
          "A suppression of this finding is already waiting for approval.",
          waiting,
        ),
      );
    }
    const reason = ask.reason.trim();
    if (approvalNeeded(record.severity, ask.days) === undefined) {
      const suppression = await store.addSuppression({
        findingKey: ask.findingKey,
        reason,
        createdBy: ask.actor,
        expiresAt: new Date(now.getTime() + (ask.days ?? 0) * DAY_MS).toISOString(),
      });
      return { ok: true, kind: "suppressed", suppression };
    }
    // A pending one past its time is expired now: the database admits one pending request per finding.
    if (pending.some((r) => Date.parse(r.expiresAt) <= now.getTime()))
      await store.expireSuppressionRequests(now);
    try {
      const request = await store.createSuppressionRequest({
        findingKey: ask.findingKey,
        reason,
        ...(ask.days !== undefined ? { durationDays: ask.days } : {}),
        severity: record.severity,
        requester: ask.actor,
        expiresAt: new Date(now.getTime() + deps.ttlHours * 3_600_000).toISOString(),
      });
      return { ok: true, kind: "requested", request };
    } catch (error) {
      // Another submission (another replica) made its request between the check above and this insert.
      if (!(error instanceof DuplicatePendingRequestError)) throw error;
      const [winner] = await store.listSuppressionRequests({
        findingKey: ask.findingKey,
        states: ["pending"],
      });
      return refused(
        ask.actor,
        "suppress",
        ask.findingKey,
        refuse("already-requested", "A suppression of this finding is already waiting for approval.", winner),
      );
    }
  }

  /** Loads a request for a decision, expiring it first when its time is up. */
  async function load(requestId: string): Promise<SuppressionRequest | SuppressionRefusal> {
    const request = await store.getSuppressionRequest(requestId);
    if (!request) return refuse("not-found", "This suppression request is not known.");
    if (request.state === "pending" && Date.parse(request.expiresAt) <= deps.now().getTime()) {
      await store.expireSuppressionRequests(deps.now());
      const now = (await store.getSuppressionRequest(requestId)) ?? request;
      return refuse("expired", "This suppression request has expired; ask again.", now);
    }
    if (request.state !== "pending") {
      return refuse("already-handled", `This suppression request is already ${request.state}.`, request);
    }
    return request;
  }

  async function decide(input: SuppressionDecision, action: "approve" | "reject"): Promise<DecisionOutcome> {
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
    if (action === "approve" && deps.fourEyes && input.actor === loaded.requester) {
      return refused(
        input.actor,
        action,
        input.requestId,
        refuse(
          "four-eyes",
          "You asked for this suppression, so someone else must approve it (four-eyes is on).",
          loaded,
        ),
      );
    }
    const decided =
      action === "approve"
        ? (
            await store.approveSuppressionRequest(input.requestId, {
              approver: input.actor,
              ...(loaded.durationDays !== undefined
                ? { expiresAt: new Date(deps.now().getTime() + loaded.durationDays * DAY_MS).toISOString() }
                : {}),
            })
          )?.request
        : await store.rejectSuppressionRequest(input.requestId, { rejecter: input.actor });
    if (!decided) {
      const now = (await store.getSuppressionRequest(input.requestId)) ?? loaded;
      return refuse("already-handled", "Someone else has already decided this request.", now);
    }
    return { ok: true, request: decided };
  }

  return {
    suppress,
    approve: (input: SuppressionDecision) => decide(input, "approve"),
    reject: (input: SuppressionDecision) => decide(input, "reject"),
    get: (requestId: string) => store.getSuppressionRequest(requestId),
    expireDue: () => store.expireSuppressionRequests(deps.now()),
  };
}

export type SuppressionFlow = ReturnType<typeof createSuppressionFlow>;

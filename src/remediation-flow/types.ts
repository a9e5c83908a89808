/** The shared vocabulary of the remediation flow: who acts, what a refusal says, what a request records. */
import type { Plan, PlanOptions } from "../domain/remediation.js";
import type { RemediationRequest, RequestResult } from "../store/types.js";

/** Who clicked or typed: a Slack user (with the workspace of the signed payload) or a local CLI user. */
export type Principal = { kind: "slack"; userId: string; teamId?: string } | { kind: "cli"; user: string };

/** The id stored as requester/approver: the Slack user id, or `cli:<user>` (as the store documents). */
export function principalId(principal: Principal): string {
  return principal.kind === "slack" ? principal.userId : `cli:${principal.user}`;
}

/** The actor written to the audit log: `slack:U0123` or `cli:alice`. */
export function auditActor(principal: Principal): string {
  return principal.kind === "slack" ? `slack:${principal.userId}` : `cli:${principal.user}`;
}

export const REFUSAL_CODES = [
  "not-found",
  "finding-not-failing",
  "no-remediation",
  "plan-refused",
  "already-compliant",
  "already-requested",
  "plan-changed",
  "not-authorized",
  "four-eyes",
  "expired",
  "already-handled",
  "not-retryable",
  "not-revertible",
  "changed-since",
  "read-failed",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  ok: false;
  code: RefusalCode;
  /** One or two sentences for the person who clicked. */
  reason: string;
  /** The request the refusal is about, when there is one. */
  request?: RemediationRequest;
}

export function refuse(code: RefusalCode, reason: string, request?: RemediationRequest): Refusal {
  return request ? { ok: false, code, reason, request } : { ok: false, code, reason };
}

/** Options a requester chose, kept with the stored plan so that the approval re-plans with the same ones. */
export type RequestOptions = Omit<PlanOptions, "now">;

/** What `request.plan` holds: the plan, plus the options it was made with. */
export interface StoredPlan extends Plan {
  requestOptions?: RequestOptions;
}

/** How an application or revert ended, beyond the request state. */
export type Outcome =
  | "applied"
  /** Every step ran but the control does not pass yet. */
  | "applied-unconfirmed"
  | "drift"
  | "refused"
  | "step-failed"
  | "reverted";

/** What the flow writes into `request.result`. */
export interface FlowResult extends RequestResult {
  /** Which run produced it: the fix itself or its revert. */
  phase: "apply" | "revert";
  outcome?: Outcome;
  /** The step that failed (1-based, with its operation), for people. */
  failedStep?: string;
  awsCode?: string;
  /** The IAM action of the failed call. */
  action?: string;
  recheck?: Recheck;
  /** Who ran it last. */
  by?: string;
  /**
   * Apply: the fingerprint of the state the fix left (its remediation's `revertState`, read fresh right
   * after the last step). A revert that finds the same state puts the prior state back exactly.
   */
  leftFingerprint?: string;
  /** Revert: what the revert ran, made from a fresh read. */
  revert?: RevertSummary;
}

/** How a revert was planned and what it changes, for the people reading the request's message. */
export interface RevertSummary {
  /** `exact`: nothing changed since the fix, the prior state is restored; `changed`: only the fix's own changes are taken back. */
  mode: "exact" | "changed";
  steps: string[];
  /** The policy diff of the revert, when it changes a policy. */
  diff?: string;
  notes: string[];
}

export interface Recheck {
  /** `MISSING` when the control no longer reports the resource at all. */
  status: "PASS" | "FAIL" | "ERROR" | "MISSING";
  detail: string;
  at: string;
}

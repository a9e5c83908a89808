/**
 * The remediation request state machine. The store refuses any edge not listed here, so a bug elsewhere
 * cannot move, say, a rejected request to applying.
 */
import type { RequestState } from "./types.js";

export const REQUEST_TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  pending: ["approved", "rejected", "expired"],
  // approved → failed covers a plan refused at apply time (drift, missing permission).
  approved: ["applying", "failed", "expired"],
  applying: ["applied", "failed", "interrupted"],
  applied: ["reverting"],
  reverting: ["reverted", "failed", "interrupted"],
  // A fix that failed or was interrupted is safe to run again once someone chooses to, or to revert.
  failed: ["applying", "reverting"],
  interrupted: ["applying", "reverting", "failed"],
  rejected: [],
  expired: [],
  reverted: [],
};

export function canTransition(from: RequestState, to: RequestState): boolean {
  return REQUEST_TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  readonly code = "IllegalTransition";
  constructor(
    readonly from: RequestState,
    readonly to: RequestState,
  ) {
    super(`A remediation request cannot go from ${from} to ${to}.`);
  }
}

/** Normalises `from` to a list and throws on any edge the state machine does not have. */
export function checkTransition(
  from: RequestState | readonly RequestState[],
  to: RequestState,
): RequestState[] {
  const list: RequestState[] = typeof from === "string" ? [from] : [...from];
  if (list.length === 0) throw new Error("transitionRequest needs at least one state to move from.");
  for (const state of list) {
    if (!canTransition(state, to)) throw new IllegalTransitionError(state, to);
  }
  return list;
}

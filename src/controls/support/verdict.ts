/** A three-way answer for one part of a control, so that parts combine without losing an error. */
import type { FindingTarget, findingsFor } from "../../domain/control.js";
import type { Finding } from "../../domain/finding.js";
import type { CollectError } from "../../domain/result.js";

export type Verdict =
  | { status: "pass"; reason: string }
  | { status: "fail"; reason: string }
  | { status: "error"; error: CollectError };

export const pass = (reason: string): Verdict => ({ status: "pass", reason });
export const fail = (reason: string): Verdict => ({ status: "fail", reason });
export const error = (e: CollectError): Verdict => ({ status: "error", error: e });

/** Passes when any passes; otherwise an error hides a possible pass; otherwise fails. */
export function anyOf(verdicts: readonly Verdict[]): Verdict {
  const passed = verdicts.find((v) => v.status === "pass");
  if (passed) return passed;
  const errored = verdicts.find((v) => v.status === "error");
  if (errored) return errored;
  return verdicts[0] ?? fail("nothing to check");
}

/** Fails when any fails; otherwise an error hides a possible failure; otherwise passes. */
export function allOf(verdicts: readonly Verdict[]): Verdict {
  const failed = verdicts.find((v) => v.status === "fail");
  if (failed) return failed;
  const errored = verdicts.find((v) => v.status === "error");
  if (errored) return errored;
  return verdicts[0] ?? pass("nothing to check");
}

/** An error for data the inventory should hold but does not (a collector gap, not an AWS error). */
export function notCollected(what: string, action: string): CollectError {
  return { code: "NotCollected", message: `${what} is not in the inventory`, action };
}

/** What `findingsFor(control)` returns: one control's PASS, FAIL and ERROR finding makers. */
export type ControlFindings = ReturnType<typeof findingsFor>;

/** The finding a verdict comes to: its ERROR, or a PASS or FAIL whose detail is built from its reason. */
export function verdictFinding(
  findings: ControlFindings,
  target: FindingTarget,
  verdict: Verdict,
  detail: (reason: string) => string,
): Finding {
  if (verdict.status === "error") return findings.error(target, verdict.error);
  const text = detail(verdict.reason);
  return verdict.status === "pass" ? findings.pass(target, text) : findings.fail(target, text);
}

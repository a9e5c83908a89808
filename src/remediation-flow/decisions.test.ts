import { describe, expect, it } from "vitest";
import type { RemediationRequest } from "../store/types.js";
import {
  decideApprove,
  decideDrift,
  decideReject,
  decideRetry,
  decideRevert,
  decideRevertFourEyes,
  isExpired,
} from "./decisions.js";

const NOW = new Date("2024-06-01T12:00:00.000Z");

function request(overrides: Partial<RemediationRequest> = {}): RemediationRequest {
  return {
    id: "req-1",
    findingKey: "s3-bucket-tls-enforced|123456789012|us-east-1|arn:aws:s3:::b",
    remediationId: "s3-bucket-enforce-tls",
    plan: {},
    planFingerprint: "f1",
    requester: "U0REQ",
    state: "pending",
    createdAt: "2024-06-01T11:00:00.000Z",
    expiresAt: "2024-06-02T11:00:00.000Z",
    updatedAt: "2024-06-01T11:00:00.000Z",
    ...overrides,
  };
}

const alice = { kind: "slack", userId: "U0ALICE", teamId: "T0" } as const;

describe("decideApprove", () => {
  it("lets another user approve a pending request", () => {
    expect(decideApprove(request(), alice, NOW, true)).toEqual({ ok: true });
  });

  it("refuses the requester under four-eyes, and allows them without it", () => {
    const own = request({ requester: "U0ALICE" });
    expect(decideApprove(own, alice, NOW, true)).toMatchObject({ ok: false, code: "four-eyes" });
    expect(decideApprove(own, alice, NOW, false)).toEqual({ ok: true });
  });

  it("refuses an expired request even while it is still stored as pending", () => {
    const late = new Date("2024-06-02T11:00:00.000Z");
    expect(isExpired(request(), late)).toBe(true);
    expect(decideApprove(request(), alice, late, true)).toMatchObject({ ok: false, code: "expired" });
  });

  it("refuses a request that is no longer pending", () => {
    for (const state of ["approved", "applying", "applied", "rejected", "failed"] as const) {
      expect(decideApprove(request({ state }), alice, NOW, true)).toMatchObject({
        ok: false,
        code: "already-handled",
      });
    }
    expect(decideApprove(request({ state: "expired" }), alice, NOW, true)).toMatchObject({ code: "expired" });
  });
});

describe("decideReject", () => {
  it("rejects only pending, unexpired requests", () => {
    expect(decideReject(request(), NOW)).toEqual({ ok: true });
    expect(decideReject(request({ state: "applied" }), NOW)).toMatchObject({ code: "already-handled" });
    expect(decideReject(request(), new Date("2030-01-01T00:00:00Z"))).toMatchObject({ code: "expired" });
  });
});

describe("decideRetry", () => {
  it("resumes a failed fix at the step that failed", () => {
    const failed = request({
      state: "failed",
      result: { phase: "apply", outcome: "step-failed", stepsDone: ["1. kms:PutKeyPolicy"] },
    });
    expect(decideRetry(failed)).toEqual({ ok: true, phase: "apply", fromStep: 1 });
  });

  it("starts an interrupted run over, in the phase it was in", () => {
    const interrupted = request({ state: "interrupted", result: { phase: "revert", stepsDone: [] } });
    expect(decideRetry(interrupted)).toEqual({ ok: true, phase: "revert", fromStep: 0 });
  });

  it("does not retry drift, nor anything that did not fail", () => {
    const drift = request({ state: "failed", result: { phase: "apply", outcome: "drift", stepsDone: [] } });
    expect(decideRetry(drift)).toMatchObject({ ok: false, code: "not-retryable" });
    expect(decideRetry(request({ state: "applied" }))).toMatchObject({ ok: false, code: "not-retryable" });
  });
});

describe("decideRevert", () => {
  it("reverts applied, failed-after-a-step and interrupted fixes", () => {
    expect(decideRevert(request({ state: "applied" }))).toEqual({ ok: true });
    expect(
      decideRevert(
        request({
          state: "failed",
          result: { phase: "apply", outcome: "step-failed", stepsDone: ["1. x:Y"] },
        }),
      ),
    ).toEqual({ ok: true });
    expect(decideRevert(request({ state: "interrupted" }))).toEqual({ ok: true });
  });

  it("refuses when nothing was changed or the request never ran", () => {
    expect(
      decideRevert(request({ state: "failed", result: { phase: "apply", outcome: "drift", stepsDone: [] } })),
    ).toMatchObject({ ok: false, code: "not-revertible" });
    expect(
      decideRevert(
        request({ state: "failed", result: { phase: "apply", outcome: "step-failed", stepsDone: [] } }),
      ),
    ).toMatchObject({ ok: false, code: "not-revertible" });
    expect(decideRevert(request({ state: "pending" }))).toMatchObject({ ok: false, code: "not-revertible" });
  });
});

describe("decideDrift", () => {
  it("accepts the same fingerprint and refuses another or a refused plan", () => {
    expect(decideDrift("f1", { fingerprint: "f1" })).toEqual({ ok: true });
    expect(decideDrift("f1", { fingerprint: "f2" })).toMatchObject({ ok: false, code: "plan-changed" });
    expect(decideDrift("f1", { fingerprint: "f1", refusal: "gone" })).toMatchObject({
      ok: false,
      code: "plan-refused",
    });
  });
});

describe("decideRevertFourEyes", () => {
  it("refuses the requester under four-eyes, as for an approval, and allows anyone else", () => {
    const own = request({ requester: "U0ALICE", state: "applied" });
    expect(decideRevertFourEyes(own, alice, true)).toMatchObject({ ok: false, code: "four-eyes" });
    expect(decideRevertFourEyes(own, alice, false)).toEqual({ ok: true });
    expect(decideRevertFourEyes(request({ state: "applied" }), alice, true)).toEqual({ ok: true });
    const cli = request({ requester: "cli:alice", state: "applied" });
    expect(decideRevertFourEyes(cli, { kind: "cli", user: "alice" }, true)).toMatchObject({
      code: "four-eyes",
    });
  });
});

/**
 * The fix views: every state of the request message, the plan modal, the reject modal and the refusal, with
 * untrusted text everywhere they can show it, at any plan size.
 */
import type { View } from "@slack/types";
import { describe, expect, it } from "vitest";
import { makeFinding } from "../../../test/support/slack-fakes.js";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS } from "../ids.js";
import { checkMessage, checkView } from "../limits.js";
import { FIX_REQUEST_STATES, type FixPlanView, type FixRequestView } from "../ports.js";
import { parseFixSubmission, renderFixPlanModal, renderFixUnavailableModal } from "./fix-modal.js";
import { renderFixRefusal, renderFixRequestMessage } from "./fix-request-message.js";
import { parseRejectSubmission, renderRejectModal } from "./reject-modal.js";

const EVIL = "<!channel> <@U123> <https://evil.example|click> alice@example.com ``` <#C999>";
const NOW = new Date("2024-06-01T12:00:00.000Z");
const FINGERPRINT = "a".repeat(64);

function plan(steps: number, text = EVIL): FixPlanView {
  return {
    steps: Array.from({ length: steps }, (_, i) => ({
      service: "s3",
      operation: "PutBucketPolicy",
      region: "us-east-1",
      description: `Step ${i} on ${text}`,
    })),
    before: `{"x": "${text}"}\n`.repeat(200),
    after: `{"y": "${text}"}\n`.repeat(200),
    diff: `+ ${text}\n`.repeat(500),
    notes: Array.from({ length: 30 }, () => `Note ${text}`),
    fingerprint: FINGERPRINT,
  };
}

function request(overrides: Partial<FixRequestView> = {}): FixRequestView {
  return {
    id: "req_ABCDEFGHIJKLMNOPQRSTU",
    state: "pending",
    remediationId: "s3-bucket-enforce-tls",
    remediationTitle: "Deny requests to the bucket without TLS 1.2 or later",
    finding: {
      controlId: `s3-bucket-tls-enforced ${EVIL}`,
      accountId: "123456789012",
      region: "us-east-1",
      resourceArn: `arn:aws:s3:::${EVIL}`,
      severity: "high",
      title: `Title ${EVIL}`,
    },
    requestedBy: "U0REQUEST",
    requestReason: `because ${EVIL}`,
    requestedAt: new Date("2024-06-01T11:00:00.000Z"),
    expiresAt: new Date("2024-06-02T11:00:00.000Z"),
    updatedAt: new Date("2024-06-01T11:00:00.000Z"),
    plan: plan(40),
    ...overrides,
  };
}

function expectInert(value: unknown): void {
  const json = JSON.stringify(value);
  expect(json).not.toContain("<!");
  expect(json).not.toContain("<#C999");
  expect(json).not.toContain("<http");
  expect(json).not.toContain("alice@example.com");
  for (const mention of json.match(/<@[^>]*>/g) ?? [])
    expect(["<@U0REQUEST>", "<@U0APPROVER>"]).toContain(mention);
}

function buttons(message: ReturnType<typeof renderFixRequestMessage>): string[] {
  return message.blocks.flatMap((b) =>
    b.type === "actions" ? b.elements.map((e) => (e as { action_id: string }).action_id) : [],
  );
}

function values(message: ReturnType<typeof renderFixRequestMessage>): string[] {
  return message.blocks.flatMap((b) =>
    b.type === "actions" ? b.elements.map((e) => (e as { value: string }).value) : [],
  );
}

describe("the fix request message", () => {
  it.each(FIX_REQUEST_STATES)("%s: inert, within limits, buttons carry only the request id", (state) => {
    const message = renderFixRequestMessage(
      request({
        state,
        approvedBy: "U0APPROVER",
        rejectedBy: "U0APPROVER",
        rejectReason: `no ${EVIL}`,
        result: {
          phase: "apply",
          outcome: "step-failed",
          stepsDone: ["1. s3:PutBucketPolicy"],
          error: `AccessDenied ${EVIL}`,
          failedStep: "2. s3:PutBucketEncryption",
          recheck: { status: "FAIL", detail: `Still ${EVIL}` },
          by: "slack:U0APPROVER",
        },
      }),
      { now: NOW, approversConfigured: true },
    );
    expect(checkMessage(message)).toEqual([]);
    expectInert(message);
    for (const value of values(message)) expect(value).toBe("req_ABCDEFGHIJKLMNOPQRSTU");
  });

  it.each(["reverting", "reverted", "failed"] as const)(
    "%s revert: shows how the revert was planned, its steps and diff; inert and within limits",
    (state) => {
      const message = renderFixRequestMessage(
        request({
          state,
          approvedBy: "U0APPROVER",
          result: {
            phase: "revert",
            outcome: state === "failed" ? "step-failed" : "reverted",
            stepsDone: [],
            by: "slack:U0APPROVER",
            revert: {
              mode: "changed",
              steps: Array.from({ length: 30 }, (_, i) => `Remove statement ${i} ${EVIL}`),
              diff: `- ${EVIL}\n`.repeat(400),
              notes: Array.from({ length: 30 }, () => `Kept ${EVIL}`),
            },
          },
        }),
        { now: NOW, approversConfigured: true },
      );
      expect(checkMessage(message)).toEqual([]);
      expectInert(message);
      const json = JSON.stringify(message.blocks);
      expect(json).toContain("*The revert* (planned from a fresh read: the resource changed since the fix");
      expect(json).toContain("*Change*");
      if (state === "reverted") expect(json).toContain("later changes were kept");
    },
  );

  it("offers Approve behind a confirm dialog and Reject while pending", () => {
    const message = renderFixRequestMessage(request(), { now: NOW, approversConfigured: true });
    expect(buttons(message)).toEqual([ACTION_IDS.requestApprove, ACTION_IDS.requestReject]);
    const approve = message.blocks.find((b) => b.type === "actions");
    expect(JSON.stringify(approve)).toContain('"confirm"');
  });

  it("offers nothing once a pending request is past its time, and warns when nobody can approve", () => {
    const late = renderFixRequestMessage(request(), { now: new Date("2024-06-03T00:00:00Z") });
    expect(buttons(late)).toEqual([]);
    expect(JSON.stringify(late)).toContain("Expired");
    const nobody = renderFixRequestMessage(request(), { now: NOW, approversConfigured: false });
    expect(JSON.stringify(nobody)).toContain("No approvers are configured");
  });

  it("shows the outcome, who requested and approved, and Revert after applying", () => {
    const message = renderFixRequestMessage(
      request({
        state: "applied",
        approvedBy: "U0APPROVER",
        result: {
          phase: "apply",
          outcome: "applied",
          stepsDone: ["1. s3:PutBucketPolicy"],
          recheck: { status: "PASS", detail: "Denied." },
        },
      }),
      { now: NOW },
    );
    const json = JSON.stringify(message);
    expect(json).toContain("Approved by <@U0APPROVER>");
    expect(json).toContain("Requested by <@U0REQUEST>");
    expect(json).toContain("Re-check: *PASS*");
    expect(buttons(message)).toEqual([ACTION_IDS.requestRevert]);
  });

  it("offers Retry and Revert after a failed step, nothing after drift", () => {
    const failed = renderFixRequestMessage(
      request({ state: "failed", result: { phase: "apply", outcome: "step-failed", stepsDone: ["1. x:Y"] } }),
      { now: NOW },
    );
    expect(buttons(failed)).toEqual([ACTION_IDS.requestRetry, ACTION_IDS.requestRevert]);
    const drift = renderFixRequestMessage(
      request({ state: "failed", result: { phase: "apply", outcome: "drift", stepsDone: [] } }),
      { now: NOW },
    );
    expect(buttons(drift)).toEqual([]);
    expect(JSON.stringify(drift)).toContain("the resource changed");
  });

  it("stays within limits with a huge plan", () => {
    const message = renderFixRequestMessage(request({ plan: plan(500, "x".repeat(5000)) }), { now: NOW });
    expect(checkMessage(message)).toEqual([]);
  });
});

describe("the fix modals", () => {
  const preview = {
    finding: makeFinding({ title: `T ${EVIL}`, resourceArn: `arn:aws:s3:::${EVIL}` }),
    remediationTitle: "Deny requests to the bucket without TLS 1.2 or later",
    plan: plan(60),
  };

  it("renders the plan with Request approval, inert and within limits", () => {
    const view = renderFixPlanModal(
      preview,
      { ref: "x".repeat(22), fingerprint: FINGERPRINT, channelId: "C0SCANS" },
      { approvalsChannel: "C0APPROVE", approversConfigured: true },
    );
    expect(checkView(view as View)).toEqual([]);
    expectInert(view);
    expect(view.submit?.text).toBe("Request approval");
  });

  it("has no submit when the plan is refused or has nothing to do", () => {
    const refused = renderFixPlanModal(
      { ...preview, plan: { ...plan(0), refusal: `No ${EVIL}` } },
      { ref: "x".repeat(22), fingerprint: FINGERPRINT },
      { approversConfigured: true },
    );
    expect(refused.submit).toBeUndefined();
    expectInert(refused);
    expect(checkView(renderFixUnavailableModal(EVIL) as View)).toEqual([]);
    expectInert(renderFixUnavailableModal(EVIL));
  });

  it("parses a submission, with or without a reason, and refuses a tampered one", () => {
    const metadata = JSON.stringify({ ref: "x".repeat(22), fingerprint: FINGERPRINT });
    expect(parseFixSubmission(metadata, {})).toEqual({
      ok: true,
      metadata: { ref: "x".repeat(22), fingerprint: FINGERPRINT },
    });
    const withReason = {
      [BLOCK_IDS.fixReason]: { [INPUT_ACTION_IDS.fixReason]: { type: "plain_text_input", value: " SEC-1 " } },
    };
    expect(parseFixSubmission(metadata, withReason)).toMatchObject({ ok: true, reason: "SEC-1" });
    expect(parseFixSubmission("{not json", {})).toMatchObject({ ok: false });
    expect(parseFixSubmission(JSON.stringify({ ref: "../../x", fingerprint: "f" }), {})).toMatchObject({
      ok: false,
    });
  });

  it("renders the reject modal and requires a reason", () => {
    const view = renderRejectModal(request());
    expect(checkView(view as View)).toEqual([]);
    expectInert(view);
    const metadata = view.private_metadata as string;
    expect(JSON.parse(metadata)).toEqual({ requestId: "req_ABCDEFGHIJKLMNOPQRSTU" });
    const state = (value: string) => ({
      [BLOCK_IDS.rejectReason]: { [INPUT_ACTION_IDS.rejectReason]: { value } },
    });
    expect(parseRejectSubmission(metadata, state("no"))).toMatchObject({ ok: false });
    expect(parseRejectSubmission(metadata, state("not now"))).toEqual({
      ok: true,
      requestId: "req_ABCDEFGHIJKLMNOPQRSTU",
      reason: "not now",
    });
  });

  it("explains a refusal inertly", () => {
    const message = renderFixRefusal(`Denied ${EVIL}`);
    expect(checkMessage(message)).toEqual([]);
    expectInert(message);
  });
});

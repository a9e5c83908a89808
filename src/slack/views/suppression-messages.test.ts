import { describe, expect, it } from "vitest";
import { makeFinding } from "../../../test/support/slack-fakes.js";
import { ACTION_IDS } from "../ids.js";
import { checkMessage } from "../limits.js";
import type { SuppressionAnnouncementView, SuppressionRequestView } from "../ports.js";
import { renderRefusal } from "./refusal.js";
import {
  renderSuppressionAnnouncement,
  renderSuppressionRequested,
  renderSuppressionRequestMessage,
} from "./suppression-messages.js";

const EVIL = "<!channel> <@U123> <https://evil.example|click> alice@example.com";
const NOW = new Date("2026-03-01T08:00:00Z");
const finding = makeFinding({
  severity: "critical",
  title: `Key ${EVIL}`,
  resourceArn: `arn:aws:kms:us-east-1:123456789012:key/${EVIL}`,
});

function request(overrides: Partial<SuppressionRequestView> = {}): SuppressionRequestView {
  return {
    id: "AbCdEfGhIjKlMnOpQrStUv",
    state: "pending",
    finding,
    reason: `Because ${EVIL}`,
    days: 30,
    why: "the finding is critical",
    requestedBy: "slack:U0REQ",
    requestedAt: NOW,
    expiresAt: new Date(NOW.getTime() + 86_400_000),
    ...overrides,
  };
}

function buttons(blocks: unknown): string[] {
  return (blocks as Array<{ type: string; elements?: Array<{ action_id?: string }> }>)
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ""));
}

function inert(text: string): void {
  expect(text).not.toMatch(/<!channel>|<@U123>|<https:|alice@example\.com/);
}

describe("suppression request message", () => {
  it("offers Approve (behind a confirm) and Reject only while pending, carrying the request id only", () => {
    const pending = renderSuppressionRequestMessage(request(), NOW);
    expect(checkMessage(pending)).toEqual([]);
    expect(buttons(pending.blocks)).toEqual([ACTION_IDS.suppressionApprove, ACTION_IDS.suppressionReject]);
    const json = JSON.stringify(pending.blocks);
    expect(json).toContain('"confirm"');
    expect(json).toContain("the finding is critical");
    expect(json).toContain("Requested by <@U0REQ>");
    expect(json).toContain("for 30 days");
    for (const block of pending.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }>) {
      if (block.type === "actions")
        for (const e of block.elements ?? []) expect(e.value).toBe("AbCdEfGhIjKlMnOpQrStUv");
    }
    inert(json);
    inert(pending.text);
    for (const state of ["approved", "rejected", "expired"] as const) {
      const done = renderSuppressionRequestMessage(
        request({
          state,
          approvedBy: "slack:U0APP",
          rejectedBy: "slack:U0APP",
          suppressionId: "sup-abcd2345",
        }),
        NOW,
      );
      expect(buttons(done.blocks)).toEqual([]);
      expect(checkMessage(done)).toEqual([]);
    }
    expect(
      JSON.stringify(
        renderSuppressionRequestMessage(request({ state: "approved", approvedBy: "slack:U0APP" }), NOW)
          .blocks,
      ),
    ).toContain("*Approved* by <@U0APP>");
    const lapsed = renderSuppressionRequestMessage(request(), new Date(NOW.getTime() + 2 * 86_400_000));
    expect(buttons(lapsed.blocks)).toEqual([]);
    expect(
      JSON.stringify(renderSuppressionRequestMessage(request({ days: undefined as never }), NOW).blocks),
    ).toContain("until someone lifts it");
  });

  it("tells the requester where it waits", () => {
    const notice = renderSuppressionRequested(request(), "C0APPROVE");
    expect(JSON.stringify(notice.blocks)).toContain("<#C0APPROVE>");
    expect(notice.text).toMatch(/^Suppression requested \(AbCdEfGhIjKlMnOpQrStUv\)/);
  });
});

describe("suppression announcements", () => {
  const base: SuppressionAnnouncementView = {
    kind: "suppressed",
    suppressionId: "sup-abcd2345",
    finding,
    target: "ignored",
    reason: `Because ${EVIL}`,
    by: "slack:U0REQ",
    approvedBy: "slack:U0APP",
    expiresAt: new Date("2026-04-01T00:00:00Z"),
    handle: undefined,
  };

  it("says who made or lifted it, until when, and why, with every untrusted text inert", () => {
    const made = renderSuppressionAnnouncement(base);
    expect(checkMessage(made)).toEqual([]);
    const json = JSON.stringify(made.blocks);
    expect(json).toContain("until 2026-04-01 00:00 UTC by <@U0REQ>, approved by <@U0APP>");
    inert(json);
    inert(made.text);
    const lifted = JSON.stringify(
      renderSuppressionAnnouncement({ ...base, kind: "lifted", by: "cli:alice" }).blocks,
    );
    expect(lifted).toContain("Suppression lifted* by `cli:alice`");
    const ran = renderSuppressionAnnouncement({ ...base, kind: "expired" });
    expect(ran.text).toMatch(/^Suppression ran out: critical Key/);
    const control = renderSuppressionAnnouncement({
      kind: "suppressed",
      suppressionId: "sup-x",
      target: `s3-bucket-tls-enforced on arn:aws:s3:::${EVIL}*`,
      reason: "r",
      by: "cli:alice",
      handle: undefined,
    });
    expect(JSON.stringify(control.blocks)).toContain("until someone lifts it");
    inert(JSON.stringify(control.blocks));
  });
});

describe("refusals", () => {
  it("read well in notifications: no emoji codes, nothing stripped from ids", () => {
    const refusal = renderRefusal(
      "You need the *approvers* role to approve fixes. Ask an administrator to add you to `slack.approvers`.",
    );
    expect(refusal.text).toBe(
      "You need the approvers role to approve fixes. Ask an administrator to add you to slack.approvers.",
    );
    expect(checkMessage(refusal)).toEqual([]);
  });
});

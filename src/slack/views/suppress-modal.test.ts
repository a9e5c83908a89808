import { describe, expect, it } from "vitest";
import { makeFinding, recordOf } from "../../../test/support/slack-fakes.js";
import { findingRef } from "../finding-ref.js";
import { BLOCK_IDS, INPUT_ACTION_IDS } from "../ids.js";
import { checkView } from "../limits.js";
import { parseSuppressSubmission, renderSuppressModal } from "./suppress-modal.js";

const ref = findingRef(makeFinding());
const values = (reason: string | null, duration: string | undefined) => ({
  [BLOCK_IDS.suppressReason]: {
    [INPUT_ACTION_IDS.suppressReason]: { type: "plain_text_input", value: reason },
  },
  [BLOCK_IDS.suppressDuration]: {
    [INPUT_ACTION_IDS.suppressDuration]: {
      type: "static_select",
      selected_option: duration === undefined ? null : { value: duration },
    },
  },
});

describe("suppress modal", () => {
  it("renders within limits and round-trips its metadata", () => {
    const view = renderSuppressModal(recordOf(makeFinding()), { ref, channelId: "C0SEC" }, { maxDays: 90 });
    expect(checkView(view)).toEqual([]);
    const parsed = parseSuppressSubmission(
      view.private_metadata ?? "",
      values("Accepted risk until Q3.", "90"),
      90,
    );
    expect(parsed).toEqual({
      ok: true,
      metadata: { ref, channelId: "C0SEC" },
      reason: "Accepted risk until Q3.",
      days: 90,
    });
  });

  it("returns field errors keyed by block id", () => {
    const meta = JSON.stringify({ ref });
    expect(parseSuppressSubmission(meta, values("no", "30"), 90)).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.suppressReason]: "Give a reason of 3 to 500 characters." },
    });
    expect(parseSuppressSubmission(meta, values("Fine reason", undefined), 90)).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.suppressDuration]: "Choose a duration." },
    });
    expect(parseSuppressSubmission("{not json", values("Fine reason", "7"), 90).ok).toBe(false);
    expect(
      parseSuppressSubmission(JSON.stringify({ ref: "arn:aws:s3:::x" }), values("Fine reason", "7"), 90).ok,
    ).toBe(false);
  });

  it("offers durations up to maxDays and until lifted, and refuses a forged longer one", () => {
    const view = renderSuppressModal(recordOf(makeFinding()), { ref }, { maxDays: 45 });
    const json = JSON.stringify(view);
    expect(json).toContain('"value":"7"');
    expect(json).toContain('"value":"30"');
    expect(json).toContain('"value":"45"');
    expect(json).not.toContain('"value":"90"');
    expect(json).toContain("Until lifted (needs approval)");
    const meta = JSON.stringify({ ref });
    expect(parseSuppressSubmission(meta, values("Fine reason", "46"), 45)).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.suppressDuration]: "Choose at most 45 days." },
    });
    expect(parseSuppressSubmission(meta, values("Fine reason", "0"), 45)).toEqual({
      ok: true,
      metadata: { ref },
      reason: "Fine reason",
    });
  });

  it("says when a suppression needs an approver, for critical and high findings", () => {
    const high = JSON.stringify(
      renderSuppressModal(
        recordOf(makeFinding({ severity: "high" })),
        { ref },
        { maxDays: 90, approvalsChannel: "C0APP" },
      ),
    );
    expect(high).toContain("approver other than you approves in <#C0APP>");
    const low = JSON.stringify(
      renderSuppressModal(recordOf(makeFinding({ severity: "low" })), { ref }, { maxDays: 90 }),
    );
    expect(low).toContain("announced");
  });
});

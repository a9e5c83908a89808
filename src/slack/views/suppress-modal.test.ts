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
    const view = renderSuppressModal(recordOf(makeFinding()), { ref, channelId: "C0SEC" });
    expect(checkView(view)).toEqual([]);
    const parsed = parseSuppressSubmission(
      view.private_metadata ?? "",
      values("Accepted risk until Q3.", "90"),
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
    expect(parseSuppressSubmission(meta, values("no", "30"))).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.suppressReason]: "Give a reason of 3 to 500 characters." },
    });
    expect(parseSuppressSubmission(meta, values("Fine reason", undefined))).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.suppressDuration]: "Choose a duration." },
    });
    expect(parseSuppressSubmission("{not json", values("Fine reason", "7")).ok).toBe(false);
    expect(
      parseSuppressSubmission(JSON.stringify({ ref: "arn:aws:s3:::x" }), values("Fine reason", "7")).ok,
    ).toBe(false);
  });
});

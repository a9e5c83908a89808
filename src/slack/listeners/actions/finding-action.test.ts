import { describe, expect, it } from "vitest";
import { makeFinding } from "../../../../test/support/slack-fakes.js";
import { findingRef } from "../../finding-ref.js";
import { parseFindingAction } from "./finding-action.js";

const ref = findingRef(makeFinding());

describe("parseFindingAction", () => {
  it("reads buttons and overflow options", () => {
    expect(parseFindingAction({ type: "button", action_id: "finding:fix", value: ref })).toEqual({
      kind: "fix",
      ref,
    });
    expect(
      parseFindingAction({
        type: "overflow",
        action_id: "finding:menu",
        selected_option: { value: `suppress:${ref}` },
      }),
    ).toEqual({ kind: "suppress", ref });
  });

  it("ignores anything that is not an opaque ref of ours", () => {
    expect(
      parseFindingAction({ type: "button", action_id: "finding:fix", value: "arn:aws:s3:::bucket" }),
    ).toBeUndefined();
    expect(parseFindingAction({ type: "button", action_id: "finding:approve", value: ref })).toBeUndefined();
    expect(
      parseFindingAction({
        type: "overflow",
        action_id: "finding:menu",
        selected_option: { value: `delete:${ref}` },
      }),
    ).toBeUndefined();
    expect(parseFindingAction(undefined)).toBeUndefined();
  });
});

/** Slack shows each finding's id where the finding is shown, and its buttons carry that id and nothing else. */
import { describe, expect, it } from "vitest";
import { makeFinding, recordOf } from "../../../test/support/slack-fakes.js";
import { findingId } from "../../domain/finding.js";
import { parseFindingAction } from "../listeners/actions/finding-action.js";
import { compactFindingBlock, detailedFindingBlocks, errorFindingBlock } from "./finding-blocks.js";
import { renderFindingDetailsModal } from "./finding-details-modal.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/3fa85f64-5717-4562-b3fc-a123456789ab";
const key = makeFinding({
  controlId: "kms-key-rotation-enabled",
  resourceArn: KEY_ARN,
  resourceType: "kms-key",
  remediationId: "kms-enable-key-rotation",
});
const named = makeFinding({
  controlId: "forecast-names-no-sensitive-data",
  resourceArn: "arn:aws:forecast:us-east-1:123456789012:dataset/sales_4111111111111111",
  resourceType: "forecast-dataset",
});

describe("finding ids in Slack", () => {
  it("shows the id in every finding block and carries it in every button and menu option", () => {
    for (const f of [key, named]) {
      const id = findingId(f);
      const detailed = JSON.stringify(detailedFindingBlocks(f));
      expect(detailed).toContain(`\`${id}\``);
      const buttons = detailedFindingBlocks(f)
        .filter((b) => b.type === "actions")
        .flatMap((b) => (b as { elements: Array<{ value?: string }> }).elements);
      for (const b of buttons) expect(b.value).toBe(id);
      const compact = compactFindingBlock(f);
      expect(JSON.stringify(compact)).toContain(`\`${id}\``);
      const options = (compact.accessory as { options: Array<{ value: string }> }).options;
      for (const o of options) {
        expect(
          parseFindingAction({ type: "overflow", action_id: "finding:menu", selected_option: o })?.ref,
        ).toBe(id);
      }
      expect(JSON.stringify(errorFindingBlock({ ...f, status: "ERROR" }))).toContain(id);
      expect(JSON.stringify(renderFindingDetailsModal(recordOf(f)))).toContain(`*Finding id*\\n\`${id}\``);
    }
  });

  it("keeps a key id whole and masks a name that holds a card number", () => {
    expect(JSON.stringify(detailedFindingBlocks(key))).toContain(KEY_ARN);
    const text = JSON.stringify(detailedFindingBlocks(named));
    expect(text).toContain("dataset/sales_[payment-card]");
    expect(text).not.toContain("4111111111111111");
  });
});

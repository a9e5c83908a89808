/** The Fix modal's key and tag select: options within Block Kit's limits, values opaque, labels inert. */
import type { PlainTextOption, SectionBlock, View } from "@slack/types";
import { describe, expect, it } from "vitest";
import { makeFinding } from "../../../test/support/slack-fakes.js";
import { ACTION_IDS, BLOCK_IDS } from "../ids.js";
import { checkView, LIMITS } from "../limits.js";
import type { FixPlanView } from "../ports.js";
import {
  MAX_CHOICES,
  parseChoiceValue,
  parseFixSubmission,
  renderChoiceBlock,
  renderFixPlanModal,
} from "./fix-modal.js";

const FINGERPRINT = "b".repeat(64);
const EVIL_ALIAS = "alias/<!channel>-<https://evil.example|x>-&";
const EMAIL = "jane.doe@example.com";

function plan(choice: FixPlanView["choice"]): FixPlanView {
  const view: FixPlanView = {
    steps: [
      { service: "s3", operation: "PutBucketEncryption", region: "us-east-1", description: "Encrypt." },
    ],
    before: "a",
    after: "b",
    notes: [],
    fingerprint: FINGERPRINT,
  };
  if (choice) view.choice = choice;
  return view;
}

function selectOf(block: SectionBlock) {
  return block.accessory as {
    type: string;
    action_id: string;
    options: PlainTextOption[];
    initial_option?: PlainTextOption;
  };
}

function modal(choice: FixPlanView["choice"]) {
  return renderFixPlanModal(
    { finding: makeFinding(), remediationTitle: "Encrypt", plan: plan(choice) },
    { ref: "x".repeat(22), fingerprint: FINGERPRINT, choice: 1 },
    { approversConfigured: true },
  );
}

describe("the Fix modal's choice", () => {
  it("offers the keys by index, preselects the plan's, and keeps labels inert and short", () => {
    const long = `${"k".repeat(36)} (alias/${"a".repeat(80)})`;
    const choice = {
      kind: "kms-key" as const,
      labels: ["1111 (alias/ok)", `2222 (${EVIL_ALIAS})`, long],
      selected: 1,
    };
    const view = modal(choice);
    expect(checkView(view as View)).toEqual([]);
    const block = view.blocks.find((b) => b.block_id === BLOCK_IDS.fixChoice) as SectionBlock;
    const select = selectOf(block);
    expect(select.type).toBe("static_select");
    expect(select.action_id).toBe(ACTION_IDS.fixChoice);
    expect(select.options.map((o) => o.value)).toEqual(["0", "1", "2"]);
    expect(select.initial_option?.value).toBe("1");
    for (const option of select.options)
      expect(option.text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
    const json = JSON.stringify(view);
    expect(json).not.toContain("<!channel>");
    expect(json).not.toContain("<http");
    expect(JSON.parse(view.private_metadata ?? "{}")).toMatchObject({ choice: 1 });
  });

  it("has no preselected key when the plan chose none", () => {
    const block = renderChoiceBlock({ kind: "kms-key", labels: ["1111", "2222"] });
    expect(selectOf(block).initial_option).toBeUndefined();
  });

  it("offers all flagged tags by default, masks sensitive keys, and never puts a key in a value", () => {
    const block = renderChoiceBlock({ kind: "tag-key", labels: [EMAIL, "ssn"] });
    const select = selectOf(block);
    expect(select.options.map((o) => o.value)).toEqual(["all", "0", "1"]);
    expect(select.initial_option?.value).toBe("all");
    expect(JSON.stringify(block)).not.toContain(EMAIL);
    expect(select.options.map((o) => o.value)).not.toContain("ssn");
  });

  it("offers at most 100 options however many candidates there are", () => {
    const labels = Array.from({ length: 250 }, (_, i) => `key-${i}`);
    for (const kind of ["kms-key", "tag-key"] as const) {
      const select = selectOf(renderChoiceBlock({ kind, labels }));
      expect(select.options).toHaveLength(MAX_CHOICES);
      expect(new Set(select.options.map((o) => o.value)).size).toBe(MAX_CHOICES);
    }
  });

  it("parses only `all` or an index below the cap", () => {
    expect(parseChoiceValue("all")).toEqual({ ok: true });
    expect(parseChoiceValue("7")).toEqual({ ok: true, choice: 7 });
    for (const bad of ["100", "-1", "1e2", "arn:aws:kms:us-east-1:123456789012:key/x", ""]) {
      expect(parseChoiceValue(bad)).toEqual({ ok: false });
    }
  });

  it("carries the shown choice through the submission and refuses a tampered one", () => {
    const metadata = { ref: "x".repeat(22), fingerprint: FINGERPRINT, choice: 3 };
    expect(parseFixSubmission(JSON.stringify(metadata), {})).toEqual({ ok: true, metadata });
    expect(parseFixSubmission(JSON.stringify({ ...metadata, choice: "arn:x" }), {})).toMatchObject({
      ok: false,
    });
  });
});

/**
 * The Fix modal: opened at once while the resource is read, then updated with the exact plan (every API
 * call, the before/after), an optional reason and Request approval. Its submission is parsed by
 * parseFixSubmission.
 */
import type { ModalView, PlainTextOption, SectionBlock } from "@slack/types";
import { z } from "zod";
import { FINDING_REF_PATTERN } from "../finding-ref.js";
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { escapeMrkdwn, mentionChannel, truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FindingRecord, FixPlanChoice, FixPreview } from "../ports.js";
import { context, plain, section } from "./blocks.js";
import { findingLines, planBlocks } from "./fix-plan.js";
import { severityBadge } from "./format.js";

/** Block Kit allows 100 options in a static select; the tag select spends one on "all flagged tags". */
export const MAX_CHOICES = 100;
const ALL_TAGS = "all";

export const fixMetadataSchema = z.object({
  ref: z.string().regex(FINDING_REF_PATTERN),
  fingerprint: z.string().regex(/^[a-f0-9]{64}$/),
  channelId: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,}$/)
    .optional(),
  /** The candidate index the shown plan (and its fingerprint) was made with. */
  choice: z.number().int().min(0).max(MAX_CHOICES).optional(),
});
export type FixMetadata = z.infer<typeof fixMetadataSchema>;

/** The first view, opened within the trigger's 3 seconds while the plan is made from a fresh read. */
export function renderFixModal(record: FindingRecord, ref: string): ModalView {
  const f = record.finding;
  const remediation = f.remediationId ? untrustedCode(f.remediationId) : "none (manual guidance only)";
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.fixModal,
    private_metadata: JSON.stringify({ ref }),
    title: plain("Fix finding", LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks: [
      section(
        `${severityBadge(f.severity)} · *${untrusted(f.title)}*\n${truncateMrkdwn(untrustedCode(f.resourceArn), 1500)}`,
      ),
      section(`*Remediation:* ${remediation}`),
      context(":hourglass_flowing_sand: Reading the resource now to make the exact plan…"),
    ],
  };
}

function choiceOption(label: string, index: number): PlainTextOption {
  return { text: plain(untrusted(label), LIMITS.optionText), value: String(index) };
}

/** A select of the plan's candidates; values are indexes (or `all`), never the ARN or tag key. */
export function renderChoiceBlock(choice: FixPlanChoice): SectionBlock {
  const tags = choice.kind === "tag-key";
  const options: PlainTextOption[] = [];
  if (tags) options.push({ text: plain("All flagged tags", LIMITS.optionText), value: ALL_TAGS });
  choice.labels.slice(0, MAX_CHOICES - options.length).forEach((label, i) => {
    options.push(choiceOption(label, i));
  });
  const initial =
    choice.selected !== undefined
      ? options.find((o) => o.value === String(choice.selected))
      : tags
        ? options[0]
        : undefined;
  const cut = choice.labels.length > options.length - (tags ? 1 : 0);
  const text = tags
    ? "*Tags to remove:* every flagged tag, or just one."
    : `*Key:* the customer-managed key (enabled, symmetric, in the bucket's region) to encrypt with.${
        cut ? ` Only the first ${options.length} are offered.` : ""
      }`;
  return {
    type: "section",
    block_id: BLOCK_IDS.fixChoice,
    text: { type: "mrkdwn", text },
    accessory: {
      type: "static_select",
      action_id: ACTION_IDS.fixChoice,
      placeholder: plain(tags ? "Choose tags" : "Choose a key", LIMITS.optionText),
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** The choice a select's option value stands for: an index, or undefined for the default (`all`). */
export function parseChoiceValue(value: string): { ok: true; choice?: number } | { ok: false } {
  if (value === ALL_TAGS) return { ok: true };
  if (!/^\d{1,3}$/.test(value)) return { ok: false };
  const choice = Number(value);
  return choice < MAX_CHOICES ? { ok: true, choice } : { ok: false };
}

/** The plan, with Request approval when there is something safe to do. */
export function renderFixPlanModal(
  preview: FixPreview,
  metadata: FixMetadata,
  options: { approvalsChannel?: string; approversConfigured: boolean },
): ModalView {
  const { plan } = preview;
  const canRequest = plan.refusal === undefined && plan.steps.length > 0;
  const where = options.approvalsChannel
    ? `The request goes to ${mentionChannel(options.approvalsChannel)}`
    : "The request is posted in this channel";
  const blocks: ModalView["blocks"] = [
    section(`*${escapeMrkdwn(preview.remediationTitle)}*\n${findingLines(preview.finding)}`),
    ...(plan.choice ? [renderChoiceBlock(plan.choice)] : []),
    ...planBlocks(plan),
  ];
  if (canRequest) {
    blocks.push({
      type: "input",
      block_id: BLOCK_IDS.fixReason,
      optional: true,
      label: plain("Why (optional)", 2000),
      element: {
        type: "plain_text_input",
        action_id: INPUT_ACTION_IDS.fixReason,
        multiline: true,
        max_length: 500,
      },
    });
    blocks.push(
      context(
        `${where}; an approver other than you must approve it before anything changes. It expires if nobody does.${
          options.approversConfigured
            ? ""
            : " :warning: No approvers are configured (`slack.approvers`), so nobody can approve it yet."
        }`,
      ),
    );
  }
  const view: ModalView = {
    type: "modal",
    callback_id: CALLBACK_IDS.fixModal,
    private_metadata: JSON.stringify(metadata),
    title: plain("Fix finding", LIMITS.modalTitle),
    close: plain(canRequest ? "Cancel" : "Close", LIMITS.modalButton),
    blocks,
  };
  if (canRequest) view.submit = plain("Request approval", LIMITS.modalButton);
  return view;
}

/** Why no plan could be made; our own words plus the untrusted reason. */
export function renderFixUnavailableModal(reason: string): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.fixModal,
    title: plain("Fix finding", LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks: [section(`:no_entry: ${truncateMrkdwn(untrusted(reason), 2500)}`)],
  };
}

export type FixSubmission =
  | { ok: true; metadata: FixMetadata; reason?: string }
  | { ok: false; errors: Record<string, string> };

const stateSchema = z
  .object({
    [BLOCK_IDS.fixReason]: z
      .object({
        [INPUT_ACTION_IDS.fixReason]: z.object({ value: z.string().trim().max(500).nullish() }).optional(),
      })
      .optional(),
  })
  .passthrough();

export function parseFixSubmission(privateMetadata: string, stateValues: unknown): FixSubmission {
  let raw: unknown;
  try {
    raw = JSON.parse(privateMetadata);
  } catch {
    raw = undefined;
  }
  const metadata = fixMetadataSchema.safeParse(raw);
  if (!metadata.success) {
    return { ok: false, errors: { [BLOCK_IDS.fixReason]: "This form has expired; open Fix again." } };
  }
  const state = stateSchema.safeParse(stateValues ?? {});
  if (!state.success) {
    return { ok: false, errors: { [BLOCK_IDS.fixReason]: "Give a reason of at most 500 characters." } };
  }
  const reason = state.data[BLOCK_IDS.fixReason]?.[INPUT_ACTION_IDS.fixReason]?.value?.trim();
  return reason ? { ok: true, metadata: metadata.data, reason } : { ok: true, metadata: metadata.data };
}

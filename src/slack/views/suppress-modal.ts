/**
 * The Suppress modal: a reason and how long (at most `slack.suppression.maxDays`, or until lifted); its
 * submission is parsed by parseSuppressSubmission, which checks the duration again: option values come
 * back from the client.
 */
import type { ModalView } from "@slack/types";
import { z } from "zod";
import { FINDING_REF_PATTERN } from "../finding-ref.js";
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { mentionChannel, truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FindingRecord } from "../ports.js";
import { context, plain, section } from "./blocks.js";
import { severityBadge } from "./format.js";

const STANDARD_DAYS = [7, 30, 90, 180, 365] as const;
const UNTIL_LIFTED = "0";

/** The durations offered: the standard ones up to `maxDays`, `maxDays` itself, and "until lifted". */
export function suppressDurations(maxDays: number): { value: string; text: string }[] {
  const days = [...new Set([...STANDARD_DAYS.filter((d) => d <= maxDays), maxDays])].sort((a, b) => a - b);
  return [
    ...days.map((d) => ({ value: String(d), text: d === 1 ? "1 day" : `${d} days` })),
    { value: UNTIL_LIFTED, text: "Until lifted (needs approval)" },
  ];
}

const metadataSchema = z.object({
  ref: z.string().regex(FINDING_REF_PATTERN),
  channelId: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,}$/)
    .optional(),
});
export type SuppressMetadata = z.infer<typeof metadataSchema>;

export function renderSuppressModal(
  record: FindingRecord,
  metadata: SuppressMetadata,
  options: { maxDays: number; approvalsChannel?: string },
): ModalView {
  const f = record.finding;
  const durations = suppressDurations(options.maxDays);
  const first = durations.find((d) => d.value === "30") ?? (durations[0] as { value: string; text: string });
  const needsApproval = f.severity === "critical" || f.severity === "high";
  const where = options.approvalsChannel ? ` in ${mentionChannel(options.approvalsChannel)}` : "";
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.suppressModal,
    private_metadata: JSON.stringify(metadata),
    title: plain("Suppress finding", LIMITS.modalTitle),
    submit: plain("Suppress", LIMITS.modalButton),
    close: plain("Cancel", LIMITS.modalButton),
    blocks: [
      section(
        `${severityBadge(f.severity)} · *${untrusted(f.title)}*\n${truncateMrkdwn(untrustedCode(f.resourceArn), 1500)}`,
      ),
      context(
        needsApproval
          ? `:lock: A ${f.severity} finding is suppressed only once an approver other than you approves${where}; everyone there sees the request.`
          : `:mega: The suppression is announced${where || " in the approvals channel"}. "Until lifted" needs an approver's approval; anything else lasts at most ${options.maxDays} days.`,
      ),
      {
        type: "input",
        block_id: BLOCK_IDS.suppressReason,
        label: plain("Why is this acceptable?", 2000),
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION_IDS.suppressReason,
          multiline: true,
          min_length: 3,
          max_length: 500,
        },
      },
      {
        type: "input",
        block_id: BLOCK_IDS.suppressDuration,
        label: plain("For how long?", 2000),
        element: {
          type: "static_select",
          action_id: INPUT_ACTION_IDS.suppressDuration,
          initial_option: { text: plain(first.text), value: first.value },
          options: durations.map((d) => ({ text: plain(d.text), value: d.value })),
        },
      },
    ],
  };
}

const stateSchema = z.object({
  [BLOCK_IDS.suppressReason]: z.object({
    [INPUT_ACTION_IDS.suppressReason]: z.object({ value: z.string().trim().min(3).max(500) }),
  }),
  [BLOCK_IDS.suppressDuration]: z.object({
    [INPUT_ACTION_IDS.suppressDuration]: z.object({
      selected_option: z.object({ value: z.string().regex(/^\d{1,4}$/) }),
    }),
  }),
});

export type SuppressSubmission =
  /** `days` absent: until lifted. */
  | { ok: true; metadata: SuppressMetadata; reason: string; days?: number }
  | { ok: false; errors: Record<string, string> };

/** Validates a submitted Suppress modal; errors are keyed by block id, as Slack shows them. */
export function parseSuppressSubmission(
  privateMetadata: string,
  stateValues: unknown,
  maxDays: number,
): SuppressSubmission {
  let metadataRaw: unknown;
  try {
    metadataRaw = JSON.parse(privateMetadata);
  } catch {
    metadataRaw = undefined;
  }
  const metadata = metadataSchema.safeParse(metadataRaw);
  if (!metadata.success)
    return { ok: false, errors: { [BLOCK_IDS.suppressReason]: "This form has expired; open it again." } };
  const state = stateSchema.safeParse(stateValues);
  if (!state.success) {
    const errors: Record<string, string> = {};
    for (const issue of state.error.issues) {
      const block = String(issue.path[0] ?? BLOCK_IDS.suppressReason);
      errors[block] =
        block === BLOCK_IDS.suppressDuration ? "Choose a duration." : "Give a reason of 3 to 500 characters.";
    }
    return { ok: false, errors };
  }
  const days = Number(
    state.data[BLOCK_IDS.suppressDuration][INPUT_ACTION_IDS.suppressDuration].selected_option.value,
  );
  if (days > maxDays) {
    return { ok: false, errors: { [BLOCK_IDS.suppressDuration]: `Choose at most ${maxDays} days.` } };
  }
  const reason = state.data[BLOCK_IDS.suppressReason][INPUT_ACTION_IDS.suppressReason].value;
  return days === 0
    ? { ok: true, metadata: metadata.data, reason }
    : { ok: true, metadata: metadata.data, reason, days };
}

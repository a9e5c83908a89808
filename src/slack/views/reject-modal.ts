/** The Reject modal: the reason an approver gives; its submission is parsed by parseRejectSubmission. */
import type { ModalView } from "@slack/types";
import { z } from "zod";
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { FixRequestView } from "../ports.js";
import { plain, section } from "./blocks.js";
import { findingLines } from "./fix-plan.js";

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

const metadataSchema = z.object({ requestId: z.string().regex(REQUEST_ID_PATTERN) });

export function renderRejectModal(request: FixRequestView): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.rejectModal,
    private_metadata: JSON.stringify({ requestId: request.id }),
    title: plain("Reject fix", LIMITS.modalTitle),
    submit: plain("Reject", LIMITS.modalButton),
    close: plain("Cancel", LIMITS.modalButton),
    blocks: [
      section(`*${escapeMrkdwn(request.remediationTitle)}*\n${findingLines(request.finding)}`),
      {
        type: "input",
        block_id: BLOCK_IDS.rejectReason,
        label: plain("Why is it rejected?", 2000),
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION_IDS.rejectReason,
          multiline: true,
          min_length: 3,
          max_length: 500,
        },
      },
    ],
  };
}

const stateSchema = z.object({
  [BLOCK_IDS.rejectReason]: z.object({
    [INPUT_ACTION_IDS.rejectReason]: z.object({ value: z.string().trim().min(3).max(500) }),
  }),
});

export type RejectSubmission =
  | { ok: true; requestId: string; reason: string }
  | { ok: false; errors: Record<string, string> };

export function parseRejectSubmission(privateMetadata: string, stateValues: unknown): RejectSubmission {
  let raw: unknown;
  try {
    raw = JSON.parse(privateMetadata);
  } catch {
    raw = undefined;
  }
  const metadata = metadataSchema.safeParse(raw);
  if (!metadata.success) return { ok: false, errors: { [BLOCK_IDS.rejectReason]: "This form has expired." } };
  const state = stateSchema.safeParse(stateValues);
  if (!state.success) {
    return { ok: false, errors: { [BLOCK_IDS.rejectReason]: "Give a reason of 3 to 500 characters." } };
  }
  return {
    ok: true,
    requestId: metadata.data.requestId,
    reason: state.data[BLOCK_IDS.rejectReason][INPUT_ACTION_IDS.rejectReason].value,
  };
}

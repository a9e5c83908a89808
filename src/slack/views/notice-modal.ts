/** A modal that only tells something: a finding that is gone, a permission that is missing. */
import type { ModalView } from "@slack/types";
import { CALLBACK_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { plain, section } from "./blocks.js";

/** `title` and `text` are our own words; callers escape anything untrusted they put in `text`. */
export function renderNoticeModal(title: string, text: string): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.noticeModal,
    title: plain(title, LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks: [section(text)],
  };
}

export function renderFindingGoneModal(): ModalView {
  return renderNoticeModal(
    "Finding not found",
    "This finding is no longer open: it was resolved or suppressed since the message was posted. Run `/forecast-audit status` or a new scan for the current picture.",
  );
}

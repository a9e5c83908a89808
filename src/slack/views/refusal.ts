/** What a refused request shows, wherever it came from: a message, a modal, or the Home tab. Pure. */
import type { HomeView, ModalView } from "@slack/types";
import type { SlackMessage } from "../limits.js";
import { header, section } from "./blocks.js";
import { renderNoticeModal } from "./notice-modal.js";
import { renderNotice } from "./usage.js";

/** `reason` is our own mrkdwn (the policy's words), never untrusted text. */
export function renderRefusal(reason: string): SlackMessage {
  return renderNotice(`:no_entry: ${reason}`);
}

export function renderRefusalModal(reason: string): ModalView {
  return renderNoticeModal("Not allowed", `:no_entry: ${reason}`);
}

export function renderRefusalHome(reason: string): HomeView {
  return { type: "home", blocks: [header("Forecast audit"), section(`:no_entry: ${reason}`)] };
}

/** Small typed constructors for the blocks the views use; every text passes through the limits here. */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  Overflow,
  PlainTextElement,
  SectionBlock,
} from "@slack/types";
import { LIMITS } from "../limits.js";
import { truncateMrkdwn } from "../mrkdwn.js";

/** Plain text for our own words only; untrusted text goes into mrkdwn, escaped. */
export function plain(text: string, max: number = LIMITS.sectionText): PlainTextElement {
  return { type: "plain_text", text: truncateMrkdwn(text, max), emoji: true };
}

export function section(mrkdwn: string, max: number = LIMITS.sectionText): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text: truncateMrkdwn(mrkdwn, max) } };
}

export function header(text: string): HeaderBlock {
  return { type: "header", text: plain(text, LIMITS.headerText) };
}

export function context(...mrkdwn: string[]): ContextBlock {
  return {
    type: "context",
    elements: mrkdwn
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: "mrkdwn" as const, text: truncateMrkdwn(text, LIMITS.sectionText) })),
  };
}

export function divider(): DividerBlock {
  return { type: "divider" };
}

export function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  const b: Button = { type: "button", text: plain(text, LIMITS.buttonText), action_id: actionId, value };
  if (style) b.style = style;
  return b;
}

export function actions(...elements: Button[]): ActionsBlock {
  return { type: "actions", elements };
}

export function overflow(actionId: string, options: { text: string; value: string }[]): Overflow {
  return {
    type: "overflow",
    action_id: actionId,
    options: options.map((o) => ({ text: plain(o.text, LIMITS.optionText), value: o.value })),
  };
}

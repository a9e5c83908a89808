/**
 * Block Kit limits, and a checker that lists every way a message or view breaks them. Views are built to stay
 * inside these; the checker is what the tests (and a warning at run time) hold them to.
 */
import type { AnyBlock, KnownBlock, View } from "@slack/types";

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  overflowOptions: 5,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  /**
   * Slack rejects or truncates a message whose blocks hold too much text in total, far below 50 × 3,000; the
   * limit is undocumented, so this cap is deliberately conservative.
   */
  totalText: 12_000,
  /** The notification fallback `text`; Slack allows 40,000, ours stay short. */
  fallbackText: 3000,
} as const;

export interface SlackMessage {
  /** The notification and accessibility fallback; always set. */
  text: string;
  blocks: KnownBlock[];
}

interface TextLike {
  type: "plain_text" | "mrkdwn";
  text: string;
}

function isTextObject(value: unknown): value is TextLike {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { type?: unknown; text?: unknown };
  return (v.type === "plain_text" || v.type === "mrkdwn") && typeof v.text === "string";
}

/** The length of every text object inside a block (section, fields, buttons, options, context). */
export function textLength(value: unknown): number {
  if (isTextObject(value)) return value.text.length;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textLength(v), 0);
  if (typeof value === "object" && value !== null) {
    let sum = 0;
    for (const v of Object.values(value)) sum += textLength(v);
    return sum;
  }
  return 0;
}

function checkText(where: string, text: unknown, max: number, problems: string[]): void {
  if (!isTextObject(text)) {
    problems.push(`${where}: missing text object`);
    return;
  }
  if (text.text.length === 0) problems.push(`${where}: empty text`);
  if (text.text.length > max) problems.push(`${where}: text ${text.text.length} > ${max}`);
}

function checkElement(where: string, element: Record<string, unknown>, problems: string[]): void {
  const actionId = element.action_id;
  if (typeof actionId === "string" && actionId.length > LIMITS.actionId)
    problems.push(`${where}: action_id too long`);
  if (element.type === "button") {
    checkText(`${where}.text`, element.text, LIMITS.buttonText, problems);
    const value = element.value;
    if (typeof value === "string" && value.length > LIMITS.buttonValue)
      problems.push(`${where}: value too long`);
  }
  if (element.type === "overflow" || element.type === "static_select") {
    const options = Array.isArray(element.options) ? (element.options as Record<string, unknown>[]) : [];
    const max = element.type === "overflow" ? LIMITS.overflowOptions : LIMITS.selectOptions;
    if (options.length < 1 || options.length > max) {
      problems.push(`${where}: ${options.length} ${element.type} options`);
    }
    const initial = element.initial_option as Record<string, unknown> | undefined;
    if (initial !== undefined && !options.some((o) => o.value === initial.value)) {
      problems.push(`${where}: initial_option is not one of the options`);
    }
    options.forEach((option, i) => {
      checkText(`${where}.options[${i}]`, option.text, LIMITS.optionText, problems);
      const value = option.value;
      if (typeof value !== "string" || value.length > LIMITS.optionValue) {
        problems.push(`${where}.options[${i}]: bad value`);
      }
    });
  }
}

function checkBlock(where: string, block: AnyBlock, problems: string[]): void {
  const b = block as unknown as Record<string, unknown>;
  if (typeof b.block_id === "string" && b.block_id.length > LIMITS.blockId)
    problems.push(`${where}: block_id too long`);
  switch (block.type) {
    case "section": {
      if (b.text === undefined && b.fields === undefined)
        problems.push(`${where}: section without text or fields`);
      if (b.text !== undefined) checkText(`${where}.text`, b.text, LIMITS.sectionText, problems);
      if (Array.isArray(b.fields)) {
        if (b.fields.length > LIMITS.sectionFields) problems.push(`${where}: ${b.fields.length} fields`);
        b.fields.forEach((f, i) => {
          checkText(`${where}.fields[${i}]`, f, LIMITS.fieldText, problems);
        });
      }
      if (typeof b.accessory === "object" && b.accessory !== null) {
        checkElement(`${where}.accessory`, b.accessory as Record<string, unknown>, problems);
      }
      break;
    }
    case "header":
      checkText(`${where}.text`, b.text, LIMITS.headerText, problems);
      if (isTextObject(b.text) && b.text.type !== "plain_text")
        problems.push(`${where}: header must be plain_text`);
      break;
    case "context": {
      const elements = Array.isArray(b.elements) ? b.elements : [];
      if (elements.length < 1 || elements.length > LIMITS.contextElements) {
        problems.push(`${where}: ${elements.length} context elements`);
      }
      elements.forEach((e, i) => {
        if (isTextObject(e)) checkText(`${where}.elements[${i}]`, e, LIMITS.sectionText, problems);
      });
      break;
    }
    case "input": {
      if (typeof b.element === "object" && b.element !== null) {
        checkElement(`${where}.element`, b.element as Record<string, unknown>, problems);
      }
      break;
    }
    case "actions": {
      const elements = Array.isArray(b.elements) ? (b.elements as Record<string, unknown>[]) : [];
      if (elements.length < 1 || elements.length > LIMITS.actionsElements) {
        problems.push(`${where}: ${elements.length} actions`);
      }
      elements.forEach((e, i) => {
        checkElement(`${where}.elements[${i}]`, e, problems);
      });
      break;
    }
    default:
      break;
  }
}

/** Every Block Kit limit a message breaks; empty when it is fine to send. */
export function checkMessage(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (message.text.length === 0) problems.push("message: empty fallback text");
  if (message.text.length > LIMITS.fallbackText)
    problems.push(`message: fallback text ${message.text.length}`);
  if (message.blocks.length > LIMITS.messageBlocks) problems.push(`message: ${message.blocks.length} blocks`);
  const total = textLength(message.blocks);
  if (total > LIMITS.totalText) problems.push(`message: total text ${total} > ${LIMITS.totalText}`);
  message.blocks.forEach((block, i) => {
    checkBlock(`blocks[${i}]`, block, problems);
  });
  return problems;
}

/** Every Block Kit limit a modal or Home tab view breaks. */
export function checkView(view: View): string[] {
  const problems: string[] = [];
  if (view.blocks.length > LIMITS.viewBlocks) problems.push(`view: ${view.blocks.length} blocks`);
  const total = textLength(view.blocks);
  if (total > LIMITS.totalText * 2) problems.push(`view: total text ${total}`);
  if ((view.private_metadata?.length ?? 0) > LIMITS.privateMetadata)
    problems.push("view: private_metadata too long");
  if ((view.callback_id?.length ?? 0) > LIMITS.callbackId) problems.push("view: callback_id too long");
  if (view.type === "modal") {
    checkText("view.title", view.title, LIMITS.modalTitle, problems);
    if (view.submit) checkText("view.submit", view.submit, LIMITS.modalButton, problems);
    if (view.close) checkText("view.close", view.close, LIMITS.modalButton, problems);
  }
  view.blocks.forEach((block, i) => {
    checkBlock(`blocks[${i}]`, block, problems);
  });
  return problems;
}

/**
 * Packs groups of blocks (one group per item, never split) into pages that each stay within `maxBlocks` and
 * `maxText`. A group too big for an empty page still gets a page of its own; builders keep groups small.
 */
export function packGroups(
  groups: readonly KnownBlock[][],
  budget: { maxBlocks: number; maxText: number },
): KnownBlock[][] {
  const pages: KnownBlock[][] = [];
  let page: KnownBlock[] = [];
  let text = 0;
  for (const group of groups) {
    const groupText = textLength(group);
    const fits = page.length + group.length <= budget.maxBlocks && text + groupText <= budget.maxText;
    if (!fits && page.length > 0) {
      pages.push(page);
      page = [];
      text = 0;
    }
    page.push(...group);
    text += groupText;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/**
 * Makes untrusted text (names, tags, ARNs, S3 paths, details that come from AWS or from users) inert in Slack
 * mrkdwn: no mention, no link, no broadcast can be formed, and sensitive values are masked.
 */
import { maskSensitive } from "../domain/sensitive.js";

/** Slack's own rule: only `&`, `<` and `>` are control characters in mrkdwn. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Masks, then escapes. Masking reads the raw text (the detector knows nothing of entities) and escaping runs
 * last, so nothing the masker emits can ever turn into a mention or a link.
 */
export function untrusted(text: string): string {
  const cached = memo.get(text);
  if (cached !== undefined) return cached;
  const safe = escapeMrkdwn(maskSensitive(text));
  if (text.length <= MEMO_MAX_LENGTH) {
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    memo.set(text, safe);
  }
  return safe;
}

/**
 * The detector costs microseconds a string and a scan result repeats the same titles, control ids, accounts
 * and regions thousands of times; short strings are remembered (bounded, cleared when full).
 */
const memo = new Map<string, string>();
const MEMO_MAX_ENTRIES = 20_000;
const MEMO_MAX_LENGTH = 256;

/** An untrusted identifier as inline code on one line; a backtick inside cannot close the span early. */
export function untrustedCode(text: string): string {
  const inner = untrusted(text).replace(/\s+/g, " ").replace(/`/g, "'").trim();
  return `\`${inner.length > 0 ? inner : " "}\``;
}

/** Undoes the entities Slack puts into slash command text, so that the text can be parsed as typed. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const ENTITY_TAIL = /&[a-z]{0,4}$/;

/**
 * Cuts escaped mrkdwn to at most `max` characters, ending with an ellipsis. Never splits an entity
 * (`&amp;`) nor a surrogate pair, so the cut text stays valid and inert.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  cut = cut.replace(ENTITY_TAIL, "");
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A Slack user mention, only for ids that have the shape Slack gives them (never for free text). */
export function mentionUser(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : untrustedCode(userId);
}

/** A channel link, only for ids that have the shape Slack gives them. */
export function mentionChannel(channelId: string): string {
  return /^[CGD][A-Z0-9]{2,}$/.test(channelId) ? `<#${channelId}>` : untrustedCode(channelId);
}

/**
 * Notification text (a message's `text`) from our own mrkdwn: emoji codes, bold and italic marks, backticks
 * and link syntax go; every other character stays, so ARNs, ids and snake_case names read as they are.
 */
export function mrkdwnToFallback(text: string): string {
  return text
    .replace(/(^|\s):[a-z0-9_+-]+:(?=\s|$)/g, "$1")
    .replace(/<@([UW][A-Z0-9]+)>/g, "@$1")
    .replace(/<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>/g, "#$1")
    .replace(/<([^|<>]+)\|([^<>]+)>/g, "$2")
    .replace(/`/g, "")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,;:!?)])/g, "$1$2")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s.,;:!?)])/g, "$1$2")
    .replace(/\s+/g, " ")
    .trim();
}

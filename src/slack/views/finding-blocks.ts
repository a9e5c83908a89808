/** One finding as blocks: detailed (with Fix, Suppress, Details buttons) or compact (with an overflow menu). */
import type { KnownBlock, SectionBlock } from "@slack/types";
import { type Finding, findingId } from "../../domain/finding.js";
import { findingRef } from "../finding-ref.js";
import { ACTION_IDS, type FindingActionKind, menuValue } from "../ids.js";
import { truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import { actions, button, overflow, section } from "./blocks.js";
import { accountLabel, formatTime, severityBadge } from "./format.js";

/** What the store knows beyond the finding: whether the latest scans could re-check it. */
export interface FindingNote {
  notRecheckedSince?: Date | undefined;
}

/** `_Not re-checked since …: the verdict of that check stands._`, or nothing. */
function recheckLine(note: FindingNote | undefined): string[] {
  return note?.notRecheckedSince
    ? [`_Not re-checked since ${formatTime(note.notRecheckedSince)}: the verdict of that check stands._`]
    : [];
}

/** Keeps one finding small enough that many fit in a message under the total-text cap. */
const DETAILED_MAX = 1200;
const COMPACT_MAX = 600;
const DETAIL_IN_COMPACT = 280;

function where(f: Finding): string {
  return `${accountLabel(f.accountId, f.accountName)} · ${untrustedCode(f.region)}`;
}

/** The finding's id as people copy it into `fix`, `suppress` or a conversation. */
export function findingIdCode(f: Parameters<typeof findingId>[0]): string {
  return `\`${findingId(f)}\``;
}

function detailedFindingText(f: Finding, note?: FindingNote): string {
  const lines = [
    `${severityBadge(f.severity)} · *${untrusted(f.title)}*`,
    `${untrustedCode(f.controlId)} · ${where(f)} · ${findingIdCode(f)}`,
    `Resource: ${untrustedCode(f.resourceArn)}`,
    ...recheckLine(note),
    untrusted(f.detail),
  ];
  return truncateMrkdwn(lines.join("\n"), DETAILED_MAX);
}

function compactFindingText(f: Finding, note?: FindingNote): string {
  const lines = [
    `${severityBadge(f.severity)} · *${untrusted(f.title)}* · ${untrustedCode(f.controlId)}`,
    `${untrustedCode(f.resourceArn)} · ${where(f)} · ${findingIdCode(f)}`,
    ...recheckLine(note),
    truncateMrkdwn(untrusted(f.detail), DETAIL_IN_COMPACT),
  ];
  return truncateMrkdwn(lines.join("\n"), COMPACT_MAX);
}

/** The actions a finding offers: Fix only when a remediation exists. */
function findingActionKinds(f: Finding): FindingActionKind[] {
  return f.status === "FAIL" && f.remediationId ? ["fix", "suppress", "details"] : ["suppress", "details"];
}

const LABEL: Record<FindingActionKind, string> = { fix: "Fix", suppress: "Suppress", details: "Details" };
const BUTTON_ACTION: Record<FindingActionKind, string> = {
  fix: ACTION_IDS.findingFix,
  suppress: ACTION_IDS.findingSuppress,
  details: ACTION_IDS.findingDetails,
};

export function detailedFindingBlocks(f: Finding, note?: FindingNote): KnownBlock[] {
  const ref = findingRef(f);
  const buttons = findingActionKinds(f).map((kind) =>
    button(LABEL[kind], BUTTON_ACTION[kind], ref, kind === "fix" ? "primary" : undefined),
  );
  return [section(detailedFindingText(f, note)), actions(...buttons)];
}

export function compactFindingBlock(f: Finding, note?: FindingNote): SectionBlock {
  const ref = findingRef(f);
  const block = section(compactFindingText(f, note));
  block.accessory = overflow(
    ACTION_IDS.findingMenu,
    findingActionKinds(f).map((kind) => ({ text: LABEL[kind], value: menuValue(kind, ref) })),
  );
  return block;
}

/** A finding that could not be evaluated: nothing to fix or suppress, the error says what to grant. */
export function errorFindingBlock(f: Finding): SectionBlock {
  const lines = [
    `:warning: *Could not evaluate* · *${untrusted(f.title)}* · ${untrustedCode(f.controlId)}`,
    `${untrustedCode(f.resourceArn)} · ${where(f)} · ${findingIdCode(f)}`,
    truncateMrkdwn(untrusted(f.detail), DETAIL_IN_COMPACT),
  ];
  return section(truncateMrkdwn(lines.join("\n"), COMPACT_MAX));
}

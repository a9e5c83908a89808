/** The blocks that show a fix's plan: its calls, the before/after (or diff) and its notes. Pure. */
import type { KnownBlock } from "@slack/types";
import { truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FixPlanView, FixRequestView } from "../ports.js";
import { context, section } from "./blocks.js";
import { findingIdCode } from "./finding-blocks.js";
import { severityBadge } from "./format.js";

const MAX_STEPS_SHOWN = 12;
const MAX_DOCUMENT = 2400;

/** Untrusted text as a code block that nothing inside can close. */
export function codeBlock(text: string, max: number): string {
  const inner = truncateMrkdwn(untrusted(text).replace(/```/g, "'''"), max);
  return `\`\`\`${inner.length > 0 ? inner : " "}\`\`\``;
}

export function findingLines(finding: FixRequestView["finding"]): string {
  return `${severityBadge(finding.severity)} · *${untrusted(finding.title)}*\n${truncateMrkdwn(
    untrustedCode(finding.resourceArn),
    1200,
  )}\nAccount ${untrustedCode(finding.accountId)} · ${untrustedCode(finding.region)} · control ${untrustedCode(
    finding.controlId,
  )} · ${findingIdCode(finding)}`;
}

export function stepLines(plan: FixPlanView, done = 0): string {
  const lines = plan.steps.slice(0, MAX_STEPS_SHOWN).map((step, i) => {
    const mark = i < done ? ":white_check_mark:" : `${i + 1}.`;
    return `${mark} ${untrustedCode(`${step.service}:${step.operation}`)} in ${untrustedCode(step.region)} — ${untrusted(step.description)}`;
  });
  if (plan.steps.length > MAX_STEPS_SHOWN)
    lines.push(`… and ${plan.steps.length - MAX_STEPS_SHOWN} more calls.`);
  return lines.join("\n");
}

/** The plan as blocks: at most 5, whatever the plan's size. */
export function planBlocks(plan: FixPlanView, options: { stepsDone?: number } = {}): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (plan.refusal !== undefined) {
    blocks.push(section(`:no_entry: *This fix cannot be applied safely:* ${untrusted(plan.refusal)}`));
  } else if (plan.steps.length === 0) {
    blocks.push(section(":white_check_mark: *Nothing to do:* the resource already holds."));
  } else {
    blocks.push(
      section(
        `*The plan (${plan.steps.length} API call${plan.steps.length === 1 ? "" : "s"})*\n${stepLines(plan, options.stepsDone ?? 0)}`,
      ),
    );
    if (plan.diff !== undefined && plan.diff.trim() !== "") {
      blocks.push(section(`*Change*\n${codeBlock(plan.diff, MAX_DOCUMENT)}`));
    } else if (plan.before !== plan.after) {
      blocks.push(section(`*Before*\n${codeBlock(plan.before, MAX_DOCUMENT / 2)}`));
      blocks.push(section(`*After*\n${codeBlock(plan.after, MAX_DOCUMENT / 2)}`));
    }
  }
  if (plan.notes.length > 0) {
    blocks.push(context(truncateMrkdwn(plan.notes.map((n) => `• ${untrusted(n)}`).join("\n"), 2000)));
  }
  return blocks;
}

/**
 * The message of one fix request in the approvals channel, in every state: the plan with Approve (behind a
 * confirm dialog) and Reject while pending; then who approved, the outcome with its re-check, and Retry or
 * Revert where they apply. Buttons carry the request id and nothing else. Pure.
 */
import type { Button, KnownBlock } from "@slack/types";
import { ACTION_IDS } from "../ids.js";
import { LIMITS, type SlackMessage } from "../limits.js";
import {
  escapeMrkdwn,
  mentionChannel,
  mentionUser,
  truncateMrkdwn,
  untrusted,
  untrustedCode,
} from "../mrkdwn.js";
import type { FixRequestView } from "../ports.js";
import { actions, button, context, header, section } from "./blocks.js";
import { codeBlock, findingLines, planBlocks } from "./fix-plan.js";
import { formatTime } from "./format.js";
import { renderNotice } from "./usage.js";

/** `<@U…>` for a Slack user, `cli:alice` as code for the command line, `system` for the app itself. */
export function who(id: string | undefined): string {
  if (!id) return "someone";
  const slack = /^slack:([UW][A-Z0-9]{2,})$/.exec(id)?.[1] ?? id;
  if (id === "system") return "the app";
  return mentionUser(slack);
}

function withConfirm(b: Button, title: string, text: string, confirm: string): Button {
  return {
    ...b,
    confirm: {
      title: { type: "plain_text", text: title.slice(0, 100) },
      text: { type: "mrkdwn", text: truncateMrkdwn(text, 300) },
      confirm: { type: "plain_text", text: confirm },
      deny: { type: "plain_text", text: "Cancel" },
    },
  };
}

function approveButton(request: FixRequestView): Button {
  return withConfirm(
    button("Approve", ACTION_IDS.requestApprove, request.id, "primary"),
    "Approve this fix?",
    `The ${request.plan.steps.length} API call(s) above will run now with the remediation role, after a fresh read confirms the resource has not changed.`,
    "Approve and apply",
  );
}

function revertButton(request: FixRequestView): Button {
  return withConfirm(
    button("Revert", ACTION_IDS.requestRevert, request.id, "danger"),
    "Revert this fix?",
    "A fresh read decides: if nothing changed since the fix, the resource is put back exactly as it was; if it changed, only the fix's own changes are taken back and later ones are kept, or nothing runs and you are told what changed.",
    "Revert",
  );
}

function retryButton(request: FixRequestView): Button {
  return button("Retry", ACTION_IDS.requestRetry, request.id, "primary");
}

/** The status line and the buttons for the request's state. */
function statusOf(request: FixRequestView, now: Date): { line: string; buttons: Button[] } {
  const r = request.result;
  const error = r?.error ? `\n>${truncateMrkdwn(untrusted(r.error).replace(/\n/g, " "), 800)}` : "";
  const recheck = r?.recheck
    ? `\nRe-check: *${escapeMrkdwn(r.recheck.status)}* — ${truncateMrkdwn(untrusted(r.recheck.detail), 600)}`
    : "";
  const approved = request.approvedBy ? `Approved by ${who(request.approvedBy)}. ` : "";
  switch (request.state) {
    case "pending": {
      const expired = request.expiresAt.getTime() <= now.getTime();
      return expired
        ? { line: ":hourglass: *Expired* — nobody approved it in time; ask for the fix again.", buttons: [] }
        : {
            line: `:hourglass_flowing_sand: *Waiting for approval* until ${formatTime(request.expiresAt)}.`,
            buttons: [
              approveButton(request),
              button("Reject", ACTION_IDS.requestReject, request.id, "danger"),
            ],
          };
    }
    case "approved":
      return { line: `:gear: ${approved}Checking that the resource has not changed…`, buttons: [] };
    case "applying":
      return { line: `:gear: ${approved}Applying the plan…`, buttons: [] };
    case "applied":
      return {
        line:
          r?.outcome === "applied-unconfirmed"
            ? `:warning: ${approved}*Applied*, but the re-check does not confirm the fix yet.${recheck}`
            : `:white_check_mark: ${approved}*Applied and confirmed.*${recheck}`,
        buttons: [revertButton(request)],
      };
    case "failed": {
      if (r?.outcome === "drift") {
        return {
          line: `:arrows_counterclockwise: ${approved}*Not applied: the resource changed* since the fix was requested. Nothing was changed; ${who(request.requestedBy)}, please ask for the fix again.${error}`,
          buttons: [],
        };
      }
      if (r?.outcome === "refused") {
        return { line: `:no_entry: ${approved}*Not applied:* nothing was changed.${error}`, buttons: [] };
      }
      const phase = r?.phase === "revert" ? "The revert" : "The fix";
      const done =
        r && r.stepsDone.length > 0
          ? `${r.stepsDone.length} step(s) done before it failed`
          : "no step was done";
      const at = r?.failedStep ? ` at step ${untrustedCode(r.failedStep)}` : "";
      return {
        line: `:x: ${approved}*${phase} failed*${at}; ${done}. Every step is safe to run again.${error}`,
        buttons: [retryButton(request), revertButton(request)],
      };
    }
    case "reverting":
      return { line: ":rewind: Reverting…", buttons: [] };
    case "reverted":
      return {
        line:
          r?.revert?.mode === "changed"
            ? `:rewind: ${approved}*Reverted* by ${who(r?.by)}: the resource had changed since the fix, so only the fix's own changes were taken back; later changes were kept.`
            : `:rewind: ${approved}*Reverted* by ${who(r?.by)}: the resource is back as it was.`,
        buttons: [],
      };
    case "rejected":
      return {
        line: `:no_entry_sign: *Rejected* by ${who(request.rejectedBy)}${
          request.rejectReason ? `: ${truncateMrkdwn(untrusted(request.rejectReason), 500)}` : "."
        }`,
        buttons: [],
      };
    case "expired":
      return {
        line: ":hourglass: *Expired* — nobody approved it in time; ask for the fix again.",
        buttons: [],
      };
    case "interrupted":
      return {
        line: `:warning: ${approved}*Interrupted*: the app stopped while this ran, so some steps may be done. Retry runs the plan again (every step is safe to repeat); Revert puts the resource back.`,
        buttons: [retryButton(request), revertButton(request)],
      };
    default:
      return { line: escapeMrkdwn(String(request.state)), buttons: [] };
  }
}

/** What a revert ran (or is running), with the diff of a policy it changed: at most three blocks. */
function revertBlocks(request: FixRequestView): KnownBlock[] {
  const revert = request.result?.phase === "revert" ? request.result.revert : undefined;
  if (!revert) return [];
  const done = request.result?.stepsDone.length ?? 0;
  const how =
    revert.mode === "changed"
      ? "planned from a fresh read: the resource changed since the fix, so it takes back only the fix's own changes"
      : "planned from a fresh read: nothing changed since the fix, so it restores the prior state";
  const steps = revert.steps
    .slice(0, 10)
    .map((s, i) => `${i < done ? ":white_check_mark:" : `${i + 1}.`} ${untrusted(s)}`)
    .join("\n");
  const blocks: KnownBlock[] = [section(truncateMrkdwn(`*The revert* (${how})\n${steps}`, 2500))];
  if (revert.diff !== undefined && revert.diff.trim() !== "") {
    blocks.push(section(`*Change*\n${codeBlock(revert.diff, 1200)}`));
  }
  if (revert.notes.length > 0) {
    blocks.push(context(truncateMrkdwn(revert.notes.map((n) => `• ${untrusted(n)}`).join("\n"), 800)));
  }
  // The budget above keeps the whole message under Slack's total-text cap next to the largest plan.
  return blocks;
}

export function renderFixRequestMessage(
  request: FixRequestView,
  options: { now?: Date; approversConfigured?: boolean } = {},
): SlackMessage {
  const now = options.now ?? new Date();
  const { line, buttons } = statusOf(request, now);
  const requested = [
    `Requested by ${who(request.requestedBy)} on ${formatTime(request.requestedAt)}`,
    request.requestReason ? `Reason: ${truncateMrkdwn(untrusted(request.requestReason), 500)}` : undefined,
    `Request ${untrustedCode(request.id)}`,
  ].filter((x): x is string => x !== undefined);
  const done = request.result?.phase === "apply" ? request.result.stepsDone.length : 0;
  const blocks: KnownBlock[] = [
    header(`Fix request: ${request.remediationTitle}`),
    section(findingLines(request.finding)),
    context(...requested),
    ...planBlocks(request.plan, { stepsDone: done }),
    ...revertBlocks(request),
    section(line),
  ];
  if (request.state === "pending" && options.approversConfigured === false) {
    blocks.push(
      context(
        ":warning: No approvers are configured (`slack.approvers`), so nobody can approve this request.",
      ),
    );
  }
  if (buttons.length > 0) blocks.push(actions(...buttons));
  const text = `Fix request (${request.state}): ${request.remediationTitle} on ${untrusted(request.finding.resourceArn)}`;
  return { text: truncateMrkdwn(text, LIMITS.fallbackText), blocks };
}

/** The ephemeral answer to a refused click: our words plus the untrusted reason. */
export function renderFixRefusal(reason: string): SlackMessage {
  return renderNotice(":no_entry: That was not done.", reason);
}

/** What the requester is told once their request is posted. */
export function renderRequestPosted(request: FixRequestView, channel: string): SlackMessage {
  return renderNotice(
    `:inbox_tray: Fix requested (${untrustedCode(request.id)}); it waits for approval in ${mentionChannel(channel)} until ${formatTime(request.expiresAt)}.`,
  );
}

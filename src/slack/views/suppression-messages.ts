/**
 * Suppressions in the approvals channel: the request that waits for an approver (Approve behind a confirm
 * dialog, Reject) in every state, and the one-line announcement of every suppression made, lifted or run
 * out. Buttons carry the request id only. Pure.
 */
import type { Button, KnownBlock } from "@slack/types";
import { ACTION_IDS } from "../ids.js";
import { LIMITS, type SlackMessage } from "../limits.js";
import { mentionChannel, truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { SuppressionAnnouncementView, SuppressionRequestView } from "../ports.js";
import { actions, button, context, header, section } from "./blocks.js";
import { findingLines } from "./fix-plan.js";
import { who } from "./fix-request-message.js";
import { formatTime, plural, severityBadge } from "./format.js";
import { renderNotice } from "./usage.js";

function duration(days: number | undefined): string {
  return days === undefined ? "until someone lifts it" : `for ${plural(days, "day")}`;
}

function approveButton(request: SuppressionRequestView): Button {
  return {
    ...button("Approve", ACTION_IDS.suppressionApprove, request.id, "primary"),
    confirm: {
      title: { type: "plain_text", text: "Approve this suppression?" },
      text: {
        type: "mrkdwn",
        text: `The finding leaves every report and the digest ${duration(request.days)}.`,
      },
      confirm: { type: "plain_text", text: "Approve" },
      deny: { type: "plain_text", text: "Cancel" },
    },
  };
}

function rejectButton(request: SuppressionRequestView): Button {
  return {
    ...button("Reject", ACTION_IDS.suppressionReject, request.id, "danger"),
    confirm: {
      title: { type: "plain_text", text: "Reject this suppression?" },
      text: { type: "mrkdwn", text: "The finding stays reported." },
      confirm: { type: "plain_text", text: "Reject" },
      deny: { type: "plain_text", text: "Cancel" },
    },
  };
}

function statusLine(request: SuppressionRequestView, now: Date): { line: string; buttons: Button[] } {
  switch (request.state) {
    case "pending":
      return request.expiresAt.getTime() <= now.getTime()
        ? {
            line: ":hourglass: *Expired* — nobody approved it in time; the finding stays reported.",
            buttons: [],
          }
        : {
            line: `:hourglass_flowing_sand: *Waiting for approval* until ${formatTime(request.expiresAt)}; the requester cannot approve it.`,
            buttons: [approveButton(request), rejectButton(request)],
          };
    case "approved":
      return {
        line: `:zipper_mouth_face: *Approved* by ${who(request.approvedBy)}: suppressed ${duration(request.days)}${
          request.suppressionId ? ` (${untrustedCode(request.suppressionId)})` : ""
        }.`,
        buttons: [],
      };
    case "rejected":
      return {
        line: `:no_entry_sign: *Rejected* by ${who(request.rejectedBy)}; the finding stays reported.`,
        buttons: [],
      };
    case "expired":
      return {
        line: ":hourglass: *Expired* — nobody approved it in time; the finding stays reported.",
        buttons: [],
      };
  }
}

export function renderSuppressionRequestMessage(request: SuppressionRequestView, now: Date): SlackMessage {
  const { line, buttons } = statusLine(request, now);
  const blocks: KnownBlock[] = [
    header("Suppression request"),
    section(findingLines(request.finding)),
    section(
      `*Suppress ${duration(request.days)}* — it needs an approval because ${untrusted(request.why)}.\n*Reason:* ${truncateMrkdwn(untrusted(request.reason), 600)}`,
    ),
    context(
      `Requested by ${who(request.requestedBy)} on ${formatTime(request.requestedAt)}`,
      `Request ${untrustedCode(request.id)}`,
    ),
    section(line),
  ];
  if (buttons.length > 0) blocks.push(actions(...buttons));
  const text = `Suppression request (${request.state}): ${request.finding.severity} ${untrusted(request.finding.title)}`;
  return { text: truncateMrkdwn(text, LIMITS.fallbackText), blocks };
}

/** What the requester is told once the request is posted. */
export function renderSuppressionRequested(request: SuppressionRequestView, channel: string): SlackMessage {
  return renderNotice(
    `:inbox_tray: Suppression requested (${untrustedCode(request.id)}): it needs an approval because ${untrusted(request.why)}. It waits in ${mentionChannel(channel)} until ${formatTime(request.expiresAt)}.`,
  );
}

export function renderSuppressed(what: string, days: number | undefined): SlackMessage {
  return renderNotice(
    `:zipper_mouth_face: ${what} is suppressed ${duration(days)}; the approvals channel is told.`,
  );
}

export function renderSuppressionRefusal(reason: string): SlackMessage {
  return renderNotice(":no_entry: That was not done.", reason);
}

/** One announcement in the approvals channel. */
export function renderSuppressionAnnouncement(a: SuppressionAnnouncementView): SlackMessage {
  const what = a.finding
    ? `${severityBadge(a.finding.severity)} *${untrusted(a.finding.title)}* on ${truncateMrkdwn(untrustedCode(a.finding.resourceArn), 800)}`
    : truncateMrkdwn(untrustedCode(a.target), 1000);
  const reason = `\n*Reason:* ${truncateMrkdwn(untrusted(a.reason), 600)}`;
  const id = untrustedCode(a.suppressionId);
  let line: string;
  switch (a.kind) {
    case "suppressed": {
      const until = a.expiresAt ? `until ${formatTime(a.expiresAt)}` : "until someone lifts it";
      const approved = a.approvedBy ? `, approved by ${who(a.approvedBy)}` : "";
      line = `:zipper_mouth_face: *Suppressed* ${until} by ${who(a.by)}${approved} (${id}): ${what}${reason}`;
      break;
    }
    case "lifted":
      line = `:loud_sound: *Suppression lifted* by ${who(a.by)} (${id}): ${what} is reported again.`;
      break;
    case "expired":
      line = `:loud_sound: *Suppression ran out* (${id}): ${what} is reported again.`;
      break;
  }
  const words = { suppressed: "Suppressed", lifted: "Suppression lifted", expired: "Suppression ran out" }[
    a.kind
  ];
  const title = a.finding ? `${a.finding.severity} ${untrusted(a.finding.title)}` : untrusted(a.target);
  return { text: truncateMrkdwn(`${words}: ${title}`, LIMITS.fallbackText), blocks: [section(line)] };
}

/** The Details modal: everything known about one finding, with the control's guidance. */
import type { KnownBlock, ModalView } from "@slack/types";
import { CALLBACK_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FindingRecord } from "../ports.js";
import { context, plain, section } from "./blocks.js";
import { findingIdCode } from "./finding-blocks.js";
import { accountLabel, formatTime, severityBadge } from "./format.js";

/** Guidance can be long: it is split into sections rather than cut. */
function chunks(text: string, size: number, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0 && out.length < max) {
    let cut = rest.length <= size ? rest.length : rest.lastIndexOf("\n", size);
    if (cut <= 0) cut = size;
    // Never split an entity such as `&amp;` across two sections.
    const amp = rest.lastIndexOf("&", cut);
    if (cut < rest.length && amp > cut - 6 && rest.indexOf(";", amp) >= cut) cut = amp;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  return out;
}

export function renderFindingDetailsModal(record: FindingRecord): ModalView {
  const f = record.finding;
  const blocks: KnownBlock[] = [
    section(
      `${severityBadge(f.severity)} · *${untrusted(f.title)}*\n${truncateMrkdwn(untrusted(f.detail), 2000)}`,
    ),
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Finding id*\n${findingIdCode(f)}` },
        { type: "mrkdwn", text: `*Control*\n${untrustedCode(f.controlId)}` },
        {
          type: "mrkdwn",
          text: `*Status*\n${untrusted(f.status)}${record.lifecycle ? ` (${untrusted(record.lifecycle)})` : ""}`,
        },
        { type: "mrkdwn", text: `*Account*\n${accountLabel(f.accountId, f.accountName)}` },
        { type: "mrkdwn", text: `*Region*\n${untrustedCode(f.region)}` },
        {
          type: "mrkdwn",
          text: `*Fix*\n${f.remediationId ? untrustedCode(f.remediationId) : "manual (see guidance)"}`,
        },
      ],
    },
    section(`*Resource*\n${truncateMrkdwn(untrustedCode(f.resourceArn), 2000)}`),
  ];
  if (record.guidance) {
    chunks(untrusted(record.guidance), 2900, 5).forEach((text, i) => {
      blocks.push(section(i === 0 ? `*Guidance*\n${text}` : text));
    });
  }
  const seen = [
    record.firstSeenAt ? `first seen ${formatTime(record.firstSeenAt)}` : undefined,
    record.lastSeenAt ? `last seen ${formatTime(record.lastSeenAt)}` : undefined,
    record.notRecheckedSince
      ? `not re-checked since ${formatTime(record.notRecheckedSince)}: the verdict of that check stands`
      : undefined,
  ].filter((s): s is string => s !== undefined);
  if (seen.length > 0) blocks.push(context(seen.join(" · ")));
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.detailsModal,
    title: plain("Finding details", LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks,
  };
}

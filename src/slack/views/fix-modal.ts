/**
 * The Fix modal. The approval flow (plan, request, four-eyes approval) is being built; until it lands this
 * modal names the remediation and the finding, and says what will happen.
 */
import type { ModalView } from "@slack/types";
import { CALLBACK_IDS } from "../ids.js";
import { LIMITS } from "../limits.js";
import { truncateMrkdwn, untrusted, untrustedCode } from "../mrkdwn.js";
import type { FindingRecord } from "../ports.js";
import { context, plain, section } from "./blocks.js";
import { severityBadge } from "./format.js";

export function renderFixModal(record: FindingRecord, ref: string): ModalView {
  const f = record.finding;
  const remediation = f.remediationId ? untrustedCode(f.remediationId) : "none (manual guidance only)";
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.fixModal,
    private_metadata: JSON.stringify({ ref }),
    title: plain("Fix finding", LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks: [
      section(
        `${severityBadge(f.severity)} · *${untrusted(f.title)}*\n${truncateMrkdwn(untrustedCode(f.resourceArn), 1500)}`,
      ),
      section(`*Remediation:* ${remediation}`),
      section(
        ":construction: Automated fixes are being built. Here you will see the exact plan (every API call and the before/after), request it, and an authorized approver other than you will approve it before anything changes.",
      ),
      context("Until then, follow the guidance under *Details*."),
    ],
  };
}

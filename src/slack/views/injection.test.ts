/**
 * Untrusted text from AWS (names, tags, ARNs, details, error messages) and from users must notify nobody,
 * link nowhere and show no sensitive value, in every view.
 */
import { describe, expect, it } from "vitest";
import { makeFinding, recordOf } from "../../../test/support/slack-fakes.js";
import type { Finding } from "../../domain/finding.js";
import { checkMessage, checkView } from "../limits.js";
import type { PendingApproval, PostureRow, ScanRecord, ScanSummary } from "../ports.js";
import { renderAppHome } from "./app-home.js";
import { renderFindingDetailsModal } from "./finding-details-modal.js";
import { renderFindingsList } from "./findings-list.js";
import { renderFixModal } from "./fix-modal.js";
import { renderScanInterrupted } from "./scan-interrupted.js";
import { renderScanFailed, renderScanProgress } from "./scan-progress.js";
import { renderScanResult } from "./scan-result.js";
import { renderStatus } from "./status.js";
import { renderSuppressModal } from "./suppress-modal.js";
import { renderNotice, renderUsageError } from "./usage.js";

const EVIL = "<!channel> <@U123> <https://evil.example|click> alice@example.com <!here|here> <#C999>";
const REQUESTER = "U0REQUEST";

const evilFinding: Finding = makeFinding({
  title: `Title ${EVIL}`,
  detail: `Tag owner=${EVIL}.`,
  resourceArn: `arn:aws:forecast:us-east-1:123456789012:dataset/${EVIL}`,
  controlId: `control ${EVIL}`,
  region: `us-east-1 ${EVIL}`,
});
const evilError = { ...evilFinding, status: "ERROR" as const, resourceArn: `${evilFinding.resourceArn}-e` };
const evilRecord = recordOf(evilFinding, { guidance: `Step 1: ${EVIL}` });
const evilScan: ScanRecord = {
  id: `scan ${EVIL}`,
  status: "succeeded",
  startedAt: new Date("2024-05-01T09:00:00Z"),
  finishedAt: new Date("2024-05-01T09:01:00Z"),
  startedBy: `cli:${EVIL}`,
  accounts: [EVIL],
  regions: [EVIL],
  failing: { critical: 1, high: 0, medium: 0, low: 0 },
  errors: 0,
  passed: 3,
};
const evilRunning: ScanSummary = {
  id: `scan ${EVIL}`,
  scope: EVIL,
  accounts: [EVIL],
  regions: [EVIL],
  startedAt: new Date(),
  progress: { done: 1, total: 2, message: EVIL },
};
const evilPosture: PostureRow = {
  accountId: EVIL,
  accountName: EVIL,
  region: EVIL,
  open: { critical: 1, high: 2, medium: 0, low: 0 },
  errors: 1,
};
const evilApproval: PendingApproval = {
  id: "req-1",
  remediationId: EVIL,
  finding: evilFinding,
  requestedBy: EVIL,
  requestedAt: new Date(),
};

const rendered: Record<string, unknown> = {
  "scan result": renderScanResult({
    outcome: {
      scanId: `scan ${EVIL}`,
      findings: [
        evilFinding,
        ...Array.from({ length: 15 }, (_, i) => ({
          ...evilFinding,
          resourceArn: `${evilFinding.resourceArn}${i}`,
        })),
        evilError,
      ],
      errors: [{ accountId: EVIL, region: EVIL, message: EVIL }],
      startedAt: new Date(),
      finishedAt: new Date(),
      accounts: [EVIL],
      regions: [EVIL],
    },
    requestedBy: [REQUESTER, EVIL],
  }),
  "scan progress": renderScanProgress({
    scanId: EVIL,
    accounts: [EVIL],
    regions: [EVIL],
    startedAt: new Date(),
    requestedBy: [EVIL],
    progress: { done: 1, total: 3, message: EVIL },
  }),
  "scan failed": renderScanFailed({ scanId: EVIL, startedAt: new Date(), error: EVIL }),
  usage: renderUsageError(`Unknown subcommand ${EVIL}`),
  notice: renderNotice("Could not post the digest.", EVIL),
  status: renderStatus({
    running: [evilRunning],
    lastScan: evilScan,
    recent: [
      { ...evilScan, status: "running", heartbeatAt: new Date() },
      { ...evilScan, status: "interrupted", heartbeatAt: new Date() },
    ],
  }),
  "scan interrupted": renderScanInterrupted({
    id: `scan ${EVIL}`,
    startedAt: new Date(),
    accounts: [EVIL],
    regions: [EVIL],
    requestedIn: { kind: "slack", channel: "C0SCANS", user: REQUESTER, command: `scan --account ${EVIL}` },
  }),
  "scheduled scan interrupted": renderScanInterrupted({
    id: `scan ${EVIL}`,
    startedAt: new Date(),
    accounts: [],
    regions: [],
    requestedIn: { kind: "schedule", slot: EVIL },
  }),
  findings: renderFindingsList({ records: [evilRecord] }),
  details: renderFindingDetailsModal(evilRecord),
  fix: renderFixModal(evilRecord, "ref"),
  suppress: renderSuppressModal(evilRecord, { ref: "x".repeat(22) }, { maxDays: 90 }),
  home: renderAppHome({
    userId: REQUESTER,
    posture: [evilPosture],
    lastScan: evilScan,
    running: [evilRunning],
    topFindings: [evilRecord],
    approvals: [evilApproval],
    generatedAt: new Date(),
  }),
};

describe("untrusted text in views", () => {
  it.each(Object.entries(rendered))(
    "%s: no mention, broadcast, link or e-mail gets through",
    (_name, view) => {
      const json = JSON.stringify(view);
      expect(json).not.toContain("<!");
      expect(json).not.toContain("<#");
      expect(json).not.toContain("<http");
      expect(json).not.toContain("alice@example.com");
      // The only real mention allowed is the requester's own, well-formed id.
      const mentions = json.match(/<@[^>]*>/g) ?? [];
      for (const m of mentions) expect(m).toBe(`<@${REQUESTER}>`);
      expect(json).toContain("&lt;!channel&gt;");
    },
  );

  it("keeps every view within Block Kit limits", () => {
    const result = rendered["scan result"] as ReturnType<typeof renderScanResult>;
    for (const m of [result.main, ...result.thread]) expect(checkMessage(m)).toEqual([]);
    for (const key of [
      "scan progress",
      "scan failed",
      "usage",
      "notice",
      "status",
      "findings",
      "scan interrupted",
      "scheduled scan interrupted",
    ]) {
      expect(checkMessage(rendered[key] as Parameters<typeof checkMessage>[0])).toEqual([]);
    }
    for (const key of ["details", "fix", "suppress", "home"]) {
      expect(checkView(rendered[key] as Parameters<typeof checkView>[0])).toEqual([]);
    }
  });
});

import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { makeFinding, makeFindings } from "../../../test/support/slack-fakes.js";
import type { Finding } from "../../domain/finding.js";
import { severityRank } from "../../domain/severity.js";
import { findingRef } from "../finding-ref.js";
import { ACTION_IDS } from "../ids.js";
import { checkMessage, type SlackMessage } from "../limits.js";
import type { ScanOutcome } from "../ports.js";
import { MAX_DETAILED_FINDINGS, renderScanResult, renderScanResultCooperatively } from "./scan-result.js";

function outcomeOf(findings: Finding[], errors: ScanOutcome["errors"] = []): ScanOutcome {
  return {
    scanId: "scan-42",
    findings,
    errors,
    startedAt: new Date("2024-05-01T09:00:00Z"),
    finishedAt: new Date("2024-05-01T09:03:10Z"),
    accounts: ["123456789012"],
    regions: ["us-east-1", "eu-west-1"],
  };
}

/** The finding refs a message offers actions for: one per detailed finding or compact row. */
function refsIn(message: SlackMessage): string[] {
  const refs: string[] = [];
  for (const block of message.blocks as KnownBlock[]) {
    if (block.type === "actions") {
      const first = block.elements[0];
      if (first?.type === "button" && first.value) refs.push(first.value);
    }
    if (block.type === "section" && block.accessory?.type === "overflow") {
      const value = block.accessory.options[0]?.value ?? "";
      refs.push(value.slice(value.indexOf(":") + 1));
    }
  }
  return refs;
}

function allMessages(result: ReturnType<typeof renderScanResult>): SlackMessage[] {
  return [result.main, ...result.thread];
}

describe("renderScanResult", () => {
  it.each([0, 1, 50, 5000])(
    "stays within Block Kit limits and lists every failing finding once at %i findings",
    (n) => {
      const failing = makeFindings(n);
      const passing = makeFindings(Math.min(n, 20), { status: "PASS" }).map((f, i) => ({
        ...f,
        resourceArn: `${f.resourceArn}-pass-${i}`,
      }));
      const result = renderScanResult({
        outcome: outcomeOf([...failing, ...passing]),
        requestedBy: ["U0REQUEST"],
      });
      for (const message of allMessages(result)) expect(checkMessage(message)).toEqual([]);

      const refs = allMessages(result).flatMap(refsIn);
      expect(refs).toHaveLength(n);
      expect(new Set(refs)).toEqual(new Set(failing.map(findingRef)));
      expect(result.main.blocks[0]).toMatchObject({ type: "header" });
      if (n <= 1) expect(result.thread).toEqual([]);
    },
  );

  it("counts by severity in the header and shows the most severe first", () => {
    const findings = [
      makeFinding({ severity: "low", resourceArn: "arn:aws:s3:::a" }),
      makeFinding({ severity: "critical", resourceArn: "arn:aws:s3:::b" }),
      makeFinding({ severity: "high", resourceArn: "arn:aws:s3:::c" }),
      makeFinding({ severity: "critical", resourceArn: "arn:aws:s3:::d" }),
    ];
    const { main } = renderScanResult({ outcome: outcomeOf(findings) });
    expect(JSON.stringify(main.blocks[0])).toContain("4 failing (2 critical, 1 high, 1 low)");
    const order = refsIn(main).map((ref) => findings.find((f) => findingRef(f) === ref)?.severity);
    expect(order).toEqual(["critical", "critical", "high", "low"]);
    expect(main.text).toContain("4 failing");
  });

  it("offers Fix only when a remediation exists, and carries only the opaque ref", () => {
    const withFix = makeFinding({ resourceArn: "arn:aws:s3:::with-fix" });
    const manual = makeFinding({ resourceArn: "arn:aws:s3:::manual" });
    delete manual.remediationId;
    const { main } = renderScanResult({ outcome: outcomeOf([withFix, manual]) });
    const buttons = main.blocks.flatMap((b) => (b.type === "actions" ? b.elements : []));
    const byRef = (f: Finding) =>
      buttons.filter((b) => b.type === "button" && b.value === findingRef(f)).map((b) => b.action_id);
    expect(byRef(withFix)).toEqual([
      ACTION_IDS.findingFix,
      ACTION_IDS.findingSuppress,
      ACTION_IDS.findingDetails,
    ]);
    expect(byRef(manual)).toEqual([ACTION_IDS.findingSuppress, ACTION_IDS.findingDetails]);
    for (const b of buttons) expect(JSON.stringify(b)).not.toContain("with-fix");
  });

  it("details the first findings in the main message and pages the rest in order", () => {
    const findings = makeFindings(300);
    const result = renderScanResult({ outcome: outcomeOf(findings) });
    expect(refsIn(result.main)).toHaveLength(MAX_DETAILED_FINDINGS);
    expect(JSON.stringify(result.main.blocks)).toContain(
      "290 more failing findings are listed in the thread",
    );
    const threadRefs = result.thread.flatMap(refsIn);
    const severities = threadRefs.map(
      (ref) => findings.find((f) => findingRef(f) === ref)?.severity ?? "low",
    );
    for (let i = 1; i < severities.length; i += 1) {
      expect(severityRank(severities[i - 1] ?? "low")).toBeGreaterThanOrEqual(
        severityRank(severities[i] ?? "low"),
      );
    }
    expect(result.thread[0]?.text).toMatch(/page 1 of \d+/);
  });

  it("stays within limits when every text from AWS is as long as it can be", () => {
    const long = "é<&>".repeat(2000);
    const findings = makeFindings(120).map((f) => ({
      ...f,
      title: long,
      detail: long,
      resourceArn: `${f.resourceArn}${long}`,
    }));
    const errors = Array.from({ length: 30 }, (_, i) => ({
      accountId: "123456789012",
      region: "us-east-1",
      message: `${i}${long}`,
    }));
    const result = renderScanResult({ outcome: outcomeOf(findings, errors) });
    for (const message of allMessages(result)) expect(checkMessage(message)).toEqual([]);
    expect(allMessages(result).flatMap(refsIn)).toHaveLength(120);
  });

  it("lists checks that could not be evaluated in the thread, without actions", () => {
    const errored = makeFindings(3, {
      status: "ERROR",
      detail: "Could not evaluate: s3:GetBucketPolicy was denied.",
    });
    const result = renderScanResult({ outcome: outcomeOf([makeFinding(), ...errored]) });
    expect(result.main.text).toContain("3 could not be evaluated");
    const thread = JSON.stringify(result.thread);
    expect(thread).toContain("Could not evaluate");
    expect(result.thread.flatMap(refsIn)).toEqual([]);
  });

  it("says so when everything passes", () => {
    const { main, thread } = renderScanResult({ outcome: outcomeOf(makeFindings(3, { status: "PASS" })) });
    expect(main.text).toContain("every check passes");
    expect(JSON.stringify(main.blocks)).toContain("Every check passes");
    expect(thread).toEqual([]);
  });

  it("builds the same messages cooperatively, pausing between slices", async () => {
    const input = { outcome: outcomeOf([...makeFindings(750), ...makeFindings(20, { status: "ERROR" })]) };
    let pauses = 0;
    const result = await renderScanResultCooperatively(input, {
      sliceSize: 100,
      pause: async () => {
        pauses += 1;
      },
    });
    expect(result).toEqual(renderScanResult(input));
    expect(pauses).toBeGreaterThanOrEqual(8);
  });
});

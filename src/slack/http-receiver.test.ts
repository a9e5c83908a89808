import { describe, expect, it } from "vitest";
import { makeFinding, makeFindings, recordOf } from "../../test/support/slack-fakes.js";
import { slackSignature } from "../../test/support/slack-signing.js";
import { parseConfig } from "../config/load-config.js";
import { httpLimits } from "./app.js";
import { validSignature } from "./http-receiver.js";
import type { FixPlanView } from "./ports.js";
import { renderAppHome } from "./views/app-home.js";
import { renderFixPlanModal } from "./views/fix-modal.js";
import { renderScanResult } from "./views/scan-result.js";

/** Text that costs the most bytes once JSON-encoded and URL-encoded: 4-byte characters and quotes. */
const HEAVY = `"😀ü<&>\\`;

/** The body Slack posts for a click: `payload=` and the URL-encoded JSON, the whole message or view inside. */
function interactionBytes(payload: Record<string, unknown>): number {
  return Buffer.byteLength(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const envelope = {
  type: "block_actions",
  user: { id: "U0123ABCDEF", username: "someone", name: "someone", team_id: "T0123ABCD" },
  team: { id: "T0123ABCD", domain: "example" },
  api_app_id: "A0123ABCD",
  token: "x".repeat(24),
  trigger_id: "1234567890.1234567890.abcdefabcdefabcdefabcdefabcdef12",
  response_url: `https://hooks.slack.com/actions/T0123ABCD/1234567890/${"x".repeat(24)}`,
  actions: [{ action_id: "finding:fix", block_id: "b".repeat(40), value: "r".repeat(22), type: "button" }],
};

describe("the body limit", () => {
  it("is four times the largest payload our own messages and views can make Slack send", () => {
    const limit = httpLimits(parseConfig({}).slack.http).bodyLimitBytes;
    const findings = makeFindings(5000, { title: HEAVY.repeat(40), detail: HEAVY.repeat(200) }).map(
      (f, i) => ({
        ...f,
        resourceArn: `arn:aws:forecast:us-east-1:123456789012:dataset/${HEAVY.repeat(30)}${i}`,
      }),
    );
    const result = renderScanResult({
      outcome: {
        scanId: "scan-1",
        findings,
        errors: [],
        startedAt: new Date(),
        finishedAt: new Date(),
        accounts: ["123456789012"],
        regions: ["us-east-1"],
      },
      requestedBy: ["U0123ABCDEF"],
    });
    const messages = [result.main, ...result.thread];
    const home = renderAppHome({
      userId: "U0123ABCDEF",
      posture: [],
      lastScan: undefined,
      running: [],
      topFindings: findings.slice(0, 200).map((f) => recordOf(f)),
      approvals: [],
      generatedAt: new Date(),
    });
    const step = {
      service: HEAVY.repeat(10),
      operation: "PutBucketPolicy",
      region: "us-east-1",
      description: HEAVY.repeat(300),
    };
    const plan: FixPlanView = {
      steps: Array.from({ length: 40 }, () => step),
      before: HEAVY.repeat(2000),
      after: HEAVY.repeat(2000),
      diff: HEAVY.repeat(2000),
      notes: Array.from({ length: 20 }, () => HEAVY.repeat(200)),
      fingerprint: "a".repeat(64),
      choice: { kind: "kms-key", labels: Array.from({ length: 100 }, () => HEAVY.repeat(20)) },
    };
    const modal = renderFixPlanModal(
      { finding: makeFinding({ title: HEAVY.repeat(100) }), remediationTitle: HEAVY.repeat(50), plan },
      { ref: "r".repeat(22), fingerprint: "a".repeat(64), channelId: "C0123ABCD" },
      { approvalsChannel: "C0123ABCD", approversConfigured: true },
    );
    const sizes = [
      ...messages.map((m) =>
        interactionBytes({
          ...envelope,
          container: { type: "message" },
          message: { ...m, ts: "1.2" },
          channel: { id: "C0123ABCD" },
        }),
      ),
      interactionBytes({
        ...envelope,
        container: { type: "view" },
        view: { ...home, id: "V1", state: { values: {} } },
      }),
      interactionBytes({
        ...envelope,
        type: "view_submission",
        view: { ...modal, id: "V2", state: { values: { fix: { reason: { value: HEAVY.repeat(60) } } } } },
      }),
    ];
    const largest = Math.max(...sizes);
    console.log(
      `largest payload our views can cause: ${(largest / 1024).toFixed(0)} KB; limit ${limit / 1024} KB`,
    );
    expect(largest).toBeGreaterThan(10_000);
    expect(largest * 4).toBeLessThanOrEqual(limit);
  });
});

describe("validSignature", () => {
  it("accepts Slack's v0 signature of the exact body and nothing else", () => {
    const body = Buffer.from("payload=%7B%7D");
    const ts = 1_700_000_000;
    const good = slackSignature("secret-1", ts, body.toString());
    expect(validSignature("secret-1", String(ts), good, body)).toBe(true);
    expect(validSignature("secret-2", String(ts), good, body)).toBe(false);
    expect(validSignature("secret-1", String(ts + 1), good, body)).toBe(false);
    expect(validSignature("secret-1", String(ts), good, Buffer.from("payload=%7B%20%7D"))).toBe(false);
    expect(validSignature("secret-1", String(ts), good.slice(0, -1), body)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import type { Finding } from "../../domain/finding.js";
import { renderJson } from "./json.js";
import { escapeMarkdownCell, renderMarkdown } from "./markdown.js";
import { buildReport } from "./report.js";
import { renderTable } from "./table.js";

function finding(overrides: Partial<Finding>): Finding {
  return {
    controlId: "kms-key-rotation-enabled",
    status: "FAIL",
    severity: "medium",
    accountId: "123456789012",
    region: "us-east-1",
    resourceArn: "arn:aws:kms:us-east-1:123456789012:key/abc",
    resourceType: "kms-key",
    title: "Customer-managed keys rotate automatically",
    detail: "Automatic rotation is off.",
    ...overrides,
  };
}

const findings: Finding[] = [
  finding({
    status: "PASS",
    severity: "low",
    controlId: "cloudtrail-log-file-validation",
    detail: "Validation is on.",
  }),
  finding({}),
  finding({
    status: "ERROR",
    severity: "high",
    controlId: "s3-bucket-tls-enforced",
    resourceArn: "arn:aws:s3:::data",
    detail:
      "Could not evaluate: s3:GetBucketPolicy was denied (AccessDenied); grant s3:GetBucketPolicy to the audit role.",
    error: { code: "AccessDenied", message: "denied", action: "s3:GetBucketPolicy" },
  }),
  finding({
    severity: "critical",
    controlId: "kms-key-not-pending-deletion",
    detail: "The key is | pending <deletion>.",
  }),
];

const report = buildReport({
  startedAt: "2026-11-28T10:00:00.000Z",
  finishedAt: "2026-11-28T10:01:00.000Z",
  accounts: ["123456789012"],
  regions: ["us-east-1"],
  findings,
});

describe("report formats", () => {
  it("orders FAIL before ERROR before PASS, most severe first", () => {
    expect(report.findings.map((f) => `${f.status}:${f.severity}`)).toEqual([
      "FAIL:critical",
      "FAIL:medium",
      "ERROR:high",
      "PASS:low",
    ]);
    expect(report.summary.byStatus).toEqual({ PASS: 1, FAIL: 2, ERROR: 1 });
    expect(report.summary.failing.critical).toBe(1);
  });

  it("json has the interface fields for every finding", () => {
    const parsed = JSON.parse(renderJson(report)) as { findings: Array<Record<string, unknown>> };
    expect(parsed.findings).toHaveLength(4);
    for (const f of parsed.findings) {
      for (const key of [
        "controlId",
        "status",
        "severity",
        "accountId",
        "region",
        "resourceArn",
        "title",
        "detail",
      ]) {
        expect(f[key], key).toBeTypeOf("string");
      }
    }
  });

  it("table hides passed checks unless asked and ends with the summary", () => {
    const table = renderTable(report);
    expect(table).not.toContain("cloudtrail-log-file-validation");
    expect(table).toContain("kms-key-not-pending-deletion");
    const tail = table.trim().split("\n").slice(-3).join(" ");
    expect(tail).toContain(
      "4 findings in 1 account(s), 1 region(s): 2 FAIL (1 critical, 0 high, 1 medium, 0 low), 1 ERROR, 1 PASS.",
    );
    expect(renderTable(report, { includePassed: true })).toContain("cloudtrail-log-file-validation");
  });

  it("markdown escapes cells so untrusted text cannot break the table or inject HTML", () => {
    expect(escapeMarkdownCell("a|b <img> `x`")).toBe("a\\|b &lt;img&gt; \\`x\\`");
    const md = renderMarkdown(report);
    expect(md).toContain("The key is \\| pending &lt;deletion&gt;.");
    expect(md).toContain("| critical | 1 | 0 |");
  });
});

describe("the findings a stored scan could not re-check", () => {
  const stale = buildReport({
    startedAt: "2026-11-28T10:00:00.000Z",
    finishedAt: "2026-11-28T10:01:00.000Z",
    accounts: ["123456789012"],
    regions: ["us-east-1"],
    findings,
    notRechecked: [
      {
        controlId: "kms-key-not-pending-deletion",
        severity: "critical",
        accountId: "123456789012",
        region: "us-east-1",
        resourceArn: "arn:aws:kms:us-east-1:123456789012:key/doomed",
        detail:
          "KMS key doomed is scheduled for deletion on 2026-12-01; data encrypted under it will become unreadable.",
        notRecheckedSince: "2026-11-27T10:01:00.000Z",
      },
    ],
  });

  it("are listed after the table, in markdown and in JSON, each with the date its verdict stands from", () => {
    // Wide enough that no line wraps: the lines are compared whole.
    expect(renderTable(stale, { width: 400 })).toContain(
      "1 failing finding(s) from earlier scans could not be re-checked; they stay open:\n  critical kms-key-not-pending-deletion 123456789012 us-east-1 arn:aws:kms:us-east-1:123456789012:key/doomed: not re-checked since 2026-11-27.",
    );
    expect(renderMarkdown(stale)).toMatch(
      /\| critical \| `kms-key-not-pending-deletion` \| .* \| 2026-11-27 \| KMS key doomed/,
    );
    expect(JSON.parse(renderJson(stale)).notRechecked).toEqual([
      expect.objectContaining({
        controlId: "kms-key-not-pending-deletion",
        notRecheckedSince: "2026-11-27T10:01:00.000Z",
      }),
    ]);
    expect(renderTable(report)).not.toContain("re-checked");
  });
});

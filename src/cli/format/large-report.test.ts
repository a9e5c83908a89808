/**
 * Every format renders a report of hundreds of thousands of findings (a 150,000-resource account lists
 * ~430,000 with --all) without "Maximum call stack size exceeded": the markdown report used to spread its
 * rows into one push() call, and the html report copied a control's group for every finding (quadratic).
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../domain/finding.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport } from "./report.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

const ROWS = 150_000;

describe("a report of 150,000 findings", () => {
  const finding: Finding = {
    controlId: "kms-key-rotation-enabled",
    status: "FAIL",
    severity: "medium",
    accountId: "123456789012",
    region: "us-east-1",
    resourceArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    resourceType: "kms-key",
    title: "Customer-managed keys rotate automatically",
    detail: "Automatic rotation is off.",
  };
  const one = buildReport({
    startedAt: "2026-12-03T06:00:00.000Z",
    finishedAt: "2026-12-03T06:01:00.000Z",
    accounts: ["123456789012"],
    regions: ["us-east-1"],
    findings: [finding],
  });
  // The same masked row many times over: what is tested is the rendering, not the masking.
  const report = {
    ...one,
    findings: Array.from({ length: ROWS }, () => one.findings[0] as (typeof one.findings)[number]),
  };

  it("renders in every format that lists rows", { timeout: 60_000 }, () => {
    const id = report.findings[0]?.id ?? "";
    const count = (text: string) => text.split(id).length - 1;
    for (const text of [
      renderMarkdown(report, { includePassed: true }),
      renderTable(report, { includePassed: true }),
      renderHtml(report, "1.0.0", { includePassed: true }),
      renderSarif(report, "1.0.0", { includePassed: true }),
    ])
      expect(count(text)).toBeGreaterThanOrEqual(ROWS);
  });
});

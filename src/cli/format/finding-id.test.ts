/** Every format carries each finding's id, made from the unmasked key, and keeps AWS identifiers whole. */
import { describe, expect, it } from "vitest";
import { type Finding, findingId } from "../../domain/finding.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport } from "./report.js";
import { renderTable } from "./table.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/3fa85f64-5717-4562-b3fc-a123456789ab";
const NAMED_ARN = "arn:aws:forecast:us-east-1:123456789012:dataset/sales_4111111111111111";

const base: Omit<Finding, "controlId" | "resourceArn" | "resourceType"> = {
  status: "FAIL",
  severity: "high",
  accountId: "123456789012",
  region: "us-east-1",
  title: "t",
  detail: "d.",
};
const findings: Finding[] = [
  { ...base, controlId: "kms-key-rotation-enabled", resourceArn: KEY_ARN, resourceType: "kms-key" },
  {
    ...base,
    controlId: "forecast-names-no-sensitive-data",
    resourceArn: NAMED_ARN,
    resourceType: "forecast-dataset",
  },
];
const report = buildReport({
  startedAt: "2026-11-28T10:00:00.000Z",
  finishedAt: "2026-11-28T10:01:00.000Z",
  accounts: ["123456789012"],
  regions: ["us-east-1"],
  findings,
});
const ids = findings.map(findingId);

describe("finding ids in the report formats", () => {
  it("json: the id first, from the unmasked key; key ids whole, names masked", () => {
    const parsed = JSON.parse(renderJson(report)) as {
      findings: Array<{ id: string; resourceArn: string }>;
    };
    expect(parsed.findings.map((f) => f.id).sort()).toEqual([...ids].sort());
    for (const f of parsed.findings) expect(Object.keys(f)[0]).toBe("id");
    const arns = parsed.findings.map((f) => f.resourceArn);
    expect(arns).toContain(KEY_ARN);
    expect(arns).toContain("arn:aws:forecast:us-east-1:123456789012:dataset/sales_[payment-card]");
    expect(renderJson(report)).not.toContain("4111111111111111");
  });

  it("table and markdown: an ID column", () => {
    const table = renderTable(report);
    // Each finding's line starts with its status and id, under its severity's heading.
    for (const id of ids) expect(table).toMatch(new RegExp(`^ {2}(FAIL|ERROR) ${id} `, "m"));
    const md = renderMarkdown(report);
    expect(md).toContain("| ID | Status | Severity |");
    for (const id of ids) {
      expect(table).toContain(id);
      expect(md).toContain(`\`${id}\``);
    }
  });
});

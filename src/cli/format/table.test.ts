import { describe, expect, it } from "vitest";
import { type Finding, findingId } from "../../domain/finding.js";
import { buildReport } from "./report.js";
import { renderTable } from "./table.js";
import { wrapText } from "./wrap.js";

const LONG_DETAIL =
  'Bucket "acme-forecast-input" has no bucket policy statement that denies requests without TLS, so Forecast data can travel in clear text between clients and Amazon S3.';

function finding(overrides: Partial<Finding>): Finding {
  return {
    controlId: "s3-bucket-tls-enforced",
    status: "FAIL",
    severity: "high",
    accountId: "123456789012",
    region: "eu-west-1",
    resourceArn: "arn:aws:s3:::acme-forecast-input",
    resourceType: "s3-bucket",
    title: "Forecast buckets deny requests without TLS",
    detail: LONG_DETAIL,
    ...overrides,
  };
}

const findings = [
  finding({}),
  finding({ controlId: "kms-key-rotation-enabled", severity: "medium", detail: "Rotation is off." }),
  finding({ controlId: "iam-root-mfa-enabled", severity: "critical", detail: "The root user has no MFA." }),
  finding({ controlId: "macie-enabled", severity: "low", status: "PASS", detail: "Macie is enabled." }),
];
const report = buildReport({
  startedAt: "2026-11-28T10:00:00.000Z",
  finishedAt: "2026-11-28T10:01:00.000Z",
  accounts: ["123456789012"],
  regions: ["eu-west-1"],
  findings,
});

describe("wrapText", () => {
  it("breaks at spaces only, and splits only a word longer than the line", () => {
    expect(wrapText("one two three four five", 10)).toEqual(["one two", "three four", "five"]);
    expect(wrapText("arn:aws:s3:::a-very-long-bucket-name x", 10)).toEqual([
      "arn:aws:s3",
      ":::a-very-",
      "long-bucke",
      "t-name x",
    ]);
  });
});

describe("the terminal table", () => {
  for (const width of [40, 60, 80, 120]) {
    it(`fits ${width} columns and never cuts the detail mid-word`, () => {
      const table = renderTable(report, { width });
      for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(width);
      const flat = table.replace(/\n\s*/g, " ");
      expect(flat).toContain(LONG_DETAIL);
      expect(table).not.toContain("…");
    });
  }

  it("groups by severity, most severe first, and shows each finding's id", () => {
    const table = renderTable(report);
    const headers = table.split("\n").filter((l) => /^[A-Z]+ \(/.test(l));
    expect(headers).toEqual(["CRITICAL (1 FAIL)", "HIGH (1 FAIL)", "MEDIUM (1 FAIL)"]);
    for (const f of findings.filter((x) => x.status !== "PASS")) expect(table).toContain(findingId(f));
    expect(table).not.toContain(findingId(findings[3]!));
    expect(renderTable(report, { includePassed: true })).toContain("LOW (1 PASS)");
  });

  it("uses colour only when asked (a terminal without NO_COLOR), and strips escapes from AWS text", () => {
    expect(renderTable(report)).not.toContain("\u001b[");
    expect(renderTable(report, { color: true })).toContain("\u001b[1;35mCRITICAL");
    const hostile = buildReport({
      ...report,
      findings: [finding({ detail: "Tag \u001b[2J\u001b]0;pwned\u0007 holds a secret." })],
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none reach the terminal
    expect(renderTable(hostile)).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});

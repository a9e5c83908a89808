/**
 * Masking only what is shown: a report that lists only the failing findings renders every format that hides
 * passed checks byte for byte like a report of every finding, the untrusted text masked the same way; the
 * scan command lists every finding for json and ocsf (which write them all) and with --all.
 */
import { describe, expect, it } from "vitest";
import {
  buildInsecureAccount,
  buildInventory,
  buildSecureAccount,
  buildSettings,
} from "../../../test/support/inventory-builders.js";
import { finishScan } from "../../scan/run-scan.js";
import { render as renderScan, scanForReport } from "../commands/scan.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport } from "./report.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

const UNTRUSTED = "jdoe@example.com";
const inventory = buildInventory(buildSecureAccount(), {
  ...buildInsecureAccount(UNTRUSTED),
  accountId: "210987654321",
});
const result = finishScan(
  { config: { requireFips: false }, now: () => buildSettings().now },
  {
    scope: { accounts: [], regions: ["us-east-1"] },
    trigger: { kind: "cli", user: "test" },
    inventory,
    startedAt: buildSettings().now,
    scanId: "scan-1",
  },
);
const input = {
  scanId: result.scanId,
  startedAt: result.startedAt,
  finishedAt: result.finishedAt,
  accounts: ["123456789012", "210987654321"],
  regions: ["us-east-1", "eu-west-1"],
  findings: result.findings,
};

describe("a report of the failing findings only", () => {
  const all = buildReport(input);
  const failing = buildReport(input, { list: "failing" });

  it("lists the FAIL and ERROR findings and counts every finding", () => {
    expect(result.findings.some((f) => f.status === "PASS")).toBe(true);
    expect(failing.findings.length).toBeGreaterThan(0);
    expect(failing.findings.every((f) => f.status !== "PASS")).toBe(true);
    expect(failing.findings).toEqual(all.findings.filter((f) => f.status !== "PASS"));
    expect(failing.summary).toEqual(all.summary);
  });

  it("renders table, markdown, html and sarif exactly like the full report, with nothing sensitive", () => {
    const outputs = [
      [renderTable(failing, { width: 120 }), renderTable(all, { width: 120 })],
      [renderMarkdown(failing), renderMarkdown(all)],
      [renderHtml(failing, "1.0.0"), renderHtml(all, "1.0.0")],
      [renderSarif(failing, "1.0.0"), renderSarif(all, "1.0.0")],
    ];
    for (const [shown, full] of outputs) {
      expect(shown).toBe(full);
      expect(shown).not.toContain(UNTRUSTED);
      // markdown escapes the brackets
      expect(shown).toMatch(/\\?\[email\\?\]/);
    }
  });
});

const render = (
  scan: typeof result,
  ...rest: Parameters<typeof renderScan> extends [unknown, ...infer R] ? R : never
) => renderScan(scanForReport(scan), ...rest);

describe("render", () => {
  const total = result.findings.length;
  it("writes every finding in json and ocsf, masked", () => {
    const json = render(result, "json", { includePassed: false });
    expect((JSON.parse(json) as { findings: unknown[] }).findings).toHaveLength(total);
    const ocsf = render(result, "ocsf", { includePassed: false });
    expect(JSON.parse(ocsf) as unknown[]).toHaveLength(total);
    for (const text of [json, ocsf]) expect(text).not.toContain(UNTRUSTED);
  });

  it("lists passed checks in the other formats with --all", () => {
    const passed = result.findings.filter((f) => f.status === "PASS").length;
    const sarif = (text: string) => (JSON.parse(text) as { runs: { results: unknown[] }[] }).runs[0]?.results;
    expect(sarif(render(result, "sarif", { includePassed: true }))).toHaveLength(total);
    expect(sarif(render(result, "sarif", { includePassed: false }))).toHaveLength(total - passed);
  });
});

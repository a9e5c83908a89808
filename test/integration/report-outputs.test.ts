/**
 * The machine-readable and HTML reports of a real `scan` run (the demo inventory, no AWS): OCSF validated
 * against the OCSF 1.5.0 Detection Finding JSON schema, SARIF against the SARIF 2.1.0 schema, and the HTML
 * report opened in a real headless Chromium with no console error, no request leaving the file, and its
 * screenshot kept at artifacts/html-report.png (CI's artefact).
 */
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findingId } from "../../src/domain/finding.js";
import { REPO_ROOT, runCli } from "../support/cli-runner.js";
import { launchChromium } from "../support/headless-chromium.js";
import { ocsfClassSchema, sarifSchema } from "../support/output-schemas.js";

/** ajv-draft-04 is CommonJS whose class is `module.exports`; NodeNext types see only its `default`. */
const AjvDraft04 = createRequire(import.meta.url)("ajv-draft-04") as typeof import("ajv-draft-04").default;
const DEMO = join(REPO_ROOT, "examples", "demo-inventory.json");
const SCREENSHOT = join(REPO_ROOT, "artifacts", "html-report.png");
const OFFLINE: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_PROFILE: undefined,
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  FORECAST_AUDIT_CONFIG: undefined,
  DATABASE_URL: undefined,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-outputs-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scanTo(format: string, extra: string[] = [], env: Record<string, string | undefined> = {}) {
  const file = join(dir, `report.${format}`);
  const run = await runCli(
    ["scan", "--inventory", DEMO, "--format", format, "--output", file, "--fail-on", "none", ...extra],
    { env: { ...OFFLINE, ...env }, cwd: dir },
  );
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stdout).toBe("");
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  return readFile(file, "utf8");
}

describe("--format ocsf", () => {
  it("is a list of OCSF 1.5.0 Detection Findings that validate against the published class schema", async () => {
    const events = JSON.parse(await scanTo("ocsf", ["--no-store"])) as Array<Record<string, unknown>>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(await ocsfClassSchema("1.5.0", 2004, ["cloud"]));
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      expect(validate(event), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
    const statuses = new Set(events.map((e) => e.status_code));
    expect(statuses).toEqual(new Set(["FAIL", "ERROR", "PASS"]));
    expect(events.every((e) => e.class_uid === 2004 && e.type_uid === 200401)).toBe(true);
  }, 120_000);

  it("would reject an event the schema does not allow (the check can fail)", async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(await ocsfClassSchema("1.5.0", 2004, ["cloud"]));
    const [event] = JSON.parse(await scanTo("ocsf", ["--no-store"])) as Array<Record<string, unknown>>;
    expect(validate({ ...event, severity_id: "high" })).toBe(false);
    expect(validate({ ...event, finding_uid: "x" })).toBe(false);
  }, 120_000);
});

describe("--format sarif", () => {
  it("validates against the SARIF 2.1.0 schema, one rule per control and one result per failing finding", async () => {
    const log = JSON.parse(await scanTo("sarif", ["--no-store"])) as {
      version: string;
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; help: { text: string } }> } };
        results: Array<{
          ruleId: string;
          kind: string;
          level: string;
          partialFingerprints: { findingId: string };
        }>;
      }>;
    };
    // The schema's language-tag pattern is not valid as a Unicode regular expression: compile without the u flag.
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile(await sarifSchema());
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate({ ...log, version: "2.0.0" })).toBe(false);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules).toHaveLength(28);
    expect(run.tool.driver.rules.every((r) => r.help.text.length > 20)).toBe(true);
    expect(run.results.some((r) => r.kind === "fail" && r.level === "error")).toBe(true);
    expect(run.results.some((r) => r.kind === "open" && r.level === "none")).toBe(true);
    expect(run.results.every((r) => /^f-[0-9a-z]{12}$/.test(r.partialFingerprints.findingId))).toBe(true);
  });
});

describe("--format html", () => {
  it("renders in headless Chromium with the summary, the charts, guidance and the store's trend, offline", async () => {
    const html = await scanTo("html", [], { DATABASE_URL: `sqlite:${join(dir, "state.db")}` });
    const file = join(dir, "report.html");
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`);
      });
      await page.setViewportSize({ width: 1200, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const text = (await page.locator("body").textContent()) ?? "";
      expect(text).toContain("Amazon Forecast data-protection audit");
      expect(text).toContain("Findings by control");
      expect(text).toMatch(/Failing findings, last \d+ days \(state store\)/);
      expect(await page.locator("svg").count()).toBe(2);
      expect(await page.locator("section.control").count()).toBeGreaterThan(5);
      expect(await page.locator("section.control details pre").count()).toBeGreaterThan(5);
      const [box] = await page
        .locator("figure svg")
        .evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(box).toBeGreaterThan(100);
      await mkdir(join(REPO_ROOT, "artifacts"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
  }, 120_000);

  it("escapes untrusted text from AWS", async () => {
    const { renderHtml } = await import("../../src/cli/format/html.js");
    const { buildReport } = await import("../../src/cli/format/report.js");
    const finding = {
      controlId: "forecast-names-no-sensitive-data",
      status: "FAIL" as const,
      severity: "medium" as const,
      accountId: "123456789012",
      region: "us-east-1",
      resourceArn: "arn:aws:forecast:us-east-1:123456789012:dataset/<script>alert(1)</script>",
      resourceType: "forecast-dataset" as const,
      title: "t",
      detail: 'Name "<img src=x onerror=alert(1)>" looks sensitive.',
    };
    const out = renderHtml(
      buildReport({ startedAt: "", finishedAt: "", accounts: ["1"], regions: ["r"], findings: [finding] }),
      "0",
    );
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("<img");
    expect(out).toContain(findingId(finding));
  });
});

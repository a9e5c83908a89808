import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStoreCli, kmsFinding, SCOPE, type StoreCli } from "../../../test/support/store-cli.js";
import { findingId } from "../../domain/finding.js";
import { CliError } from "../errors.js";
import { parseStatusFilter, registerFindingsCommand, renderColumns, stripControl } from "./findings.js";

let cli: StoreCli;

beforeEach(async () => {
  cli = await createStoreCli();
  const store = await cli.store();
  await store.recordScan({
    scope: SCOPE,
    trigger: "cli:seed",
    findings: [
      kmsFinding("a", "FAIL", { severity: "high" }),
      kmsFinding("b", "FAIL"),
      kmsFinding("c", "PASS"),
      kmsFinding("d", "FAIL", { controlId: "kms-key-not-pending-deletion", severity: "critical" }),
    ],
  });
  cli.clock.now = new Date("2026-03-02T08:00:00.000Z");
  await store.recordScan({
    scope: SCOPE,
    trigger: "cli:seed",
    findings: [
      kmsFinding("a", "FAIL", { severity: "high" }),
      kmsFinding("b", "PASS"),
      kmsFinding("c", "PASS"),
      kmsFinding("d", "FAIL", { controlId: "kms-key-not-pending-deletion", severity: "critical" }),
    ],
  });
});

afterEach(async () => {
  await cli.cleanup();
});

const run = (...args: string[]) => cli.run(registerFindingsCommand, "findings", ...args);

describe("forecast-audit findings", () => {
  it("lists the failing findings by default, most severe first, with their lifecycle", async () => {
    const out = await run();
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+LIFECYCLE\s+STATUS\s+SEVERITY\s+CONTROL/);
    expect(lines[1]).toMatch(/^f-[0-9a-z]{12}\s+open\s+FAIL\s+critical\s+kms-key-not-pending-deletion/);
    expect(lines[2]).toMatch(/^f-[0-9a-z]{12}\s+open\s+FAIL\s+high\s+kms-key-rotation-enabled.*key\/a/);
    expect(out).not.toContain("key/b");
    expect(out).toContain("2 finding(s).");
  });

  it("filters by lifecycle and minimum severity, and prints JSON", async () => {
    const resolved = JSON.parse(await run("--status", "resolved", "--format", "json")) as {
      findings: { resourceArn: string; lifecycle: string; resolvedReason: string }[];
    };
    expect(
      resolved.findings.map((f) => [f.resourceArn.split("/").pop(), f.lifecycle, f.resolvedReason]),
    ).toEqual([["b", "resolved", "pass"]]);
    const critical = JSON.parse(await run("--severity", "critical", "--format", "json")) as {
      findings: { controlId: string }[];
    };
    expect(critical.findings.map((f) => f.controlId)).toEqual(["kms-key-not-pending-deletion"]);
    const all = JSON.parse(await run("--status", "all", "--format", "json")) as { findings: unknown[] };
    expect(all.findings).toHaveLength(4);
  });

  it("hides suppressed findings unless asked, and marks them", async () => {
    const store = await cli.store();
    await store.addSuppression({
      controlId: "kms-key-not-pending-deletion",
      reason: "known",
      createdBy: "u",
    });
    expect(await run()).not.toContain("kms-key-not-pending-deletion");
    expect(await run("--include-suppressed")).toMatch(/open \(suppressed\)\s+FAIL\s+critical/);
  });

  it("renders Markdown with escaped cells", async () => {
    const out = await run("--format", "markdown", "--control", "kms-key-rotation-enabled");
    expect(out.split("\n")[0]).toBe(
      "| ID | LIFECYCLE | STATUS | SEVERITY | CONTROL | ACCOUNT | REGION | RESOURCE | SINCE | DETAIL |",
    );
    expect(out).toMatch(
      /\| f-[0-9a-z]{12} \| open \| FAIL \| high \| kms-key-rotation-enabled \| 111111111111 \|/,
    );
  });

  it("shows every finding's id, and keeps identifiers whole where names are masked", async () => {
    const store = await cli.store();
    const keyArn = "arn:aws:kms:us-east-1:111111111111:key/3fa85f64-5717-4562-b3fc-a123456789ab";
    const named = "arn:aws:forecast:us-east-1:111111111111:dataset/sales_4111111111111111";
    await store.recordScan({
      scope: { ...SCOPE, controls: [...SCOPE.controls, "forecast-names-no-sensitive-data"] },
      trigger: "cli:seed",
      findings: [
        kmsFinding("a", "FAIL", { severity: "high" }),
        kmsFinding("d", "FAIL", { controlId: "kms-key-not-pending-deletion", severity: "critical" }),
        kmsFinding("x", "FAIL", { resourceArn: keyArn }),
        kmsFinding("y", "FAIL", {
          controlId: "forecast-names-no-sensitive-data",
          resourceArn: named,
          resourceType: "forecast-dataset",
        }),
      ],
    });
    const json = JSON.parse(await run("--format", "json")) as {
      findings: Array<{ id: string; key: string; resourceArn: string; controlId: string }>;
    };
    for (const f of json.findings) {
      expect(Object.keys(f)[0]).toBe("id");
      expect(f.id).toMatch(/^f-[0-9a-hjkmnp-tv-z]{12}$/);
      expect(await store.getFindingById(f.id)).toMatchObject({ controlId: f.controlId });
    }
    const key = json.findings.find((f) => f.resourceArn.includes(":key/3fa85f64"));
    expect(key?.resourceArn).toBe(keyArn);
    const name = json.findings.find((f) => f.controlId === "forecast-names-no-sensitive-data");
    expect(name?.resourceArn).toBe("arn:aws:forecast:us-east-1:111111111111:dataset/sales_[payment-card]");
    expect(name?.key).toContain("sales_[payment-card]");
    expect(name?.id).toBe(
      findingId({
        controlId: "forecast-names-no-sensitive-data",
        accountId: "111111111111",
        region: "us-east-1",
        resourceArn: named,
      }),
    );
  });

  it("says so when nothing matches", async () => {
    expect(await run("--account", "999999999999")).toBe("No stored findings match.\n");
  });

  it.each([
    [["--status", "broken"], /--status: unknown value broken/],
    [["--severity", "urgent"], /--severity must be one of critical, high, medium, low/],
    [["--format", "xml"], /--format must be one of table, json, markdown/],
    [["--limit", "0"], /--limit must be a whole number/],
  ])("rejects %j with a CliError that names the option", async (args, message) => {
    const error = await run(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  });
});

describe("parseStatusFilter", () => {
  it("maps words to lifecycle states and statuses", () => {
    expect(parseStatusFilter(undefined)).toEqual({ lifecycle: ["new", "open", "reopened"] });
    expect(parseStatusFilter(["all"])).toEqual({});
    expect(parseStatusFilter(["error"])).toEqual({ status: ["ERROR"] });
    expect(parseStatusFilter(["resolved", "NEW"])).toEqual({ lifecycle: ["resolved", "new"] });
  });
});

describe("renderColumns", () => {
  it("keeps terminal control sequences from untrusted text out of the output", () => {
    expect(stripControl("a\u001b[31mred\u0007")).toBe("a [31mred ");
    const out = renderColumns(
      [{ title: "NAME", cell: (r: string) => r }],
      ["x\u001b]0;title\u0007"],
      "table",
    );
    expect(out).not.toContain("\u001b");
  });
});

describe("forecast-audit findings: not re-checked", () => {
  it("says since when a failing finding could not be re-checked, and keeps it open", async () => {
    const store = await cli.store();
    cli.clock.now = new Date("2026-03-03T08:00:00.000Z");
    const denied = { code: "AccessDenied", message: "denied", action: "kms:GetKeyRotationStatus" };
    await store.recordScan({
      scope: SCOPE,
      trigger: "cli:seed",
      findings: [
        kmsFinding("a", "ERROR", { severity: "high", error: denied, detail: "Could not evaluate." }),
      ],
      evidence: [
        {
          accountId: kmsFinding("a", "FAIL").accountId,
          incomplete: {},
          seen: [],
          reach: {},
          notApplicable: [],
        },
      ],
    });
    const out = await run();
    expect(out).toMatch(
      /open\s+ERROR\s+high\s+kms-key-rotation-enabled.*key\/a.*\(not re-checked since 2026-03-02\) /,
    );
    const json = JSON.parse(await run("--format", "json")) as {
      findings: { resourceArn: string; notRecheckedSince?: string }[];
    };
    expect(json.findings.find((f) => f.resourceArn.endsWith("key/a"))?.notRecheckedSince).toBe(
      "2026-03-02T08:00:00.000Z",
    );
  });
});

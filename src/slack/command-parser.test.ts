import { describe, expect, it } from "vitest";
import { parseCommand } from "./command-parser.js";

const config = { accounts: [{ id: "123456789012", name: "prod" }, { id: "210987654321" }] };

describe("parseCommand", () => {
  it.each([
    ["", { kind: "scan" }],
    ["scan", { kind: "scan" }],
    ["  SCAN  ", { kind: "scan" }],
    ["scan 123456789012", { kind: "scan", accounts: ["123456789012"] }],
    ["scan prod us-east-1", { kind: "scan", accounts: ["123456789012"], regions: ["us-east-1"] }],
    ["scan eu-west-1 PROD", { kind: "scan", accounts: ["123456789012"], regions: ["eu-west-1"] }],
    [
      "210987654321 ap-southeast-2",
      { kind: "scan", accounts: ["210987654321"], regions: ["ap-southeast-2"] },
    ],
    ["status", { kind: "status" }],
    ["findings", { kind: "findings" }],
    ["findings HIGH", { kind: "findings", minSeverity: "high" }],
    ["digest", { kind: "digest" }],
    ["help", { kind: "help" }],
  ])("parses %j", (text, command) => {
    expect(parseCommand(text, config)).toEqual({ ok: true, command });
  });

  it.each([
    ["frobnicate", /Unknown subcommand "frobnicate"/],
    ["scan 999999999999", /not in the configuration/],
    ["scan prod 210987654321", /at most one account/],
    ["scan us-east-1 eu-west-1", /at most one region/],
    ["scan a b c", /at most an account and a region/],
    ["scan staging", /neither an account/],
    ["scan us-east-9", /"us-east-9" is not an AWS region where Amazon Forecast runs: us-east-1, .*eu-west-1/],
    ["scan prod us-west-1", /"us-west-1" is not an AWS region where Amazon Forecast runs/],
    ["findings urgent", /not a severity/],
    ["findings high low", /at most one severity/],
    ["status now", /takes no arguments/],
    ["x".repeat(501), /too long/],
  ])("rejects %j with a clear message", (text, message) => {
    const parsed = parseCommand(text, config);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it("accepts any 12-digit account when none is configured", () => {
    expect(parseCommand("scan 999999999999", { accounts: [] })).toEqual({
      ok: true,
      command: { kind: "scan", accounts: ["999999999999"] },
    });
  });

  it("reads the entities Slack puts in command text as the characters typed", () => {
    const parsed = parseCommand("&lt;!channel&gt;", config);
    expect(parsed).toEqual({ ok: false, error: 'Unknown subcommand "<!channel>".' });
  });

  describe("--account and --ou", () => {
    const org = {
      accounts: [{ id: "123456789012", name: "prod" }],
      organization: {
        roleName: "ForecastAudit",
        includeOus: [],
        excludeAccounts: [],
        stackSetName: "forecast-audit-roles",
      },
    };

    it.each([
      ["scan --ou Prod", { kind: "scan", ous: ["Prod"] }],
      ["--ou Prod/Payments us-east-1", { kind: "scan", ous: ["Prod/Payments"], regions: ["us-east-1"] }],
      ['scan --ou "Security Tooling"', { kind: "scan", ous: ["Security Tooling"] }],
      [
        "scan --ou \u201cSecurity Tooling\u201d eu-west-1",
        { kind: "scan", ous: ["Security Tooling"], regions: ["eu-west-1"] },
      ],
      [
        "scan --account ledger --account 999999999999",
        { kind: "scan", accounts: ["ledger", "999999999999"] },
      ],
      [
        "scan --account=prod --ou=ou-ab12-cdef3456",
        { kind: "scan", accounts: ["123456789012"], ous: ["ou-ab12-cdef3456"] },
      ],
    ])("parses %j with an organization configured", (text, command) => {
      expect(parseCommand(text, org)).toEqual({ ok: true, command });
    });

    it.each([
      ["scan --ou", /--ou needs a value/],
      ["scan --ou --account prod", /--ou needs a value/],
      ["scan --region us-east-1", /Unknown option "--region"/],
      ["scan staging", /use --account NAME or --ou NAME/],
      [`scan ${Array.from({ length: 11 }, (_, i) => `--ou OU${i}`).join(" ")}`, /at most 10/],
    ])("rejects %j", (text, message) => {
      const parsed = parseCommand(text, org);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(message);
    });

    it("refuses --ou and unknown account names without an organization", () => {
      expect(parseCommand("scan --ou Prod", config)).toEqual({
        ok: false,
        error: "--ou needs an organization: block in the configuration.",
      });
      expect(parseCommand("scan --account ledger", config)).toEqual({
        ok: false,
        error: 'Account "ledger" is not in the configuration.',
      });
      expect(parseCommand("scan --account prod", config)).toEqual({
        ok: true,
        command: { kind: "scan", accounts: ["123456789012"] },
      });
    });
  });
});

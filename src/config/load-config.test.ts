import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "./load-config.js";

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fa-config-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("config", () => {
  it("applies defaults when no file exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "fa-empty-"));
    const { config, path } = loadConfig({ env: {}, cwd: dir });
    expect(path).toBeUndefined();
    expect(config.accounts).toEqual([]);
    expect(config.cloudtrailLookbackDays).toBe(7);
    expect(config.slack.fourEyes).toBe(true);
    expect(config.slack.approvers).toEqual({ users: [], usergroups: [] });
    expect(config.slack.digest.cron).toBe("0 9 * * *");
  });

  it("reads ./forecast-audit.yml when present and FORECAST_AUDIT_CONFIG before it", () => {
    const file = tempFile(
      "forecast-audit.yml",
      'accounts:\n  - { id: "123456789012", name: prod, roleArn: "arn:aws:iam::123456789012:role/Audit", externalId: abc123 }\nregions: [us-east-1, eu-west-1]\nrequireFips: true\n',
    );
    const dir = file.replace(/\/forecast-audit\.yml$/, "");
    const fromCwd = loadConfig({ env: {}, cwd: dir });
    expect(fromCwd.config.accounts[0]?.name).toBe("prod");
    expect(fromCwd.config.regions).toEqual(["us-east-1", "eu-west-1"]);
    expect(fromCwd.config.requireFips).toBe(true);

    const other = tempFile("other.yml", "regions: all\n");
    const fromEnv = loadConfig({ env: { FORECAST_AUDIT_CONFIG: other }, cwd: dir });
    expect(fromEnv.config.regions).toBe("all");
  });

  it("names every invalid field", () => {
    const run = () =>
      parseConfig({
        accounts: [{ id: "42", roleArn: "not-an-arn" }],
        regions: ["mars-1"],
        cloudtrailLookbackDays: 0,
        slack: { approvers: { users: ["bob"] } },
      });
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("accounts.0.id: must be a 12-digit AWS account id");
      expect(message).toContain("accounts.0.roleArn: must be an IAM role ARN");
      expect(message).toContain("regions.0: must be an AWS region");
      expect(message).toContain("cloudtrailLookbackDays");
      expect(message).toContain("slack.approvers.users.0: must be a Slack user id");
    }
  });

  it("validates cron expressions and time zones at start-up, naming the field", () => {
    const message = (value: unknown): string => {
      try {
        parseConfig(value);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("expected the configuration to be rejected");
    };
    const bad = message({
      slack: { digest: { cron: "61 9 * * *", timezone: "Europe/Berln" } },
      schedule: { scanCron: "every morning", timezone: "Mars/Olympus" },
    });
    expect(bad).toMatch(
      /slack\.digest\.cron: must be a cron expression .*61 is a invalid expression for minute/,
    );
    expect(bad).toMatch(/slack\.digest\.timezone: must be an IANA time zone .*`Europe\/Berln` is not one/);
    expect(bad).toMatch(/schedule\.scanCron: must be a cron expression .*`every morning`/);
    expect(bad).toMatch(/schedule\.timezone: must be an IANA time zone/);
    expect(message({ slack: { digest: { cron: "" } } })).toMatch(/slack\.digest\.cron: .*it is empty/);
    expect(message({ slack: { digest: { cron: "0 9 31 2 *" } } })).toMatch(/impossible day of month/);
  });

  it("accepts valid schedules, six-field cron and any IANA zone", () => {
    const config = parseConfig({
      slack: { digest: { cron: "30 7 * * 1-5", timezone: "America/New_York" } },
      schedule: { scanCron: "0 0 6 * * *", timezone: "Asia/Kolkata", runMissedOnStart: false },
    });
    expect(config.slack.digest).toMatchObject({ cron: "30 7 * * 1-5", timezone: "America/New_York" });
    expect(config.schedule).toEqual({
      scanCron: "0 0 6 * * *",
      timezone: "Asia/Kolkata",
      runMissedOnStart: false,
    });
    expect(parseConfig({}).schedule).toEqual({ timezone: "UTC", runMissedOnStart: true });
  });

  it("reads the Slack roles, the suppression maximum and the HTTP bounds, refusing the removed findingsChannel", () => {
    const config = parseConfig({
      slack: { viewers: { everyone: true }, requesters: { usergroups: ["S0REQ"] } },
    });
    expect(config.slack.viewers).toEqual({ users: [], usergroups: [], everyone: true });
    expect(config.slack.scanners).toEqual({ users: [], usergroups: [], everyone: false });
    expect(config.slack.suppression).toEqual({ maxDays: 90 });
    expect(config.slack.http).toEqual({
      bodyLimitKb: 512,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 10000,
      maxConnections: 256,
      maxAcknowledgedPending: 256,
    });
    expect(() => parseConfig({ slack: { findingsChannel: "C0123" } })).toThrow(
      /slack\.findingsChannel: was removed .*slack\.digest\.channels/,
    );
    expect(() =>
      parseConfig({ slack: { http: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } } }),
    ).toThrow(/slack\.http\.headersTimeoutMs: must not exceed requestTimeoutMs/);
    expect(() => parseConfig({ slack: { suppression: { maxDays: 0 } } })).toThrow(
      /slack\.suppression\.maxDays/,
    );
    expect(() => parseConfig({ slack: { enterpriseId: "T0" } })).toThrow(
      /slack\.enterpriseId: must be a Slack Enterprise Grid id/,
    );
  });

  it("defaults the job queue's settings and refuses bad ones, naming the field", () => {
    expect(parseConfig({}).jobs).toEqual({
      leaseSeconds: 20,
      expireSeconds: 3600,
      retryLimit: 2,
      retryDelaySeconds: 10,
      pollSeconds: 2,
      superviseSeconds: 10,
      digestWaitsForScanSeconds: 1800,
    });
    // pg-boss refuses a heartbeat under 10 s: the config says so at start, not the queue at the first job.
    expect(() => parseConfig({ jobs: { leaseSeconds: 5 } })).toThrow(/jobs\.leaseSeconds/);
    expect(() => parseConfig({ jobs: { retryLimit: -1 } })).toThrow(/jobs\.retryLimit/);
    expect(() => parseConfig({ jobs: { lease: 30 } })).toThrow(/lease/);
  });

  it("rejects unknown keys, naming them", () => {
    expect(() => parseConfig({ acounts: [] })).toThrow(/acounts/);
  });

  it("reports YAML syntax errors with the file name", () => {
    const file = tempFile("bad.yml", "accounts: [\n");
    expect(() => loadConfig({ path: file, env: {} })).toThrow(/bad\.yml is not valid YAML/);
  });

  it("reports a missing explicit file", () => {
    expect(() => loadConfig({ path: "/nonexistent/fa.yml", env: {} })).toThrow(
      /cannot read configuration file/,
    );
  });

  it("reads an organization block next to explicit accounts and names each bad organization field", () => {
    const config = parseConfig({
      accounts: [{ id: "123456789012", name: "legacy" }],
      organization: {
        roleName: "ForecastAudit",
        externalId: "ext-123",
        includeOus: ["Prod/Payments", "ou-ab12-cdef3456"],
      },
      accountConcurrency: 16,
    });
    expect(config.accounts).toHaveLength(1);
    expect(config.organization).toEqual({
      roleName: "ForecastAudit",
      externalId: "ext-123",
      includeOus: ["Prod/Payments", "ou-ab12-cdef3456"],
      excludeAccounts: [],
      stackSetName: "forecast-audit-roles",
    });
    expect(config.accountConcurrency).toBe(16);
    expect(parseConfig({}).accountConcurrency).toBe(4);
    const run = () =>
      parseConfig({
        organization: {
          roleName: "path/ForecastAudit",
          excludeAccounts: ["12"],
          managementRoleArn: "nope",
          includeOus: [""],
          stackSet: "x",
        },
        accountConcurrency: 0,
        securityHub: { enabled: true, region: "moon" },
      });
    expect(run).toThrow(ConfigError);
    const message = (() => {
      try {
        run();
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain("organization.roleName: must be an IAM role name");
    expect(message).toContain("organization.excludeAccounts.0: must be a 12-digit AWS account id");
    expect(message).toContain("organization.managementRoleArn: must be an IAM role ARN");
    expect(message).toContain("organization.includeOus.0");
    expect(message).toContain('Unrecognized key: "stackSet"');
    expect(message).toContain("accountConcurrency");
    expect(message).toContain("securityHub.region: must be an AWS region");
  });
});

/**
 * `forecast-audit scan --format json` end to end: the CLI in-process with the real runtime, over real HTTP to
 * moto (S3, S3 Control, KMS, IAM, CloudTrail, Macie, STS) and the Forecast emulator, on a scenario with a secure
 * and an insecure side of every resource. Every finding's verdict is asserted, not just sampled.
 *
 * What moto cannot provide is asserted as ERROR naming the failed action, never PASS:
 * - CloudTrail `LookupEvents` is not implemented (moto answers an HTML page);
 * - Macie's session timestamps do not parse in the JS SDK;
 * - the credential report has no `<root_account>` row (console users and their MFA are modelled);
 * - moto never reports root MFA (`AccountMFAEnabled` is always 0), so iam-root-mfa-enabled fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/cli/format/report.js";
import type { Finding, FindingStatus } from "../../src/domain/finding.js";
import { maskResourceArn } from "../../src/domain/sensitive.js";
import { openStore } from "../../src/store/open-store.js";
import { runCli } from "../support/cli-runner.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { MOTO_ACCOUNT_ID, type MotoServer, startMoto } from "../support/moto.js";
import {
  CONSOLE_USER,
  EMAIL_TAG,
  INSECURE_BUCKET,
  SCENARIO_REGION,
  type Scenario,
  SECURE_BUCKET,
  scenarioEnv,
  seedScenario,
  writeScenarioConfig,
} from "../support/scenario.js";

const ACCOUNT = MOTO_ACCOUNT_ID;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
const scopeArn = (service: string) => `arn:aws:${service}:${SCENARIO_REGION}:${ACCOUNT}:*`;

let moto: MotoServer;
let emulator: ForecastEmulator;
let dir: string;
let configPath: string;
let scenario: Scenario;
let env: Record<string, string | undefined>;
let stdout: string;
let stderr: string;
let exitCode: number;
let report: ScanReport;

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: true });
  emulator = await startForecastEmulator({ accountId: ACCOUNT, region: SCENARIO_REGION });
  await moto.reset();
  emulator.reset();
  scenario = await seedScenario(moto, emulator);
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-scenario-"));
  configPath = await writeScenarioConfig(dir);
  env = scenarioEnv(moto, emulator);
  const run = await runCli(["--config", configPath, "scan", "--format", "json", "--no-store"], {
    env,
    cwd: dir,
  });
  stdout = run.stdout;
  stderr = run.stderr;
  exitCode = run.exitCode;
  report = JSON.parse(run.stdout) as ScanReport;
});

afterAll(async () => {
  await emulator?.close();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Verdicts = Record<string, FindingStatus>;
const label = (controlId: string, resourceArn: string) => `${controlId} ${resourceArn}`;
const verdictsOf = (findings: readonly Finding[]): Verdicts =>
  Object.fromEntries(findings.map((f) => [label(f.controlId, f.resourceArn), f.status]));

/** Every finding the scan must produce, with its status. Forecast ARNs are masked as the output masks them. */
function expectedVerdicts(s: Scenario): Verdicts {
  const f = s.forecast;
  const forecastResources = [
    f.secureDataset,
    f.plainDataset,
    maskResourceArn(f.group),
    f.secureImport,
    f.presignedImport,
    f.autoPredictor,
    f.legacyPredictor,
    f.forecast,
    f.plainExport,
    f.cmkExport,
  ];
  // Key ids are random; the output masks one whose digits look like a phone number, as it masks the group.
  const keys = [s.keys.rotating, s.keys.static, s.keys.doomed].map(maskResourceArn);
  const [rotating = "", fixed = "", doomed = ""] = keys;
  const v: Verdicts = {};
  const set = (controlId: string, arn: string, status: FindingStatus) => {
    v[label(controlId, arn)] = status;
  };

  set("forecast-dataset-encrypted-with-cmk", f.secureDataset, "PASS");
  set("forecast-dataset-encrypted-with-cmk", f.plainDataset, "FAIL");
  set("forecast-predictor-encrypted-with-cmk", f.autoPredictor, "PASS");
  set("forecast-predictor-encrypted-with-cmk", f.legacyPredictor, "FAIL");
  set("forecast-export-encrypted-with-cmk", f.plainExport, "FAIL");
  // Into the SSE-S3 bucket, but with its own customer-managed S3Config.KMSKeyArn.
  set("forecast-export-encrypted-with-cmk", f.cmkExport, "PASS");
  for (const arn of forecastResources) {
    set("forecast-tags-no-sensitive-data", arn, arn === f.plainDataset ? "FAIL" : "PASS");
    set("forecast-names-no-sensitive-data", arn, arn === maskResourceArn(f.group) ? "FAIL" : "PASS");
  }
  for (const arn of [f.secureImport, f.plainExport, f.cmkExport])
    set("forecast-s3-paths-no-credentials", arn, "PASS");
  set("forecast-s3-paths-no-credentials", f.presignedImport, "FAIL");

  set("forecast-role-trust-scoped", s.roles.scoped, "PASS");
  set("forecast-role-trust-scoped", s.roles.broad, "FAIL");
  set("forecast-role-least-privilege", s.roles.scoped, "PASS");
  set("forecast-role-least-privilege", s.roles.broad, "FAIL");

  for (const control of [
    "s3-bucket-default-encryption-cmk",
    "s3-bucket-tls-enforced",
    "s3-bucket-min-tls-1-2",
    "s3-bucket-public-access-blocked",
  ]) {
    set(control, bucketArn(SECURE_BUCKET), "PASS");
    set(control, bucketArn(INSECURE_BUCKET), "FAIL");
  }

  set("kms-key-customer-managed-symmetric", rotating, "PASS");
  set("kms-key-customer-managed-symmetric", fixed, "PASS");
  set("kms-key-customer-managed-symmetric", doomed, "FAIL");
  set("kms-key-rotation-enabled", rotating, "PASS");
  set("kms-key-rotation-enabled", fixed, "FAIL");
  set("kms-key-rotation-enabled", doomed, "FAIL");
  set("kms-key-not-pending-deletion", rotating, "PASS");
  set("kms-key-not-pending-deletion", fixed, "PASS");
  set("kms-key-not-pending-deletion", doomed, "FAIL");
  for (const key of keys) set("kms-key-policy-not-public", key, "PASS");

  set("cloudtrail-multi-region-logging", scopeArn("cloudtrail"), "PASS");
  set("cloudtrail-log-file-validation", s.trailArn, "FAIL");
  set("cloudtrail-logs-encrypted-with-cmk", s.trailArn, "FAIL");
  set("forecast-api-tls-1-2", scopeArn("forecast"), "ERROR");

  set("iam-root-mfa-enabled", ROOT, "FAIL");
  set("iam-root-no-access-keys", ROOT, "PASS");
  set("iam-root-not-used", ROOT, "ERROR");
  set("iam-console-users-mfa-enabled", s.consoleUserArn, "FAIL");
  // Each principal is judged (nobody here is an administrator or has forecast:* on *).
  for (const arn of [s.roles.scoped, s.roles.broad, s.consoleUserArn])
    set("iam-forecast-access-least-privilege", arn, "PASS");

  set("macie-enabled", scopeArn("macie2"), "ERROR");
  set("macie-covers-forecast-buckets", bucketArn(SECURE_BUCKET), "ERROR");
  set("macie-covers-forecast-buckets", bucketArn(INSECURE_BUCKET), "ERROR");
  return v;
}

const RESOURCE_CONTROL = /^(forecast-(?!api-)|s3-|kms-)/;

describe("forecast-audit scan --format json over the scenario", () => {
  it("prints one JSON object for the one account and region, and exits 1 on high failures", () => {
    expect(exitCode).toBe(1);
    expect(report.accounts).toEqual([ACCOUNT]);
    expect(report.regions).toEqual([SCENARIO_REGION]);
    expect(report.summary.total).toBe(report.findings.length);
  });

  it("reports exactly the expected verdict for every control and resource, and nothing else", () => {
    expect(verdictsOf(report.findings)).toEqual(expectedVerdicts(scenario));
    // One finding per (control, resource): the map above would hide duplicates.
    expect(report.findings).toHaveLength(Object.keys(expectedVerdicts(scenario)).length);
  });

  it("fails exactly the expected Forecast, S3, KMS and Forecast-role findings", () => {
    const f = scenario.forecast;
    const failing = report.findings
      .filter((x) => x.status === "FAIL" && RESOURCE_CONTROL.test(x.controlId))
      .map((x) => label(x.controlId, x.resourceArn))
      .sort();
    expect(failing).toEqual(
      [
        label("forecast-dataset-encrypted-with-cmk", f.plainDataset),
        label("forecast-predictor-encrypted-with-cmk", f.legacyPredictor),
        label("forecast-export-encrypted-with-cmk", f.plainExport),
        label("forecast-tags-no-sensitive-data", f.plainDataset),
        label("forecast-names-no-sensitive-data", maskResourceArn(f.group)),
        label("forecast-s3-paths-no-credentials", f.presignedImport),
        label("forecast-role-trust-scoped", scenario.roles.broad),
        label("forecast-role-least-privilege", scenario.roles.broad),
        label("s3-bucket-default-encryption-cmk", bucketArn(INSECURE_BUCKET)),
        label("s3-bucket-tls-enforced", bucketArn(INSECURE_BUCKET)),
        label("s3-bucket-min-tls-1-2", bucketArn(INSECURE_BUCKET)),
        label("s3-bucket-public-access-blocked", bucketArn(INSECURE_BUCKET)),
        label("kms-key-customer-managed-symmetric", maskResourceArn(scenario.keys.doomed)),
        label("kms-key-rotation-enabled", maskResourceArn(scenario.keys.static)),
        label("kms-key-rotation-enabled", maskResourceArn(scenario.keys.doomed)),
        label("kms-key-not-pending-deletion", maskResourceArn(scenario.keys.doomed)),
      ].sort(),
    );
  });

  it("says why each failure fails", () => {
    const detail = (controlId: string, arn: string) =>
      report.findings.find((x) => x.controlId === controlId && x.resourceArn === arn)?.detail;
    expect(detail("forecast-export-encrypted-with-cmk", scenario.forecast.plainExport)).toMatch(
      /without S3Config\.KMSKeyArn.*SSE-S3/,
    );
    expect(detail("forecast-s3-paths-no-credentials", scenario.forecast.presignedImport)).toMatch(
      /X-Amz-Credential parameter/,
    );
    expect(detail("forecast-role-trust-scoped", scenario.roles.broad)).toMatch(/aws:SourceAccount/);
    expect(detail("forecast-role-least-privilege", scenario.roles.broad)).toMatch(/AmazonS3FullAccess/);
    expect(detail("kms-key-not-pending-deletion", maskResourceArn(scenario.keys.doomed))).toMatch(
      /scheduled for deletion/,
    );
    expect(detail("iam-console-users-mfa-enabled", scenario.consoleUserArn)).toContain(`"${CONSOLE_USER}"`);
    expect(detail("cloudtrail-log-file-validation", scenario.trailArn)).toMatch(/does not validate/);
  });

  it("reports ERROR, never PASS, where moto cannot answer, naming the failed action", () => {
    const errorOf = (controlId: string, arn: string) => {
      const finding = report.findings.find((x) => x.controlId === controlId && x.resourceArn === arn);
      expect(finding?.status).toBe("ERROR");
      expect(finding?.detail).toContain(finding?.error?.action ?? "(no action)");
      return finding?.error;
    };
    expect(errorOf("forecast-api-tls-1-2", scopeArn("forecast"))?.action).toBe("cloudtrail:LookupEvents");
    expect(errorOf("macie-enabled", scopeArn("macie2"))?.action).toBe("macie2:GetMacieSession");
    for (const bucket of [SECURE_BUCKET, INSECURE_BUCKET]) {
      expect(errorOf("macie-covers-forecast-buckets", bucketArn(bucket))?.action).toBe(
        "macie2:GetMacieSession",
      );
    }
    expect(errorOf("iam-root-not-used", ROOT)).toMatchObject({
      code: "RootRowMissing",
      action: "iam:GetCredentialReport",
    });
    // FIPS is not required by the configuration, so that control stays silent instead of erroring.
    expect(report.findings.some((x) => x.controlId === "forecast-api-fips-endpoint")).toBe(false);
  });

  it("gives every finding the fields of the JSON interface", () => {
    for (const finding of report.findings) {
      expect(finding).toEqual(
        expect.objectContaining({
          controlId: expect.stringMatching(/^[a-z0-9-]+$/),
          status: expect.stringMatching(/^(PASS|FAIL|ERROR)$/),
          severity: expect.stringMatching(/^(critical|high|medium|low)$/),
          accountId: ACCOUNT,
          region: expect.stringMatching(/^(global|us-east-1)$/),
          resourceArn: expect.stringMatching(/^arn:aws:/),
          title: expect.any(String),
          detail: expect.stringMatching(/\.$/),
        }),
      );
      expect(finding.title).not.toBe("");
    }
  });

  it("never prints the e-mail tag value, the phone number in a name or the key id in a path", () => {
    expect(stdout).not.toContain(EMAIL_TAG.Value);
    expect(stdout).not.toContain("jane.doe");
    expect(stdout).not.toContain("4155550123");
    expect(stdout).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(stdout).toContain('Tag \\"owner\\" on dataset \\"sales_plain\\"');
    // Progress and logs go to stderr; they must not leak it either.
    expect(stderr).not.toContain(EMAIL_TAG.Value);
    expect(stderr).not.toContain("4155550123");
  });

  it("records the scan in the state store when --no-store is not given", async () => {
    const databaseUrl = `sqlite:${join(dir, "state.db")}`;
    const run = await runCli(["--config", configPath, "scan", "--format", "json"], {
      env: { ...env, DATABASE_URL: databaseUrl },
      cwd: dir,
    });
    expect(run.exitCode).toBe(1);
    const stored = JSON.parse(run.stdout) as ScanReport;
    expect(verdictsOf(stored.findings)).toEqual(expectedVerdicts(scenario));

    const store = await openStore({ databaseUrl });
    try {
      const scan = await store.lastScan();
      // Partial, not succeeded: some controls could not be evaluated (the ERROR findings).
      expect(scan).toMatchObject({
        id: stored.scanId,
        trigger: "cli:ci",
        outcome: "partial",
        counts: {
          pass: stored.summary.byStatus.PASS,
          fail: stored.summary.byStatus.FAIL,
          error: stored.summary.byStatus.ERROR,
        },
      });
      expect(scan?.scope.accounts).toEqual([ACCOUNT]);
      const findings = await store.listFindings({ includeSuppressed: true });
      expect(findings.map((f) => label(f.controlId, maskResourceArn(f.resourceArn))).sort()).toEqual(
        Object.keys(expectedVerdicts(scenario)).sort(),
      );
      expect(findings.every((f) => f.lastScanId === stored.scanId)).toBe(true);
      const byStatus = (status: FindingStatus) => findings.filter((f) => f.status === status).length;
      expect([byStatus("PASS"), byStatus("FAIL"), byStatus("ERROR")]).toEqual([
        stored.summary.byStatus.PASS,
        stored.summary.byStatus.FAIL,
        stored.summary.byStatus.ERROR,
      ]);
    } finally {
      await store.close();
    }
  });
});

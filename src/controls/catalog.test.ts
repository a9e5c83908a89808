import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  BUCKET,
  buildBucket,
  buildForecastResource,
  buildInsecureAccount,
  buildSecureAccount,
  buildSettings,
  denied,
  KEY_ARN,
  ok,
  ROLE_ARN,
  TRAIL_ARN,
  withBucket,
  withResources,
} from "../../test/support/inventory-builders.js";
import { unreachableAccount } from "../aws/collectors/references.js";
import { type Control, defineControl, INVENTORY_SLICES } from "../domain/control.js";
import type { ForecastResourceConfig } from "../domain/inventory.js";
import { CONTROLS, controlById, evaluateAccount, evaluateControls } from "./catalog.js";

/** The brief's table: id → [severity, fix] (`manual` means no remediation). */
const BRIEF: Record<string, [string, string]> = {
  "forecast-dataset-encrypted-with-cmk": ["high", "manual"],
  "forecast-predictor-encrypted-with-cmk": ["medium", "manual"],
  "forecast-export-encrypted-with-cmk": ["medium", "manual"],
  "forecast-tags-no-sensitive-data": ["high", "forecast-remove-sensitive-tag"],
  "forecast-names-no-sensitive-data": ["medium", "manual"],
  "forecast-s3-paths-no-credentials": ["high", "manual"],
  "forecast-role-trust-scoped": ["medium", "iam-role-scope-forecast-trust"],
  "forecast-role-least-privilege": ["medium", "manual"],
  "s3-bucket-default-encryption-cmk": ["high", "s3-bucket-attach-kms-key"],
  "s3-bucket-tls-enforced": ["high", "s3-bucket-enforce-tls"],
  "s3-bucket-min-tls-1-2": ["medium", "s3-bucket-enforce-tls"],
  "s3-bucket-public-access-blocked": ["high", "s3-bucket-block-public-access"],
  "kms-key-customer-managed-symmetric": ["high", "manual"],
  "kms-key-rotation-enabled": ["medium", "kms-enable-key-rotation"],
  "kms-key-not-pending-deletion": ["critical", "kms-cancel-key-deletion"],
  "kms-key-policy-not-public": ["critical", "manual"],
  "cloudtrail-multi-region-logging": ["high", "cloudtrail-enable"],
  "cloudtrail-log-file-validation": ["low", "cloudtrail-enable-log-validation"],
  "cloudtrail-logs-encrypted-with-cmk": ["medium", "manual"],
  "forecast-api-tls-1-2": ["medium", "manual"],
  "forecast-api-fips-endpoint": ["low", "manual"],
  "iam-root-mfa-enabled": ["critical", "manual"],
  "iam-root-no-access-keys": ["critical", "manual"],
  "iam-root-not-used": ["medium", "manual"],
  "iam-console-users-mfa-enabled": ["high", "manual"],
  "iam-forecast-access-least-privilege": ["medium", "manual"],
  "macie-enabled": ["medium", "macie-enable"],
  "macie-covers-forecast-buckets": ["low", "manual"],
};

const SECRET = "<!channel> john@example.com";

describe("control catalog", () => {
  it("holds exactly the brief's controls, with unique ids", () => {
    const ids = CONTROLS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.keys(BRIEF).sort());
  });

  it("names each control's file after its id, and each file exports its control", async () => {
    const files = readdirSync(new URL(".", import.meta.url))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "catalog.ts")
      .map((f) => f.replace(/\.ts$/, ""));
    expect(files.sort()).toEqual(CONTROLS.map((c) => c.id).sort());
    for (const control of CONTROLS) {
      const module: Record<string, unknown> = await import(`./${control.id}.ts`);
      expect(Object.values(module)).toContain(control);
    }
  });

  it.each(CONTROLS.map((c) => [c.id, c] as const))(
    "%s matches the brief and is complete",
    (id, control: Control) => {
      const [severity, fix] = BRIEF[id] ?? [];
      expect(control.severity).toBe(severity);
      expect(control.remediationId ?? "manual").toBe(fix);
      expect(control.title.trim()).not.toBe("");
      expect(control.guidance.trim().length).toBeGreaterThan(40);
      expect(control.requires.length).toBeGreaterThan(0);
      for (const slice of control.requires) expect(INVENTORY_SLICES).toContain(slice);
    },
  );

  it("finds a control by id", () => {
    expect(controlById("kms-key-rotation-enabled")?.id).toBe("kms-key-rotation-enabled");
    expect(controlById("nope")).toBeUndefined();
  });
});

describe("evaluateControls", () => {
  const settings = buildSettings({ requireFips: true });

  it("passes every control in a secure account", () => {
    const findings = evaluateControls(buildSecureAccount(), settings);
    expect(findings.filter((f) => f.status !== "PASS")).toEqual([]);
    expect(new Set(findings.map((f) => f.controlId)).size).toBe(CONTROLS.length);
    for (const finding of findings) expect(finding.detail).toMatch(/^[A-Z0-9].*\.$/);
  });

  it("makes every control fail in an insecure account, each detail one sentence ending in a period", () => {
    const findings = evaluateControls(buildInsecureAccount(), settings);
    const failing = new Set(findings.filter((f) => f.status === "FAIL").map((f) => f.controlId));
    expect([...failing].sort()).toEqual(Object.keys(BRIEF).sort());
    for (const finding of findings) {
      expect(finding.detail).toMatch(/\.$/);
      expect(finding.accountId).toBe(ACCOUNT_ID);
      if (finding.status === "FAIL")
        expect(finding.remediationId ?? "manual").toBe(BRIEF[finding.controlId]?.[1]);
    }
  });

  it(`never shows the tag value ${JSON.stringify(SECRET)} unmasked in any detail`, () => {
    const findings = evaluateControls(buildInsecureAccount(SECRET), settings);
    const withSecretTag = withResources(buildSecureAccount(), [
      buildForecastResource("monitor", { name: "m", tags: [{ key: SECRET, value: SECRET }] }),
    ]);
    for (const finding of [...findings, ...evaluateControls(withSecretTag, settings)]) {
      expect(finding.detail).not.toContain("john");
      expect(finding.detail).not.toContain("example.com");
    }
  });

  it("turns a control that throws into one ERROR finding and runs the others", () => {
    const broken = defineControl({
      id: "broken-control",
      title: "Broken",
      severity: "low",
      service: "kms",
      requires: ["kms.keyMetadata"],
      scope: { kind: "references", of: "key" },
      guidance: "None.",
      evaluate() {
        throw new Error("boom for jane@example.com");
      },
    });
    const rotation = controlById("kms-key-rotation-enabled");
    if (!rotation) throw new Error("missing control");
    const findings = evaluateControls(buildSecureAccount(), settings, [broken, rotation]);
    expect(findings[0]).toMatchObject({
      controlId: "broken-control",
      status: "ERROR",
      error: { code: "ControlFailed" },
      region: "global",
    });
    expect(findings[0]?.detail).toBe("Could not evaluate: the control failed with boom for [email].");
    expect(findings.slice(1).map((f) => f.controlId)).toEqual([
      "kms-key-rotation-enabled",
      "kms-key-rotation-enabled",
    ]);
  });
});

describe("evaluateAccount: what a scan can vouch for", () => {
  const settings = buildSettings({ requireFips: true });

  it("reports every control's unread scope as ERROR in that region, and marks it incomplete in the evidence", () => {
    const error = {
      code: "AccessDenied",
      message: "User is not authorized to perform: sts:AssumeRole",
      action: "sts:AssumeRole",
    };
    const account = unreachableAccount({ accountId: ACCOUNT_ID, partition: "aws" }, ["us-east-1"], error);
    const { findings, evidence } = evaluateAccount(account, settings);
    for (const control of CONTROLS) {
      const where = control.scope.kind === "iam" ? "global" : "us-east-1";
      const errors = findings.filter((f) => f.controlId === control.id && f.status === "ERROR");
      expect(
        errors.map((f) => [f.region, f.error?.action]),
        control.id,
      ).toContainEqual([where, "sts:AssumeRole"]);
      expect(evidence.incomplete[control.id], control.id).toContain(where);
    }
    expect(findings.filter((f) => f.status !== "ERROR")).toEqual([]);
  });

  it("keeps the KMS and IAM-role scope incomplete, with an ERROR naming the call, when DescribeAutoPredictor is denied", () => {
    const secure = buildSecureAccount();
    const predictor = secure.regions[0]?.forecast.predictor;
    if (!predictor?.ok || !predictor.value[0]) throw new Error("the secure account has a predictor");
    const hidden = {
      ...predictor.value[0],
      config: denied<ForecastResourceConfig>("forecast:DescribeAutoPredictor"),
    };
    const account = withResources(
      {
        ...secure,
        regions: secure.regions.map((r) => ({ ...r, forecast: { ...r.forecast, predictor: ok([]) } })),
      },
      [hidden],
    );
    const { findings, evidence } = evaluateAccount(account, settings);
    const keyControls = CONTROLS.filter((c) => c.scope.kind === "references" && c.scope.of !== "bucket");
    for (const control of keyControls) {
      const scopeError = findings.find(
        (f) => f.controlId === control.id && f.status === "ERROR" && f.resourceArn.endsWith(":*"),
      );
      expect(scopeError, control.id).toMatchObject({
        region: "us-east-1",
        error: { code: "AccessDeniedException", action: "forecast:DescribeAutoPredictor" },
      });
      expect(scopeError?.detail).toMatch(
        /^Scope incomplete in us-east-1: 1 read that leads to (KMS keys|IAM roles) failed \(forecast:DescribeAutoPredictor \(AccessDeniedException\)\), so .* may not have been checked; grant forecast:DescribeAutoPredictor to the audit role\.$/,
      );
      expect(evidence.incomplete[control.id]).toEqual(["us-east-1"]);
    }
    // The verdicts on what was seen stay: the key the dataset references still passes.
    expect(
      findings.find((f) => f.controlId === "kms-key-not-pending-deletion" && f.resourceArn === KEY_ARN)
        ?.status,
    ).toBe("PASS");
    // A predictor references no bucket, so the bucket controls' scope is complete.
    expect(evidence.incomplete["s3-bucket-default-encryption-cmk"]).toBeUndefined();
  });

  it("lists what it saw, where referenced resources were reached from, and what did not apply", () => {
    const account = withBucket(
      buildSecureAccount(),
      buildBucket("deleted-bucket", {
        region: denied("s3:GetBucketLocation", "NoSuchBucket"),
        referencedBy: [`arn:aws:forecast:us-east-1:${ACCOUNT_ID}:forecast-export-job/x`],
      }),
    );
    const { findings, evidence } = evaluateAccount(account, settings);
    expect(evidence.seen).toEqual(
      expect.arrayContaining([KEY_ARN, ROLE_ARN, TRAIL_ARN, `arn:aws:s3:::${BUCKET}`]),
    );
    expect(evidence.seen).not.toContain("arn:aws:s3:::deleted-bucket");
    // A bucket that does not exist is gone from every bucket control, not an ERROR that would keep a FAIL open.
    expect(findings.filter((f) => f.resourceArn === "arn:aws:s3:::deleted-bucket")).toEqual([]);
    expect(evidence.reach[`arn:aws:s3:::${BUCKET}`]).toEqual(["us-east-1"]);
    expect(evidence.notApplicable.map((n) => n.controlId)).toContain("forecast-s3-paths-no-credentials");
    expect(findings.some((f) => (f.status as string) === "N/A")).toBe(false);
  });
});

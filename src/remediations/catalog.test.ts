import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  accountWithBucket,
  accountWithKey,
  BUCKET,
  buildAccount,
  buildDataset,
  buildKey,
  buildRegion,
  buildRole,
  buildTrail,
  KEY_ARN,
  macieOff,
  NONE_BLOCKED,
  ok,
  ROLE_ARN,
  TRAIL_ARN,
  withKey,
  withResources,
  withRole,
} from "../../test/support/inventory-builders.js";
import {
  bucketFinding,
  buildFinding,
  planOptions,
  regionFinding,
} from "../../test/support/remediation-fixtures.js";
import type { Finding } from "../domain/finding.js";
import type { AccountInventory } from "../domain/inventory.js";
import type { Plan, PlanOptions, Remediation } from "../domain/remediation.js";
import { REMEDIATIONS, remediationById, remediationPermissions } from "./catalog.js";
import { stepAction } from "./execute-plan.js";

/** The BRIEF's "fix" column: control id → the remediation its Fix button runs. */
const BRIEF_FIXES: Record<string, string> = {
  "forecast-tags-no-sensitive-data": "forecast-remove-sensitive-tag",
  "forecast-role-trust-scoped": "iam-role-scope-forecast-trust",
  "s3-bucket-default-encryption-cmk": "s3-bucket-attach-kms-key",
  "s3-bucket-tls-enforced": "s3-bucket-enforce-tls",
  "s3-bucket-min-tls-1-2": "s3-bucket-enforce-tls",
  "s3-bucket-public-access-blocked": "s3-bucket-block-public-access",
  "kms-key-rotation-enabled": "kms-enable-key-rotation",
  "kms-key-not-pending-deletion": "kms-cancel-key-deletion",
  "cloudtrail-multi-region-logging": "cloudtrail-enable",
  "cloudtrail-log-file-validation": "cloudtrail-enable-log-validation",
  "macie-enabled": "macie-enable",
};

const dir = new URL(".", import.meta.url);

describe("the remediation catalog", () => {
  it("has unique ids, each equal to the file that exports it", async () => {
    const ids = REMEDIATIONS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const remediation of REMEDIATIONS) {
      const module = (await import(`./${remediation.id}.ts`)) as Record<string, unknown>;
      expect(Object.values(module)).toContain(remediation);
      expect(remediationById(remediation.id)).toBe(remediation);
    }
    expect(remediationById("nope")).toBeUndefined();
  });

  it("lists every remediation file", () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => f.replace(/\.ts$/, ""))
      .filter((f) => !["catalog", "execute-plan", "plan-kit", "policy-text"].includes(f));
    expect(files.sort()).toEqual(REMEDIATIONS.map((r) => r.id).sort());
  });

  it("fixes exactly the controls whose fix column names it", () => {
    for (const remediation of REMEDIATIONS) {
      const expected = Object.entries(BRIEF_FIXES)
        .filter(([, fix]) => fix === remediation.id)
        .map(([control]) => control);
      expect([...remediation.fixes].sort(), remediation.id).toEqual(expected.sort());
    }
  });

  it("is named by every control with a fix that exists", async () => {
    const controlsDir = new URL("../controls/", import.meta.url);
    const files = readdirSync(controlsDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    for (const file of files) {
      const module = (await import(`../controls/${file}`)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        const control = value as { id?: unknown; remediationId?: unknown };
        if (typeof control?.id !== "string" || typeof control.remediationId !== "string") continue;
        expect(remediationById(control.remediationId)?.fixes, control.id).toContain(control.id);
      }
    }
  });

  it("declares its permissions as service:Action, without duplicates", () => {
    for (const remediation of REMEDIATIONS) {
      for (const list of [remediation.permissions, remediation.revertPermissions]) {
        expect(new Set(list).size).toBe(list.length);
        for (const action of list) expect(action).toMatch(/^[a-z0-9]+:[A-Z][A-Za-z]+$/);
      }
    }
  });
});

/** For each remediation, situations whose plans use every kind of step it can make. */
function scenarios(): Array<[Remediation, Finding, AccountInventory, PlanOptions?]> {
  const r = (id: string) => remediationById(id) as Remediation;
  const bucket = accountWithBucket;
  const dataset = buildDataset({ tags: [{ key: "owner", value: "jane.doe@example.com" }] });
  const keyFinding = (control: string) => buildFinding(control, KEY_ARN, { resourceType: "kms-key" });
  const noTrail = buildAccount({
    regions: [buildRegion("eu-west-1", { trailArns: ok([]), macie: macieOff() })],
    trails: {},
  });
  return [
    [
      r("s3-bucket-attach-kms-key"),
      bucketFinding("s3-bucket-default-encryption-cmk", BUCKET),
      withKey(bucket({ encryption: ok(null) }), buildKey()),
    ],
    [
      r("s3-bucket-enforce-tls"),
      bucketFinding("s3-bucket-tls-enforced", BUCKET),
      bucket({ policy: ok(null) }),
    ],
    [
      r("s3-bucket-enforce-tls"),
      bucketFinding("s3-bucket-tls-enforced", BUCKET),
      bucket({ policy: ok({ text: '{"Statement":[]}', document: { Statement: [] } }) }),
    ],
    [
      r("s3-bucket-block-public-access"),
      bucketFinding("s3-bucket-public-access-blocked", BUCKET),
      bucket({ publicAccessBlock: ok(null) }),
    ],
    [
      r("s3-bucket-block-public-access"),
      bucketFinding("s3-bucket-public-access-blocked", BUCKET),
      bucket({ publicAccessBlock: ok(NONE_BLOCKED) }),
    ],
    [
      r("kms-enable-key-rotation"),
      keyFinding("kms-key-rotation-enabled"),
      accountWithKey({ rotation: ok({ enabled: false }) }),
    ],
    [
      r("kms-cancel-key-deletion"),
      keyFinding("kms-key-not-pending-deletion"),
      accountWithKey({ metadata: { keyState: "PendingDeletion" } }),
    ],
    [
      r("cloudtrail-enable"),
      regionFinding("cloudtrail-multi-region-logging", "cloudtrail"),
      buildAccount({
        trails: {
          [TRAIL_ARN]: buildTrail({
            status: ok({ isLogging: false }),
            selectors: ok({ managementEvents: "None", eventSelectors: [] }),
          }),
        },
      }),
    ],
    [
      r("cloudtrail-enable"),
      regionFinding("cloudtrail-multi-region-logging", "cloudtrail", "eu-west-1"),
      noTrail,
    ],
    [
      r("cloudtrail-enable-log-validation"),
      buildFinding("cloudtrail-log-file-validation", TRAIL_ARN),
      buildAccount({ trails: { [TRAIL_ARN]: buildTrail({ logFileValidationEnabled: false }) } }),
    ],
    [r("macie-enable"), regionFinding("macie-enabled", "macie2", "eu-west-1"), noTrail],
    [
      r("macie-enable"),
      regionFinding("macie-enabled", "macie2"),
      buildAccount({
        regions: [buildRegion("us-east-1", { macie: { ...macieOff(), session: ok({ status: "PAUSED" }) } })],
      }),
    ],
    [
      r("forecast-remove-sensitive-tag"),
      buildFinding("forecast-tags-no-sensitive-data", dataset.arn),
      withResources(buildAccount(), [dataset]),
    ],
    [
      r("iam-role-scope-forecast-trust"),
      buildFinding("forecast-role-trust-scoped", ROLE_ARN, { region: "global" }),
      withRole(
        buildAccount(),
        buildRole(ROLE_ARN, {
          role: {
            trustPolicy: {
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { Service: "forecast.amazonaws.com" },
                  Action: "sts:AssumeRole",
                },
              ],
            },
          },
        }),
      ),
    ],
  ];
}

describe("declared permissions", () => {
  const planned: Array<[Remediation, Plan, AccountInventory]> = scenarios().map(
    ([remediation, finding, account, options]) => [
      remediation,
      remediation.plan(finding, account, options ?? planOptions()),
      account,
    ],
  );

  it("has a scenario with steps for every remediation", () => {
    for (const remediation of REMEDIATIONS) {
      const plans = planned.filter(([r, plan]) => r === remediation && plan.steps.length > 0);
      expect(plans.length, remediation.id).toBeGreaterThan(0);
    }
  });

  it("cover every call of every plan and of every revert plan", () => {
    for (const [remediation, plan] of planned) {
      expect(plan.refusal, remediation.id).toBeUndefined();
      for (const step of plan.steps) {
        expect(remediation.permissions, `${remediation.id} ${step.operation}`).toContain(stepAction(step));
      }
      for (const step of remediation.revertPlan?.(plan).steps ?? []) {
        expect(remediation.revertPermissions, `${remediation.id} revert ${step.operation}`).toContain(
          stepAction(step),
        );
      }
    }
  });

  it("give every revertible fix a revert state and a revert after change, and none to the others", () => {
    for (const remediation of REMEDIATIONS as readonly Remediation[]) {
      const revertible = remediation.revertPlan !== undefined;
      expect(remediation.revertState !== undefined, remediation.id).toBe(revertible);
      expect(remediation.revertChanged !== undefined, remediation.id).toBe(revertible);
    }
  });

  it("refuse a revert over the state before the fix (the fix undone by hand): nothing of it is left", () => {
    for (const [remediation, plan, account] of planned) {
      if (!remediation.revertChanged || !remediation.revertState || plan.steps.length === 0) continue;
      const revert = remediation.revertChanged(plan, account);
      expect(revert.steps, remediation.id).toEqual([]);
      expect(revert.refusal, remediation.id).toMatch(/\S/);
      // The revert state is a pure function of the read: the same read, the same state.
      expect(JSON.stringify(remediation.revertState(plan, account))).toBe(
        JSON.stringify(remediation.revertState(plan, account)),
      );
    }
  });

  it("equal, sorted, the actions of docs/iam/remediation-policy.json", () => {
    const document = JSON.parse(
      readFileSync(new URL("../../docs/iam/remediation-policy.json", import.meta.url), "utf8"),
    ) as {
      Statement: Array<{ Action: string[] }>;
    };
    const actions = document.Statement.flatMap((s) => s.Action);
    expect(actions.slice().sort()).toEqual(remediationPermissions());
    expect(remediationPermissions()).toEqual(
      [...new Set(REMEDIATIONS.flatMap((r) => [...r.permissions, ...r.revertPermissions]))].sort(),
    );
  });
});

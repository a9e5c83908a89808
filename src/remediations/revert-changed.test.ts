/**
 * Reverts over a resource that changed since the fix: each remediation takes back only what it put there and
 * is still as it left it, keeps every later change, or refuses saying what changed.
 */
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  ALL_BLOCKED,
  accountWithBucket,
  BUCKET,
  buildAccount,
  buildBucket,
  buildDataset,
  buildKey,
  buildMacie,
  buildRegion,
  buildRole,
  buildTrail,
  denied,
  forecastOf,
  KEY_ARN,
  NONE_BLOCKED,
  ok,
  REGION,
  ROLE_ARN,
  TRAIL_ARN,
  withBucket,
  withKey,
  withRole,
} from "../../test/support/inventory-builders.js";
import {
  bucketFinding,
  buildFinding,
  onlyStep,
  planOptions,
  regionFinding,
} from "../../test/support/remediation-fixtures.js";
import type { AccountInventory, BucketEncryption, PublicAccessBlock } from "../domain/inventory.js";
import { type PolicyDocument, parsePolicyDocument } from "../domain/policy-document.js";
import type { Plan, Remediation } from "../domain/remediation.js";
import { cloudtrailEnable } from "./cloudtrail-enable.js";
import { cloudtrailEnableLogValidation } from "./cloudtrail-enable-log-validation.js";
import { stepAction } from "./execute-plan.js";
import { forecastRemoveSensitiveTag } from "./forecast-remove-sensitive-tag.js";
import { iamRoleScopeForecastTrust } from "./iam-role-scope-forecast-trust.js";
import { kmsEnableKeyRotation } from "./kms-enable-key-rotation.js";
import { macieEnable } from "./macie-enable.js";
import { s3BucketAttachKmsKey } from "./s3-bucket-attach-kms-key.js";
import { s3BucketBlockPublicAccess } from "./s3-bucket-block-public-access.js";
import {
  DENY_INSECURE_TRANSPORT_SID,
  DENY_TLS_BELOW_12_SID,
  s3BucketEnforceTls,
} from "./s3-bucket-enforce-tls.js";

/** `revertChanged`, checked to call only what the remediation declares in `revertPermissions`. */
function revertOf(remediation: Remediation, plan: Plan, account: AccountInventory): Plan {
  const revert = remediation.revertChanged?.(plan, account);
  if (!revert) throw new Error(`${remediation.id} has no revertChanged`);
  for (const step of revert.steps) expect(remediation.revertPermissions).toContain(stepAction(step));
  return revert;
}

const policyAccount = (text: string | null) =>
  accountWithBucket({ policy: ok(text === null ? null : { text, document: parsePolicyDocument(text) }) });
const sids = (text: string) => (JSON.parse(text) as PolicyDocument).Statement.map((s) => s.Sid);

const PRIOR = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Read", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
});
const EMERGENCY = {
  Sid: "EmergencyDenyAll",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
};

function withAdded(text: string, statement: object): string {
  const doc = JSON.parse(text) as { Statement: object[] };
  return JSON.stringify({ ...doc, Statement: [...doc.Statement, statement] });
}

describe("s3-bucket-enforce-tls revert after a change", () => {
  const finding = bucketFinding("s3-bucket-tls-enforced", BUCKET);
  const plan = s3BucketEnforceTls.plan(finding, policyAccount(PRIOR), planOptions());
  const fixed = onlyStep(plan).input.Policy as string;

  it("removes only the fix's statements and keeps a later emergency deny", () => {
    const now = withAdded(fixed, EMERGENCY);
    const revert = revertOf(s3BucketEnforceTls, plan, policyAccount(now));
    expect(revert.refusal).toBeUndefined();
    const put = onlyStep(revert);
    expect(put.operation).toBe("PutBucketPolicy");
    expect(sids(put.input.Policy as string)).toEqual(["Read", "EmergencyDenyAll"]);
    expect(revert.diff).toContain(`- `);
    expect(revert.diff).toContain(DENY_INSECURE_TRANSPORT_SID);
    expect(revert.notes.join(" ")).toMatch(/only the statement\(s\) the fix added .* kept/);
  });

  it("keeps a fix statement edited since, and refuses when none is left as the fix left it", () => {
    const doc = JSON.parse(fixed) as { Statement: Array<Record<string, unknown>> };
    const edited = JSON.stringify({
      ...doc,
      Statement: doc.Statement.map((s) =>
        s.Sid === DENY_TLS_BELOW_12_SID ? { ...s, Action: "s3:GetObject" } : s,
      ),
    });
    const partial = revertOf(s3BucketEnforceTls, plan, policyAccount(edited));
    expect(sids(onlyStep(partial).input.Policy as string)).toEqual(["Read", DENY_TLS_BELOW_12_SID]);
    expect(partial.notes.join(" ")).toContain(`${DENY_TLS_BELOW_12_SID} was changed or removed since`);

    const refused = revertOf(s3BucketEnforceTls, plan, policyAccount(PRIOR));
    expect(refused.steps).toEqual([]);
    expect(refused.refusal).toMatch(/no longer in the policy .* nothing to take back/);
    expect(revertOf(s3BucketEnforceTls, plan, policyAccount(null)).refusal).toMatch(/has no policy now/);
    const unreadable = revertOf(
      s3BucketEnforceTls,
      plan,
      accountWithBucket({ policy: denied("s3:GetBucketPolicy") }),
    );
    expect(unreadable.refusal).toMatch(/could not be read .* Nothing was changed/);
  });

  it("deletes the policy when the fix created it and only its statements are left", () => {
    const fresh = s3BucketEnforceTls.plan(finding, policyAccount(null), planOptions());
    const created = onlyStep(fresh).input.Policy as string;
    expect(onlyStep(revertOf(s3BucketEnforceTls, fresh, policyAccount(created))).operation).toBe(
      "DeleteBucketPolicy",
    );
    const kept = revertOf(s3BucketEnforceTls, fresh, policyAccount(withAdded(created, EMERGENCY)));
    expect(sids(onlyStep(kept).input.Policy as string)).toEqual(["EmergencyDenyAll"]);
  });
});

describe("s3-bucket-attach-kms-key revert after a change", () => {
  const finding = bucketFinding("s3-bucket-default-encryption-cmk", BUCKET);
  const SSE_S3: BucketEncryption = { algorithm: "AES256", bucketKeyEnabled: false };
  const keyPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Root",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
  const account = (encryption: BucketEncryption | null, policyText: string): AccountInventory =>
    withKey(
      withBucket(
        buildAccount(),
        buildBucket(BUCKET, { encryption: ok(encryption), roleArns: [ROLE_ARN], referencedBy: ["arn:x"] }),
      ),
      buildKey(KEY_ARN, { policy: ok(parsePolicyDocument(policyText)), policyText, referencedBy: ["arn:x"] }),
    );
  const plan = s3BucketAttachKmsKey.plan(finding, account(SSE_S3, keyPolicy), planOptions());
  const fixedPolicy = plan.steps.find((s) => s.operation === "PutKeyPolicy")?.input.Policy as string;
  const fixedEncryption: BucketEncryption = {
    algorithm: "aws:kms",
    kmsKeyId: KEY_ARN,
    bucketKeyEnabled: true,
  };
  const later = {
    Sid: "AuditorRead",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::123456789012:role/Auditor" },
    Action: "kms:DescribeKey",
    Resource: "*",
  };

  it("restores the encryption and removes only the grant, keeping a later key-policy statement", () => {
    const revert = revertOf(
      s3BucketAttachKmsKey,
      plan,
      account(fixedEncryption, withAdded(fixedPolicy, later)),
    );
    expect(revert.refusal).toBeUndefined();
    expect(revert.steps.map((s) => s.operation)).toEqual(["PutBucketEncryption", "PutKeyPolicy"]);
    expect(sids(revert.steps[1]?.input.Policy as string)).toEqual(["Root", "AuditorRead"]);
  });

  it("keeps the grant while the bucket still encrypts with the key, and leaves changed encryption alone", () => {
    const stillUsed = { ...fixedEncryption, bucketKeyEnabled: false };
    const revert = revertOf(s3BucketAttachKmsKey, plan, account(stillUsed, fixedPolicy));
    expect(revert.steps).toEqual([]);
    expect(revert.refusal).toMatch(
      /default encryption changed since the fix .* grant to the Forecast roles stays/s,
    );
    const other = revertOf(s3BucketAttachKmsKey, plan, account(SSE_S3, fixedPolicy));
    expect(other.steps.map((s) => s.operation)).toEqual(["PutKeyPolicy"]);
    expect(sids(onlyStep(other).input.Policy as string)).toEqual(["Root"]);
  });
});

describe("iam-role-scope-forecast-trust revert after a change", () => {
  const finding = buildFinding("forecast-role-trust-scoped", ROLE_ARN, {
    resourceType: "iam-role",
    region: "global",
  });
  const trust: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Forecast",
        Effect: "Allow",
        Principal: { Service: "forecast.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ],
  };
  const accountWith = (document: PolicyDocument) =>
    withRole(buildAccount(), buildRole(ROLE_ARN, { role: { trustPolicy: document } }));
  const plan = iamRoleScopeForecastTrust.plan(finding, accountWith(trust), planOptions());
  const fixed = JSON.parse(onlyStep(plan).input.PolicyDocument as string) as PolicyDocument;

  it("removes the condition the fix added and keeps a condition and a statement added since", () => {
    const [scoped] = fixed.Statement as [PolicyDocument["Statement"][number]];
    const now: PolicyDocument = {
      ...fixed,
      Statement: [
        {
          ...scoped,
          Condition: {
            ...scoped.Condition,
            ArnLike: { "aws:SourceArn": "arn:aws:forecast:*:123456789012:*" },
          },
        },
        {
          Sid: "BreakGlass",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "sts:AssumeRole",
        },
      ],
    };
    const revert = revertOf(iamRoleScopeForecastTrust, plan, accountWith(now));
    const next = JSON.parse(onlyStep(revert).input.PolicyDocument as string) as PolicyDocument;
    expect(next.Statement[0]?.Condition).toEqual({
      ArnLike: { "aws:SourceArn": "arn:aws:forecast:*:123456789012:*" },
    });
    expect(next.Statement[1]?.Sid).toBe("BreakGlass");
    expect(revert.diff).toContain("aws:SourceAccount");
  });

  it("refuses when the condition was changed since", () => {
    const [scoped] = fixed.Statement as [PolicyDocument["Statement"][number]];
    const now = {
      ...fixed,
      Statement: [{ ...scoped, Condition: { StringEquals: { "aws:SourceAccount": "999999999999" } } }],
    };
    expect(revertOf(iamRoleScopeForecastTrust, plan, accountWith(now)).refusal).toMatch(
      /no longer in the trust policy/,
    );
  });
});

describe("settings: reverted only while still at the value the fix set", () => {
  it("turns off only the Block Public Access settings the fix turned on that are still on", () => {
    const finding = bucketFinding("s3-bucket-public-access-blocked", BUCKET);
    const prior: PublicAccessBlock = { ...NONE_BLOCKED, blockPublicAcls: true };
    const plan = s3BucketBlockPublicAccess.plan(
      finding,
      accountWithBucket({ publicAccessBlock: ok(prior) }),
      planOptions(),
    );
    const now = { ...ALL_BLOCKED, restrictPublicBuckets: false };
    const revert = revertOf(
      s3BucketBlockPublicAccess,
      plan,
      accountWithBucket({ publicAccessBlock: ok(now) }),
    );
    expect(onlyStep(revert).input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    const off = revertOf(
      s3BucketBlockPublicAccess,
      plan,
      accountWithBucket({ publicAccessBlock: ok(prior) }),
    );
    expect(off.refusal).toMatch(/was turned off since/);
  });

  it("turns rotation off only while it is on with the period the fix left", () => {
    const finding = buildFinding("kms-key-rotation-enabled", KEY_ARN, { resourceType: "kms-key" });
    const keyAccount = (rotation: { enabled: boolean; rotationPeriodInDays?: number }) =>
      withKey(buildAccount(), buildKey(KEY_ARN, { rotation: ok(rotation) }));
    const plan = kmsEnableKeyRotation.plan(finding, keyAccount({ enabled: false }), planOptions());
    expect(onlyStep(revertOf(kmsEnableKeyRotation, plan, keyAccount({ enabled: true }))).operation).toBe(
      "DisableKeyRotation",
    );
    expect(
      revertOf(kmsEnableKeyRotation, plan, keyAccount({ enabled: true, rotationPeriodInDays: 90 })).refusal,
    ).toMatch(/every 90 days since the fix/);
    expect(revertOf(kmsEnableKeyRotation, plan, keyAccount({ enabled: false })).refusal).toMatch(
      /turned off since/,
    );
  });

  it("puts back only the removed tags whose keys were not set again, never overwriting", () => {
    const tags = [
      { key: "owner_email", value: "jane@example.com" },
      { key: "ssn", value: "123-45-6789" },
      { key: "team", value: "demand" },
    ];
    const dataset = (t: typeof tags) => buildDataset({ name: "sales", tags: ok(t) });
    const at = (t: typeof tags) =>
      buildAccount({ regions: [buildRegion(REGION, { forecast: forecastOf([dataset(t)]) })] });
    const resource = dataset(tags);
    const finding = buildFinding("forecast-tags-no-sensitive-data", resource.arn, {
      resourceType: "forecast-dataset",
    });
    const plan = forecastRemoveSensitiveTag.plan(finding, at(tags), planOptions());
    const now = [
      { key: "team", value: "demand" },
      { key: "ssn", value: "redacted" },
    ];
    const revert = revertOf(forecastRemoveSensitiveTag, plan, at(now));
    expect(onlyStep(revert).input.Tags).toEqual([{ Key: "owner_email", Value: "jane@example.com" }]);
    expect(JSON.stringify({ ...revert, steps: [] })).not.toMatch(/jane@example\.com|123-45-6789|redacted/);
    expect(revert.notes.join(" ")).toContain("ssn was set again since");
  });

  it("deletes a trail the fix created only while it is still as created", () => {
    const finding = regionFinding("cloudtrail-multi-region-logging", "cloudtrail");
    const none = buildAccount({ regions: [buildRegion(REGION, { trailArns: ok([]) })] });
    const plan = cloudtrailEnable.plan(finding, none, planOptions());
    const prior = plan.priorState as { trailArn: string; trailName: string; bucketName: string };
    const trail = (over: Parameters<typeof buildTrail>[0]) => {
      const created = buildTrail({
        arn: prior.trailArn,
        name: prior.trailName,
        s3BucketName: prior.bucketName,
        isMultiRegion: true,
        logFileValidationEnabled: true,
        ...over,
      });
      // The fix creates the trail with SSE-S3 logs: no KMS key.
      if (!over || !("kmsKeyId" in over)) delete created.kmsKeyId;
      return buildAccount({
        regions: [buildRegion(REGION, { trailArns: ok([prior.trailArn]) })],
        trails: { [prior.trailArn]: created },
      });
    };
    const stopped = revertOf(cloudtrailEnable, plan, trail({ status: ok({ isLogging: false }) }));
    expect(stopped.steps.map((s) => s.operation)).toEqual(["DeleteTrail"]);
    const reused = revertOf(cloudtrailEnable, plan, trail({ s3BucketName: "someone-elses" }));
    expect(reused.refusal).toMatch(/changed since \(it logs to another bucket\).*it is kept/);
    expect(revertOf(cloudtrailEnable, plan, trail({ kmsKeyId: KEY_ARN })).refusal).toMatch(/KMS key/);
    expect(revertOf(cloudtrailEnable, plan, none).refusal).toMatch(/is gone/);
  });

  it("disables Macie or log validation again only while they are still as the fix left them", () => {
    const macieAt = (status: string | null) =>
      buildAccount({
        regions: [
          buildRegion(REGION, { macie: buildMacie({ session: ok(status === null ? null : { status }) }) }),
        ],
      });
    const macieFinding = regionFinding("macie-enabled", "macie2");
    const macie = macieEnable.plan(macieFinding, macieAt(null), planOptions());
    expect(onlyStep(revertOf(macieEnable, macie, macieAt("ENABLED"))).operation).toBe("DisableMacie");
    expect(revertOf(macieEnable, macie, macieAt("PAUSED")).refusal).toMatch(/is PAUSED now/);

    const trailAt = (on: boolean) =>
      buildAccount({ trails: { [TRAIL_ARN]: buildTrail({ logFileValidationEnabled: on }) } });
    const trailFinding = buildFinding("cloudtrail-log-file-validation", TRAIL_ARN, {
      resourceType: "cloudtrail-trail",
    });
    const validation = cloudtrailEnableLogValidation.plan(trailFinding, trailAt(false), planOptions());
    expect(onlyStep(revertOf(cloudtrailEnableLogValidation, validation, trailAt(true))).input).toMatchObject({
      EnableLogFileValidation: false,
    });
    expect(revertOf(cloudtrailEnableLogValidation, validation, trailAt(false)).refusal).toMatch(
      /turned off since/,
    );
  });
});

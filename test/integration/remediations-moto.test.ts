/**
 * Every remediation end to end: an insecure resource set up in moto (the Forecast emulator for tags), the
 * inventory read back with the real collectors, a plan, `executePlan` with real SDK clients, a fresh read
 * that the control now passes, and a revert that puts the resource back exactly as it was.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetEventSelectorsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import { ForecastClient, ListTagsForResourceCommand } from "@aws-sdk/client-forecast";
import { CreateRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import {
  DisableMacieCommand,
  EnableMacieCommand,
  GetMacieSessionCommand,
  Macie2Client,
} from "@aws-sdk/client-macie2";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AccountClients } from "../../src/aws/clients.js";
import { collectTrail, describeRegionTrails } from "../../src/aws/collectors/cloudtrail.js";
import { collectKey } from "../../src/aws/collectors/kms.js";
import { unlimited } from "../../src/aws/collectors/limit.js";
import { collectMacie } from "../../src/aws/collectors/macie.js";
import { collectBucket } from "../../src/aws/collectors/s3.js";
import { cloudtrailLogFileValidation } from "../../src/controls/cloudtrail-log-file-validation.js";
import { cloudtrailMultiRegionLogging } from "../../src/controls/cloudtrail-multi-region-logging.js";
import { forecastRoleTrustScoped } from "../../src/controls/forecast-role-trust-scoped.js";
import { forecastTagsNoSensitiveData } from "../../src/controls/forecast-tags-no-sensitive-data.js";
import { kmsKeyNotPendingDeletion } from "../../src/controls/kms-key-not-pending-deletion.js";
import { kmsKeyRotationEnabled } from "../../src/controls/kms-key-rotation-enabled.js";
import { s3BucketDefaultEncryptionCmk } from "../../src/controls/s3-bucket-default-encryption-cmk.js";
import { s3BucketMinTls12 } from "../../src/controls/s3-bucket-min-tls-1-2.js";
import { s3BucketPublicAccessBlocked } from "../../src/controls/s3-bucket-public-access-blocked.js";
import { s3BucketTlsEnforced } from "../../src/controls/s3-bucket-tls-enforced.js";
import { bucketArn } from "../../src/domain/arn.js";
import type { Control } from "../../src/domain/control.js";
import type {
  AccountInventory,
  BucketInventory,
  KeyInventory,
  Tag,
  TrailInventory,
} from "../../src/domain/inventory.js";
import { parsePolicyDocument } from "../../src/domain/policy-document.js";
import type { Plan } from "../../src/domain/remediation.js";
import { ok } from "../../src/domain/result.js";
import { cloudtrailEnable } from "../../src/remediations/cloudtrail-enable.js";
import { cloudtrailEnableLogValidation } from "../../src/remediations/cloudtrail-enable-log-validation.js";
import { executePlan } from "../../src/remediations/execute-plan.js";
import { forecastRemoveSensitiveTag } from "../../src/remediations/forecast-remove-sensitive-tag.js";
import { iamRoleScopeForecastTrust } from "../../src/remediations/iam-role-scope-forecast-trust.js";
import { kmsCancelKeyDeletion } from "../../src/remediations/kms-cancel-key-deletion.js";
import { kmsEnableKeyRotation } from "../../src/remediations/kms-enable-key-rotation.js";
import { macieEnable } from "../../src/remediations/macie-enable.js";
import { s3BucketAttachKmsKey } from "../../src/remediations/s3-bucket-attach-kms-key.js";
import { s3BucketBlockPublicAccess } from "../../src/remediations/s3-bucket-block-public-access.js";
import { s3BucketEnforceTls } from "../../src/remediations/s3-bucket-enforce-tls.js";
import { awsError } from "../support/fake-account-clients.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import {
  buildAccount,
  buildForecastResource,
  buildRegion,
  buildRole,
  buildSettings,
  macieOff,
  withBucket,
  withKey,
  withResources,
  withRole,
} from "../support/inventory-builders.js";
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  type MotoServer,
  motoClientConfig,
  startMoto,
} from "../support/moto.js";
import {
  bucketFinding,
  buildFinding,
  isAlreadyCompliant,
  planOptions,
  regionFinding,
} from "../support/remediation-fixtures.js";

const REGION = "us-east-1";
const EU = "eu-west-1";

let moto: MotoServer;
let forecast: ForecastEmulator;
let clients: AccountClients;

function motoClients(server: MotoServer, forecastUrl: string): AccountClients {
  const cache = new Map<string, unknown>();
  const memo = <C>(key: string, make: () => C): C => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as C;
  };
  const config = (region: string) => ({ ...motoClientConfig(server, region), maxAttempts: 1 });
  return {
    accountId: MOTO_ACCOUNT_ID,
    partition: "aws",
    s3: (r) => memo(`s3:${r}`, () => new S3Client(config(r))),
    s3control: (r) => memo(`s3control:${r}`, () => new S3ControlClient(config(r))),
    kms: (r) => memo(`kms:${r}`, () => new KMSClient(config(r))),
    iam: () => memo("iam", () => new IAMClient(config(REGION))),
    cloudtrail: (r) => memo(`cloudtrail:${r}`, () => new CloudTrailClient(config(r))),
    macie: (r) => memo(`macie:${r}`, () => new Macie2Client(config(r))),
    sts: (r) => memo(`sts:${r}`, () => new STSClient(config(r))),
    forecast: (r) =>
      memo(
        `forecast:${r}`,
        () =>
          new ForecastClient({
            endpoint: forecastUrl,
            region: r,
            credentials: { ...MOTO_CREDENTIALS },
            maxAttempts: 1,
          }),
      ),
  };
}

beforeAll(async () => {
  moto = await startMoto();
  forecast = await startForecastEmulator({ accountId: MOTO_ACCOUNT_ID, region: REGION });
  clients = motoClients(moto, forecast.url);
});

afterAll(async () => {
  await forecast?.close();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  forecast.reset();
});

// ---------------------------------------------------------------------------------------------------
// Reading back, applying, judging

/** An account with nothing but what each test adds; no account-level Block Public Access. */
function baseAccount(): AccountInventory {
  return buildAccount({
    accountId: MOTO_ACCOUNT_ID,
    regions: [buildRegion(REGION, { trailArns: ok([]), macie: macieOff() })],
    s3: { publicAccessBlock: ok(null) },
    trails: {},
  });
}

function readBucket(name: string, roleArns: string[] = []): Promise<BucketInventory> {
  return collectBucket(
    clients,
    name,
    { referencedBy: [], roleArns },
    { limitFor: () => unlimited, locationRegion: REGION },
  );
}

/** The collector's view, plus the exact policy text, which a fix appends to and a revert restores. */
async function readKey(arn: string, region = REGION): Promise<KeyInventory> {
  const key = await collectKey(clients, arn, region, { limit: unlimited });
  if (key.policyText !== undefined || !key.policy.ok || key.policy.value === null) return key;
  const out = await clients.kms(region).send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" }));
  return out.Policy === undefined ? key : { ...key, policyText: out.Policy };
}

/** The trails of a region as the collectors see them, with their selectors exactly as CloudTrail returned them. */
async function withTrails(account: AccountInventory, region: string): Promise<AccountInventory> {
  const { trailArns, trails } = await describeRegionTrails(clients, region, unlimited);
  const collected: TrailInventory[] = [];
  for (const description of trails) {
    const trail = await collectTrail(clients, description, () => unlimited);
    const raw = await clients
      .cloudtrail(trail.homeRegion)
      .send(new GetEventSelectorsCommand({ TrailName: trail.name }));
    if (trail.selectors.ok) {
      const selectors = { ...trail.selectors.value };
      if (raw.AdvancedEventSelectors?.length) {
        selectors.advancedEventSelectors = raw.AdvancedEventSelectors as unknown as Record<string, unknown>[];
      } else {
        selectors.eventSelectors = (raw.EventSelectors ?? []) as unknown as Record<string, unknown>[];
      }
      collected.push({ ...trail, selectors: ok(selectors) });
    } else {
      collected.push(trail);
    }
  }
  const regions = account.regions.filter((r) => r.region !== region);
  return {
    ...account,
    regions: [...regions, buildRegion(region, { trailArns, macie: macieOff() })],
    trails: { ...account.trails, ...Object.fromEntries(collected.map((t) => [t.arn, t])) },
  };
}

function statusOf(
  control: Control,
  account: AccountInventory,
  resourceArn: string,
  region?: string,
): string | undefined {
  return control
    .evaluate({ account, settings: buildSettings() })
    .find((f) => f.resourceArn === resourceArn && (region === undefined || f.region === region))?.status;
}

async function apply(plan: Plan): Promise<void> {
  expect(plan.refusal).toBeUndefined();
  expect(plan.steps.length).toBeGreaterThan(0);
  const result = await executePlan(plan, clients);
  expect(result.stepsDone).toBe(plan.steps.length);
}

async function createBucket(name: string, region = REGION): Promise<void> {
  await clients.s3(region).send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region === REGION
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
}

async function createKey(): Promise<string> {
  const out = await clients.kms(REGION).send(new CreateKeyCommand({ Description: "forecast data" }));
  return out.KeyMetadata?.Arn as string;
}

const FORECAST_TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Forecast",
      Effect: "Allow",
      Principal: { Service: "forecast.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
    {
      Sid: "Ops",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
      Action: "sts:AssumeRole",
      Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
    },
  ],
};

async function createRole(name: string, trust: object = FORECAST_TRUST): Promise<string> {
  const out = await clients
    .iam()
    .send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  return out.Role?.Arn as string;
}

// ---------------------------------------------------------------------------------------------------
// S3

describe("s3-bucket-enforce-tls against moto", () => {
  const bucket = "forecast-tls-data";
  const arn = bucketArn("aws", bucket);
  const finding = bucketFinding("s3-bucket-tls-enforced", bucket);
  const priorText = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ForecastRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${MOTO_ACCOUNT_ID}:root"},
     "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::${bucket}/*"}
  ]
}`;

  it("appends the deny statements, passes both TLS controls, and restores the exact prior policy", async () => {
    await createBucket(bucket);
    await clients.s3(REGION).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: priorText }));
    const before = withBucket(baseAccount(), await readBucket(bucket));
    expect(statusOf(s3BucketTlsEnforced, before, arn)).toBe("FAIL");
    expect(statusOf(s3BucketMinTls12, before, arn)).toBe("FAIL");

    const plan = s3BucketEnforceTls.plan(finding, before, planOptions());
    await apply(plan);
    const after = withBucket(baseAccount(), await readBucket(bucket));
    expect(statusOf(s3BucketTlsEnforced, after, arn)).toBe("PASS");
    expect(statusOf(s3BucketMinTls12, after, arn)).toBe("PASS");
    const statements = after.buckets[bucket]?.policy.ok
      ? after.buckets[bucket].policy.value?.document.Statement
      : [];
    expect(JSON.stringify(statements?.[0])).toBe(JSON.stringify(JSON.parse(priorText).Statement[0]));
    expect(isAlreadyCompliant(s3BucketEnforceTls.plan(finding, after, planOptions()))).toBe(true);

    await apply(s3BucketEnforceTls.revertPlan(plan));
    const restored = await clients.s3(REGION).send(new GetBucketPolicyCommand({ Bucket: bucket }));
    expect(restored.Policy).toBe(priorText);
  });

  it("creates the policy on a bucket without one, and deletes it on revert", async () => {
    await createBucket(bucket);
    const before = withBucket(baseAccount(), await readBucket(bucket));
    const plan = s3BucketEnforceTls.plan(finding, before, planOptions());
    await apply(plan);
    expect(statusOf(s3BucketTlsEnforced, withBucket(baseAccount(), await readBucket(bucket)), arn)).toBe(
      "PASS",
    );
    await apply(s3BucketEnforceTls.revertPlan(plan));
    expect((await readBucket(bucket)).policy).toEqual(ok(null));
  });
});

describe("s3-bucket-block-public-access against moto", () => {
  const bucket = "forecast-pab-data";
  const arn = bucketArn("aws", bucket);
  const finding = bucketFinding("s3-bucket-public-access-blocked", bucket);

  it("turns all four settings on and restores the partial configuration", async () => {
    await createBucket(bucket);
    const partial = {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    };
    await clients
      .s3(REGION)
      .send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: partial }));
    const before = withBucket(baseAccount(), await readBucket(bucket));
    expect(statusOf(s3BucketPublicAccessBlocked, before, arn)).toBe("FAIL");

    const plan = s3BucketBlockPublicAccess.plan(finding, before, planOptions());
    await apply(plan);
    const after = withBucket(baseAccount(), await readBucket(bucket));
    expect(statusOf(s3BucketPublicAccessBlocked, after, arn)).toBe("PASS");
    expect(isAlreadyCompliant(s3BucketBlockPublicAccess.plan(finding, after, planOptions()))).toBe(true);

    await apply(s3BucketBlockPublicAccess.revertPlan(plan));
    expect((await readBucket(bucket)).publicAccessBlock).toEqual(before.buckets[bucket]?.publicAccessBlock);
  });

  it("deletes the configuration on revert when there was none", async () => {
    await createBucket(bucket);
    const plan = s3BucketBlockPublicAccess.plan(
      finding,
      withBucket(baseAccount(), await readBucket(bucket)),
      planOptions(),
    );
    await apply(plan);
    await apply(s3BucketBlockPublicAccess.revertPlan(plan));
    expect((await readBucket(bucket)).publicAccessBlock).toEqual(ok(null));
  });
});

describe("s3-bucket-attach-kms-key against moto", () => {
  const bucket = "forecast-kms-data";
  const arn = bucketArn("aws", bucket);
  const finding = bucketFinding("s3-bucket-default-encryption-cmk", bucket);

  async function setup(sseS3: boolean) {
    await createBucket(bucket);
    if (sseS3) {
      await clients.s3(REGION).send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
        }),
      );
    }
    const roleArn = await createRole("ForecastDataRole");
    const keyArn = await createKey();
    const key = await readKey(keyArn);
    const account = withKey(withBucket(baseAccount(), await readBucket(bucket, [roleArn])), key);
    return { roleArn, keyArn, key, account };
  }

  async function reread(keyArn: string, roleArn: string): Promise<AccountInventory> {
    return withKey(withBucket(baseAccount(), await readBucket(bucket, [roleArn])), await readKey(keyArn));
  }

  it("grants the Forecast role the key, switches the bucket to it, and restores both exactly", async () => {
    const { roleArn, keyArn, key, account } = await setup(true);
    expect(statusOf(s3BucketDefaultEncryptionCmk, account, arn)).toBe("FAIL");

    const plan = s3BucketAttachKmsKey.plan(finding, account, planOptions());
    expect(plan.steps.map((s) => s.operation)).toEqual(["PutKeyPolicy", "PutBucketEncryption"]);
    await apply(plan);

    const after = await reread(keyArn, roleArn);
    expect(after.buckets[bucket]?.encryption).toEqual(
      ok({ algorithm: "aws:kms", kmsKeyId: keyArn, bucketKeyEnabled: true }),
    );
    expect(statusOf(s3BucketDefaultEncryptionCmk, after, arn)).toBe("PASS");
    const policy = parsePolicyDocument(after.keys[keyArn]?.policyText as string);
    const prior = parsePolicyDocument(key.policyText as string);
    expect(policy.Statement.slice(0, prior.Statement.length)).toEqual(prior.Statement);
    expect(policy.Statement.at(-1)).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: [roleArn] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    });
    expect(isAlreadyCompliant(s3BucketAttachKmsKey.plan(finding, after, planOptions()))).toBe(true);

    await apply(s3BucketAttachKmsKey.revertPlan(plan));
    const restored = await reread(keyArn, roleArn);
    expect(restored.buckets[bucket]?.encryption).toEqual(
      ok({ algorithm: "AES256", bucketKeyEnabled: false }),
    );
    expect(restored.keys[keyArn]?.policyText).toBe(key.policyText);
  });

  it("after a later key-policy statement, a revert restores the bucket and removes only the grant", async () => {
    const { roleArn, keyArn, key, account } = await setup(true);
    const plan = s3BucketAttachKmsKey.plan(finding, account, planOptions());
    await apply(plan);
    const fixedText = (await reread(keyArn, roleArn)).keys[keyArn]?.policyText as string;
    const fixed = JSON.parse(fixedText) as { Statement: unknown[] };
    const later = {
      Sid: "AuditorDescribe",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
      Action: "kms:DescribeKey",
      Resource: "*",
    };
    await clients.kms(REGION).send(
      new PutKeyPolicyCommand({
        KeyId: keyArn,
        PolicyName: "default",
        Policy: JSON.stringify({ ...fixed, Statement: [...fixed.Statement, later] }),
      }),
    );
    const changed = await reread(keyArn, roleArn);
    const revert = s3BucketAttachKmsKey.revertChanged(plan, changed);
    expect(revert.refusal).toBeUndefined();
    expect(revert.steps.map((st) => st.operation)).toEqual(["PutBucketEncryption", "PutKeyPolicy"]);
    await apply(revert);
    const restored = await reread(keyArn, roleArn);
    expect(restored.buckets[bucket]?.encryption).toEqual(
      ok({ algorithm: "AES256", bucketKeyEnabled: false }),
    );
    const statements = parsePolicyDocument(restored.keys[keyArn]?.policyText as string).Statement;
    const prior = parsePolicyDocument(key.policyText as string).Statement;
    expect(statements).toEqual([...prior, later]);
  });

  it("reverts a bucket that had no configuration by deleting it (S3 then applies SSE-S3 by default)", async () => {
    const { roleArn, keyArn, account } = await setup(false);
    const prior = account.buckets[bucket]?.encryption;
    const plan = s3BucketAttachKmsKey.plan(finding, account, planOptions({ kmsKeyArn: keyArn }));
    await apply(plan);
    await apply(s3BucketAttachKmsKey.revertPlan(plan));
    const restored = (await reread(keyArn, roleArn)).buckets[bucket]?.encryption;
    // Real S3 reports its SSE-S3 default; moto reports none. Either is "no configuration of ours".
    expect([
      JSON.stringify(prior),
      JSON.stringify(ok({ algorithm: "AES256", bucketKeyEnabled: false })),
    ]).toContain(JSON.stringify(restored));
  });

  it("refuses a key that is disabled, and changes nothing", async () => {
    const { keyArn, key, account } = await setup(true);
    const disabled = withKey(account, {
      ...key,
      metadata: key.metadata.ok
        ? ok({ ...key.metadata.value, keyState: "Disabled", enabled: false })
        : key.metadata,
    });
    const plan = s3BucketAttachKmsKey.plan(finding, disabled, planOptions({ kmsKeyArn: keyArn }));
    expect(plan.refusal).toMatch(/Disabled/);
    await expect(executePlan(plan, clients)).rejects.toMatchObject({ code: "PLAN_REFUSED" });
  });
});

// ---------------------------------------------------------------------------------------------------
// KMS

describe("KMS remediations against moto", () => {
  it("kms-enable-key-rotation turns rotation on, and the revert turns it off again", async () => {
    const keyArn = await createKey();
    const before = withKey(baseAccount(), await readKey(keyArn));
    expect(statusOf(kmsKeyRotationEnabled, before, keyArn)).toBe("FAIL");
    const plan = kmsEnableKeyRotation.plan(
      buildFinding("kms-key-rotation-enabled", keyArn),
      before,
      planOptions(),
    );
    await apply(plan);
    expect(statusOf(kmsKeyRotationEnabled, withKey(baseAccount(), await readKey(keyArn)), keyArn)).toBe(
      "PASS",
    );
    await apply(kmsEnableKeyRotation.revertPlan(plan));
    const status = await clients.kms(REGION).send(new GetKeyRotationStatusCommand({ KeyId: keyArn }));
    expect(status.KeyRotationEnabled).toBe(false);
  });

  it("kms-cancel-key-deletion cancels the deletion and enables the key; it has no revert", async () => {
    const keyArn = await createKey();
    await clients
      .kms(REGION)
      .send(new ScheduleKeyDeletionCommand({ KeyId: keyArn.split("/")[1], PendingWindowInDays: 7 }));
    const before = withKey(baseAccount(), await readKey(keyArn));
    expect(statusOf(kmsKeyNotPendingDeletion, before, keyArn)).toBe("FAIL");
    const plan = kmsCancelKeyDeletion.plan(
      buildFinding("kms-key-not-pending-deletion", keyArn),
      before,
      planOptions(),
    );
    await apply(plan);
    const after = withKey(baseAccount(), await readKey(keyArn));
    expect(after.keys[keyArn]?.metadata).toMatchObject({ ok: true, value: { keyState: "Enabled" } });
    expect(statusOf(kmsKeyNotPendingDeletion, after, keyArn)).toBe("PASS");
    expect("revertPlan" in kmsCancelKeyDeletion).toBe(false);
    // Steps are idempotent: running the same plan again changes nothing and fails nothing.
    await expect(executePlan(plan, clients)).resolves.toMatchObject({ stepsDone: 2 });
  });
});

// ---------------------------------------------------------------------------------------------------
// CloudTrail

describe("CloudTrail remediations against moto", () => {
  const scope = (region: string) => `arn:aws:cloudtrail:${region}:${MOTO_ACCOUNT_ID}:*`;

  it("cloudtrail-enable creates a log bucket and a validating multi-region trail, and the revert keeps the bucket", async () => {
    const before = await withTrails(baseAccount(), EU);
    expect(statusOf(cloudtrailMultiRegionLogging, before, scope(EU))).toBe("FAIL");
    const plan = cloudtrailEnable.plan(
      regionFinding("cloudtrail-multi-region-logging", "cloudtrail", EU),
      before,
      planOptions(),
    );
    await apply(plan);

    const after = await withTrails(baseAccount(), EU);
    expect(statusOf(cloudtrailMultiRegionLogging, after, scope(EU))).toBe("PASS");
    const trail = Object.values(after.trails)[0] as TrailInventory;
    expect(trail).toMatchObject({
      name: "forecast-audit-trail",
      isMultiRegion: true,
      logFileValidationEnabled: true,
    });
    expect(statusOf(cloudtrailLogFileValidation, after, trail.arn)).toBe("PASS");
    const logBucket = `forecast-audit-cloudtrail-${MOTO_ACCOUNT_ID}-${EU}`;
    const bucket = await collectBucket(
      clients,
      logBucket,
      { referencedBy: [], roleArns: [] },
      { limitFor: () => unlimited, locationRegion: REGION },
    );
    expect(bucket.region).toEqual(ok(EU));
    expect(bucket.publicAccessBlock).toMatchObject({
      ok: true,
      value: { blockPublicAcls: true, restrictPublicBuckets: true },
    });
    expect(JSON.stringify(bucket.policy)).toContain("bucket-owner-full-control");
    expect(
      isAlreadyCompliant(
        cloudtrailEnable.plan(
          regionFinding("cloudtrail-multi-region-logging", "cloudtrail", EU),
          after,
          planOptions(),
        ),
      ),
    ).toBe(true);

    await apply(cloudtrailEnable.revertPlan(plan));
    const reverted = await withTrails(baseAccount(), EU);
    expect(Object.keys(reverted.trails)).toEqual([]);
    await expect(clients.s3(EU).send(new HeadBucketCommand({ Bucket: logBucket }))).resolves.toBeDefined();
  });

  async function stoppedTrail(selectors: Record<string, unknown>[], validation = true): Promise<string> {
    await createBucket("existing-trail-logs");
    await clients.cloudtrail(REGION).send(
      new CreateTrailCommand({
        Name: "existing",
        S3BucketName: "existing-trail-logs",
        IsMultiRegionTrail: true,
        EnableLogFileValidation: validation,
      }),
    );
    await clients
      .cloudtrail(REGION)
      .send(new PutEventSelectorsCommand({ TrailName: "existing", EventSelectors: selectors as never }));
    return "existing";
  }

  it("cloudtrail-enable starts a stopped trail, adding management events while keeping its data selector", async () => {
    const dataOnly = {
      ReadWriteType: "All",
      IncludeManagementEvents: false,
      DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::forecast-data/"] }],
      ExcludeManagementEventSources: [],
    };
    await stoppedTrail([dataOnly]);
    const before = await withTrails(baseAccount(), REGION);
    const priorSelectors = await clients
      .cloudtrail(REGION)
      .send(new GetEventSelectorsCommand({ TrailName: "existing" }));
    expect(statusOf(cloudtrailMultiRegionLogging, before, scope(REGION))).toBe("FAIL");
    const finding = regionFinding("cloudtrail-multi-region-logging", "cloudtrail");
    const plan = cloudtrailEnable.plan(finding, before, planOptions());
    expect(plan.steps.map((s) => s.operation)).toEqual(["PutEventSelectors", "StartLogging"]);
    await apply(plan);
    const after = await withTrails(baseAccount(), REGION);
    expect(statusOf(cloudtrailMultiRegionLogging, after, scope(REGION))).toBe("PASS");
    const selectors = await clients
      .cloudtrail(REGION)
      .send(new GetEventSelectorsCommand({ TrailName: "existing" }));
    expect(selectors.EventSelectors?.[0]).toEqual(priorSelectors.EventSelectors?.[0]);

    await apply(cloudtrailEnable.revertPlan(plan));
    const reverted = await withTrails(baseAccount(), REGION);
    expect(Object.values(reverted.trails)[0]?.status).toEqual(ok({ isLogging: false }));
    const restored = await clients
      .cloudtrail(REGION)
      .send(new GetEventSelectorsCommand({ TrailName: "existing" }));
    expect(restored.EventSelectors).toEqual(priorSelectors.EventSelectors);
  });

  it("cloudtrail-enable after a change reads moto's selectors as the fix left them, and keeps selectors changed since", async () => {
    const dataOnly = {
      ReadWriteType: "All",
      IncludeManagementEvents: false,
      DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::forecast-data/"] }],
      ExcludeManagementEventSources: [],
    };
    await stoppedTrail([dataOnly]);
    const before = await withTrails(baseAccount(), REGION);
    const plan = cloudtrailEnable.plan(
      regionFinding("cloudtrail-multi-region-logging", "cloudtrail"),
      before,
      planOptions(),
    );
    await apply(plan);
    // As the fix left it: the revert of a changed resource still recognises the fix's selectors.
    const untouched = cloudtrailEnable.revertChanged(plan, await withTrails(baseAccount(), REGION));
    expect(untouched.steps.map((st) => st.operation)).toEqual(["StopLogging", "PutEventSelectors"]);
    // Someone then records write-only management events instead: their selectors stay, logging stops.
    await clients.cloudtrail(REGION).send(
      new PutEventSelectorsCommand({
        TrailName: "existing",
        EventSelectors: [
          { ...dataOnly, ReadWriteType: "All" as const },
          { ReadWriteType: "WriteOnly" as const, IncludeManagementEvents: true },
        ],
      }),
    );
    const changed = cloudtrailEnable.revertChanged(plan, await withTrails(baseAccount(), REGION));
    expect(changed.steps.map((st) => st.operation)).toEqual(["StopLogging"]);
    expect(changed.notes.join(" ")).toContain("event selectors of trail existing changed since the fix");
    await apply(changed);
    const selectors = await clients
      .cloudtrail(REGION)
      .send(new GetEventSelectorsCommand({ TrailName: "existing" }));
    expect(selectors.EventSelectors?.[1]).toMatchObject({ ReadWriteType: "WriteOnly" });
  });

  it("cloudtrail-enable-log-validation turns validation on, and off again on revert", async () => {
    await stoppedTrail([{ ReadWriteType: "All", IncludeManagementEvents: true }], false);
    await clients.cloudtrail(REGION).send(new StartLoggingCommand({ Name: "existing" }));
    const before = await withTrails(baseAccount(), REGION);
    const trail = Object.values(before.trails)[0] as TrailInventory;
    expect(statusOf(cloudtrailLogFileValidation, before, trail.arn)).toBe("FAIL");
    const plan = cloudtrailEnableLogValidation.plan(
      buildFinding("cloudtrail-log-file-validation", trail.arn, { resourceType: "cloudtrail-trail" }),
      before,
      planOptions(),
    );
    await apply(plan);
    expect(statusOf(cloudtrailLogFileValidation, await withTrails(baseAccount(), REGION), trail.arn)).toBe(
      "PASS",
    );
    await apply(cloudtrailEnableLogValidation.revertPlan(plan));
    expect(Object.values((await withTrails(baseAccount(), REGION)).trails)[0]?.logFileValidationEnabled).toBe(
      false,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// IAM, Macie, Forecast

describe("iam-role-scope-forecast-trust against moto", () => {
  async function readRole(name: string) {
    const out = await clients.iam().send(new GetRoleCommand({ RoleName: name }));
    const role = out.Role;
    return buildRole(role?.Arn as string, {
      role: { name, trustPolicy: parsePolicyDocument(role?.AssumeRolePolicyDocument as string) },
    });
  }

  it("adds aws:SourceAccount to the Forecast statement, passes the control, and restores the exact document", async () => {
    const roleArn = await createRole("ForecastUnscoped");
    const before = withRole(baseAccount(), await readRole("ForecastUnscoped"));
    expect(statusOf(forecastRoleTrustScoped, before, roleArn)).toBe("FAIL");
    const plan = iamRoleScopeForecastTrust.plan(
      buildFinding("forecast-role-trust-scoped", roleArn),
      before,
      planOptions(),
    );
    await apply(plan);
    const after = withRole(baseAccount(), await readRole("ForecastUnscoped"));
    const trust = after.roles[roleArn]?.role.ok ? after.roles[roleArn].role.value.trustPolicy : undefined;
    expect(trust?.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": MOTO_ACCOUNT_ID },
    });
    expect(trust?.Statement[1]).toEqual(FORECAST_TRUST.Statement[1]);
    expect(
      isAlreadyCompliant(
        iamRoleScopeForecastTrust.plan(
          buildFinding("forecast-role-trust-scoped", roleArn),
          after,
          planOptions(),
        ),
      ),
    ).toBe(true);

    await apply(iamRoleScopeForecastTrust.revertPlan(plan));
    const reverted = withRole(baseAccount(), await readRole("ForecastUnscoped"));
    expect(reverted.roles[roleArn]?.role).toMatchObject({ ok: true, value: { trustPolicy: FORECAST_TRUST } });
  });
});

// moto's Macie answers dates the SDK cannot parse, so Macie is a stateful fake of the three calls instead.
describe("macie-enable against a fake Macie", () => {
  it("enables Macie, and the revert of a first enablement disables it", async () => {
    const macie = mockClient(Macie2Client);
    try {
      let status: string | null = null;
      macie.on(GetMacieSessionCommand).callsFake(() => {
        if (status === null) throw awsError("ResourceNotFoundException", "Macie is not enabled.", 404);
        return { status };
      });
      macie.on(EnableMacieCommand).callsFake((input: { status?: string }) => {
        if (status !== null) throw awsError("ConflictException", "Macie is already enabled.", 409);
        status = input.status ?? "ENABLED";
        return {};
      });
      macie.on(DisableMacieCommand).callsFake(() => {
        status = null;
        return {};
      });
      const readSession = async () => (await collectMacie(clients, REGION, unlimited)).session;
      const before = baseAccount();
      expect(await readSession()).toEqual(ok(null));
      const plan = macieEnable.plan(regionFinding("macie-enabled", "macie2"), before, planOptions());
      await apply(plan);
      expect(await readSession()).toEqual(ok({ status: "ENABLED" }));
      // A retried plan meets "already enabled" and counts it as done.
      await expect(executePlan(plan, clients)).resolves.toMatchObject({
        outcomes: [{ outcome: "already-done" }],
      });
      await apply(macieEnable.revertPlan(plan));
      expect(await readSession()).toEqual(ok(null));
    } finally {
      macie.restore();
    }
  });
});

describe("forecast-remove-sensitive-tag against the Forecast emulator", () => {
  it("removes the flagged tags, passes the control, and the revert puts them back", async () => {
    const tags = [
      { Key: "team", Value: "demand-planning" },
      { Key: "owner", Value: "jane.doe@example.com" },
    ];
    const groupArn = forecast.state.createDatasetGroup({ DatasetGroupName: "retail_demand", Tags: tags });
    const readTags = async (): Promise<Tag[]> => {
      const out = await clients
        .forecast(REGION)
        .send(new ListTagsForResourceCommand({ ResourceArn: groupArn }));
      return (out.Tags ?? []).map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" }));
    };
    const accountWithTags = async () =>
      withResources(baseAccount(), [
        buildForecastResource("dataset-group", {
          name: "retail_demand",
          arn: groupArn,
          tags: await readTags(),
        }),
      ]);
    const before = await accountWithTags();
    expect(statusOf(forecastTagsNoSensitiveData, before, groupArn)).toBe("FAIL");
    const plan = forecastRemoveSensitiveTag.plan(
      buildFinding("forecast-tags-no-sensitive-data", groupArn, { resourceType: "forecast-dataset-group" }),
      before,
      planOptions(),
    );
    await apply(plan);
    expect(await readTags()).toEqual([{ key: "team", value: "demand-planning" }]);
    expect(statusOf(forecastTagsNoSensitiveData, await accountWithTags(), groupArn)).toBe("PASS");
    await apply(forecastRemoveSensitiveTag.revertPlan(plan));
    expect((await readTags()).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "owner", value: "jane.doe@example.com" },
      { key: "team", value: "demand-planning" },
    ]);
  });
});

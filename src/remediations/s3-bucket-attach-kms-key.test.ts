import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  BUCKET,
  buildAccount,
  buildAwsManagedKey,
  buildBucket,
  buildKey,
  denied,
  KEY_ARN,
  keyArn,
  ok,
  ROLE_ARN,
  roleArn,
  withBucket,
  withKey,
} from "../../test/support/inventory-builders.js";
import { bucketFinding, isAlreadyCompliant, planOptions } from "../../test/support/remediation-fixtures.js";
import type {
  AccountInventory,
  BucketEncryption,
  BucketInventory,
  KeyInventory,
} from "../domain/inventory.js";
import { parsePolicyDocument } from "../domain/policy-document.js";
import type { Plan } from "../domain/remediation.js";
import { ROLE_GRANT_SID_PREFIX, s3BucketAttachKmsKey as remediation } from "./s3-bucket-attach-kms-key.js";

const finding = bucketFinding("s3-bucket-default-encryption-cmk", BUCKET);
const OTHER_ROLE = roleArn("ForecastExportRole");
const SSE_S3: BucketEncryption = { algorithm: "AES256", bucketKeyEnabled: false };
const KEY_POLICY_TEXT = JSON.stringify(
  {
    Version: "2012-10-17",
    Id: "key-consolepolicy-3",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  },
  null,
  2,
);

function setup(
  bucket: Partial<BucketInventory> = {},
  key: Partial<Parameters<typeof buildKey>[1]> = {},
): AccountInventory {
  return withKey(
    withBucket(
      buildAccount(),
      buildBucket(BUCKET, {
        encryption: ok(SSE_S3),
        roleArns: [ROLE_ARN, OTHER_ROLE],
        referencedBy: ["arn:x"],
        ...bucket,
      }),
    ),
    buildKey(KEY_ARN, {
      policy: ok(parsePolicyDocument(KEY_POLICY_TEXT)),
      policyText: KEY_POLICY_TEXT,
      referencedBy: ["arn:x"],
      ...key,
    }),
  );
}

/** The inventory read back after the plan's calls succeed. */
function applied(account: AccountInventory, plan: Plan): AccountInventory {
  let next = account;
  for (const step of plan.steps) {
    if (step.operation === "PutKeyPolicy") {
      const text = step.input.Policy as string;
      const key = account.keys[KEY_ARN] as KeyInventory;
      next = withKey(next, { ...key, policy: ok(parsePolicyDocument(text)), policyText: text });
    }
    if (step.operation === "PutBucketEncryption") {
      const bucket = next.buckets[BUCKET] as BucketInventory;
      next = withBucket(next, {
        ...bucket,
        encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_ARN, bucketKeyEnabled: true }),
      });
    }
  }
  return next;
}

describe("s3-bucket-attach-kms-key plan", () => {
  it("grants the Forecast roles the key first, then switches the bucket to SSE-KMS with bucket keys", () => {
    const plan = remediation.plan(finding, setup(), planOptions());
    expect(plan.refusal).toBeUndefined();
    expect(plan.steps.map((s) => `${s.service}:${s.operation}`)).toEqual([
      "kms:PutKeyPolicy",
      "s3:PutBucketEncryption",
    ]);
    const [grant, encrypt] = plan.steps;
    expect(grant?.input).toMatchObject({ KeyId: KEY_ARN, PolicyName: "default" });
    const policy = JSON.parse(grant?.input.Policy as string);
    const prior = JSON.parse(KEY_POLICY_TEXT);
    expect(policy.Id).toBe(prior.Id);
    expect(JSON.stringify(policy.Statement[0])).toBe(JSON.stringify(prior.Statement[0]));
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[1]).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: [OTHER_ROLE, ROLE_ARN].sort() },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
    });
    expect(policy.Statement[1].Sid).toMatch(new RegExp(`^${ROLE_GRANT_SID_PREFIX}[0-9a-f]{8}$`));
    expect(encrypt?.input).toEqual({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY_ARN },
            BucketKeyEnabled: true,
          },
        ],
      },
      ExpectedBucketOwner: ACCOUNT_ID,
    });
    expect(plan.priorState).toEqual({
      bucket: BUCKET,
      region: "us-east-1",
      expectedOwner: ACCOUNT_ID,
      encryption: SSE_S3,
      encryptionChanged: true,
      keyArn: KEY_ARN,
      keyPolicyText: KEY_POLICY_TEXT,
    });
    expect(plan.diff).toContain("kms:GenerateDataKey");
  });

  it("re-planning after the fix gives no steps and says already compliant", () => {
    const account = setup();
    const plan = remediation.plan(finding, account, planOptions());
    expect(isAlreadyCompliant(remediation.plan(finding, applied(account, plan), planOptions()))).toBe(true);
  });

  it("only grants roles the key policy does not already name", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Old",
          Effect: "Allow",
          Principal: { AWS: ROLE_ARN },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ],
    });
    const plan = remediation.plan(
      finding,
      setup({}, { policy: ok(parsePolicyDocument(text)), policyText: text }),
      planOptions(),
    );
    const policy = JSON.parse(plan.steps[0]?.input.Policy as string);
    expect(policy.Statement[1].Principal).toEqual({ AWS: [OTHER_ROLE] });
  });

  it("only switches the bucket when its roles can already use the key", () => {
    const text = JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: { AWS: [ROLE_ARN, OTHER_ROLE] }, Action: "kms:*", Resource: "*" },
      ],
    });
    const plan = remediation.plan(
      finding,
      setup({}, { policy: ok(parsePolicyDocument(text)), policyText: text }),
      planOptions(),
    );
    expect(plan.steps.map((s) => s.operation)).toEqual(["PutBucketEncryption"]);
    expect(plan.priorState).toMatchObject({ keyPolicyText: null });
  });

  it("uses the parsed key policy when the text was not collected", () => {
    const { policyText: _dropped, ...withoutText } = setup().keys[KEY_ARN] as KeyInventory;
    const plan = remediation.plan(finding, withKey(setup(), withoutText), planOptions());
    const policy = JSON.parse(plan.steps[0]?.input.Policy as string);
    expect(policy.Statement[0]).toEqual(JSON.parse(KEY_POLICY_TEXT).Statement[0]);
  });

  it("keeps the bucket's own customer-managed key when none is asked for", () => {
    const account = setup({
      encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_ARN, bucketKeyEnabled: false }),
    });
    const plan = remediation.plan(finding, account, planOptions());
    expect(plan.steps.find((s) => s.operation === "PutBucketEncryption")?.input).toMatchObject({
      ServerSideEncryptionConfiguration: { Rules: [{ BucketKeyEnabled: true }] },
    });
  });

  it("refuses when several keys could do and none is chosen, and takes the one chosen", () => {
    const second = keyArn("22222222-2222-2222-2222-222222222222");
    const account = withKey(setup({ referencedBy: [] }), buildKey(second, { policyText: KEY_POLICY_TEXT }));
    const plan = remediation.plan(finding, account, planOptions());
    expect(plan.refusal).toMatch(/Choose the key: 2/);
    const chosen = remediation.plan(finding, account, planOptions({ kmsKeyArn: second }));
    expect(chosen.steps.at(-1)?.input).toMatchObject({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { KMSMasterKeyID: second } }],
      },
    });
  });

  it("offers every eligible key as a choice, marking the one the plan used", () => {
    const second = keyArn("22222222-2222-2222-2222-222222222222");
    const disabled = keyArn("33333333-3333-3333-3333-333333333333");
    const account = withKey(
      withKey(setup({ referencedBy: [] }), buildKey(second, { policyText: KEY_POLICY_TEXT })),
      buildKey(disabled, { metadata: { keyState: "Disabled", enabled: false } }),
    );
    const refused = remediation.plan(finding, account, planOptions());
    expect(refused.choice?.option).toBe("kmsKeyArn");
    expect(refused.choice?.candidates.map((c) => c.value).sort()).toEqual([KEY_ARN, second].sort());
    expect(refused.choice?.selected).toBeUndefined();
    const chosen = remediation.plan(finding, account, planOptions({ kmsKeyArn: second }));
    expect(chosen.choice?.selected).toBe(second);
    expect(chosen.choice?.candidates).toHaveLength(2);
  });

  it.each([
    ["an AWS managed key", () => withKey(setup(), buildAwsManagedKey(KEY_ARN)), /not customer managed/],
    [
      "a disabled key",
      () => setup({}, { metadata: { keyState: "Disabled", enabled: false } }),
      /Disabled, not enabled/,
    ],
    [
      "a key pending deletion",
      () => setup({}, { metadata: { keyState: "PendingDeletion", enabled: false } }),
      /PendingDeletion/,
    ],
    [
      "a key in another region",
      () => setup({ region: ok("eu-west-1") }),
      /in us-east-1 but the bucket is in eu-west-1/,
    ],
    [
      "an unreadable key policy",
      () => setup({}, { policy: denied("kms:GetKeyPolicy") }),
      /kms:GetKeyPolicy failed/,
    ],
    ["an asymmetric key", () => setup({}, { metadata: { keySpec: "RSA_2048" } }), /symmetric/],
  ])("refuses %s with the reason", (_name, build, reason) => {
    const plan = remediation.plan(finding, build(), planOptions({ kmsKeyArn: KEY_ARN }));
    expect(plan.steps).toEqual([]);
    expect(plan.refusal).toMatch(reason);
  });

  it("refuses a key that is not in the inventory, and unreadable bucket encryption", () => {
    expect(remediation.plan(finding, setup(), planOptions({ kmsKeyArn: keyArn("missing") })).refusal).toMatch(
      /not in the inventory/,
    );
    expect(
      remediation.plan(finding, setup({ encryption: denied("s3:GetEncryptionConfiguration") }), planOptions())
        .refusal,
    ).toMatch(/s3:GetEncryptionConfiguration/);
  });

  it("fingerprints the bucket and key state it read", () => {
    const a = remediation.plan(finding, setup(), planOptions());
    expect(remediation.plan(finding, setup(), planOptions()).fingerprint).toBe(a.fingerprint);
    const other = `${KEY_POLICY_TEXT} `;
    expect(remediation.plan(finding, setup({}, { policyText: other }), planOptions()).fingerprint).not.toBe(
      a.fingerprint,
    );
  });
});

describe("s3-bucket-attach-kms-key revert", () => {
  it("restores the encryption first, then the exact key policy text", () => {
    const prior: BucketEncryption = {
      algorithm: "aws:kms",
      kmsKeyId: "alias/aws/s3",
      bucketKeyEnabled: false,
    };
    const plan = remediation.plan(
      finding,
      setup({ encryption: ok(prior) }),
      planOptions({ kmsKeyArn: KEY_ARN }),
    );
    const revert = remediation.revertPlan(plan);
    expect(revert.steps.map((s) => s.operation)).toEqual(["PutBucketEncryption", "PutKeyPolicy"]);
    expect(revert.steps[0]?.input).toEqual({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/aws/s3" },
            BucketKeyEnabled: false,
          },
        ],
      },
      ExpectedBucketOwner: ACCOUNT_ID,
    });
    expect(revert.steps[1]?.input).toEqual({
      KeyId: KEY_ARN,
      PolicyName: "default",
      Policy: KEY_POLICY_TEXT,
    });
  });

  it("deletes the encryption configuration when there was none", () => {
    const plan = remediation.plan(finding, setup({ encryption: ok(null) }), planOptions());
    const revert = remediation.revertPlan(plan);
    expect(revert.steps[0]).toMatchObject({ operation: "DeleteBucketEncryption", input: { Bucket: BUCKET } });
    expect(revert.steps[0]?.description).toMatch(/SSE-S3/);
  });
});

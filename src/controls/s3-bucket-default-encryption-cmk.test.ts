import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountWithBucket,
  BUCKET,
  buildAccount,
  buildAwsManagedKey,
  buildBucket,
  buildContext,
  buildKey,
  buildSecureAccount,
  denied,
  KEY_ID,
  keyArn,
  ok,
  withBucket,
  withKey,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, BucketEncryption } from "../domain/inventory.js";
import { s3BucketDefaultEncryptionCmk as control } from "./s3-bucket-default-encryption-cmk.js";

const run = (account: AccountInventory) => control.evaluate(buildContext(account));
const withEncryption = (encryption: BucketEncryption | null) =>
  withKey(accountWithBucket({ encryption: ok(encryption) }), buildKey());

describe("s3-bucket-default-encryption-cmk", () => {
  it("passes SSE-KMS with a customer-managed key", () => {
    expect(run(buildSecureAccount())).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceArn: `arn:aws:s3:::${BUCKET}`,
        resourceType: "s3-bucket",
        region: "us-east-1",
      }),
    ]);
  });

  it("resolves a bare key id in the bucket's region", () => {
    const eu = keyArn(KEY_ID, "eu-west-1");
    const account = withKey(
      withBucket(
        buildAccount(),
        buildBucket(BUCKET, {
          region: ok("eu-west-1"),
          encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_ID, bucketKeyEnabled: true }),
        }),
      ),
      buildKey(eu, { metadata: { arn: eu } }),
    );
    expect(run(account)[0]).toMatchObject({ status: "PASS", region: "eu-west-1" });
  });

  it.each([
    [null, /no default encryption/],
    [{ algorithm: "AES256", bucketKeyEnabled: false }, /SSE-S3 \(AES256\)/],
    [{ algorithm: "aws:kms", bucketKeyEnabled: true }, /AWS managed aws\/s3 key/],
  ] as const)("fails %j", (encryption, detail) => {
    const [finding] = run(withEncryption(encryption));
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "s3-bucket-attach-kms-key" });
    expect(finding?.detail).toMatch(detail);
  });

  it("fails an explicit AWS managed key", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/s3`;
    const account = withKey(
      withBucket(
        buildAccount(),
        buildBucket(BUCKET, {
          encryption: ok({ algorithm: "aws:kms", kmsKeyId: alias, bucketKeyEnabled: true }),
        }),
      ),
      buildAwsManagedKey(alias),
    );
    expect(run(account)[0]?.detail).toMatch(/AWS managed KMS key/);
  });

  it("reports ERROR when the encryption or the key could not be read", () => {
    const noEncryption = withBucket(
      buildAccount(),
      buildBucket(BUCKET, { encryption: denied("s3:GetEncryptionConfiguration") }),
    );
    expect(run(noEncryption)[0]?.status).toBe("ERROR");
    const noKey = withKey(accountWithBucket(), buildKey(undefined, { metadata: denied("kms:DescribeKey") }));
    expect(run(noKey)[0]).toMatchObject({ status: "ERROR", error: { action: "kms:DescribeKey" } });
  });

  it("reports ERROR for a bare key id when the bucket's region is unknown", () => {
    const account = withBucket(
      buildAccount(),
      buildBucket(BUCKET, {
        region: denied("s3:GetBucketLocation"),
        encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_ID, bucketKeyEnabled: true }),
      }),
    );
    expect(run(account)[0]).toMatchObject({ status: "ERROR", error: { action: "s3:GetBucketLocation" } });
  });

  it("yields nothing without referenced buckets", () => {
    expect(run(buildAccount())).toEqual([]);
  });
});

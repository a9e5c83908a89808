import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  BUCKET,
  buildAccount,
  buildAwsManagedKey,
  buildBucket,
  buildContext,
  buildExportJob,
  buildKey,
  buildSecureAccount,
  denied,
  EXPORT_TYPES,
  KEY_ARN,
  ok,
  ROLE_ARN,
  withBucket,
  withKey,
  withResources,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, BucketInventory, ForecastResource } from "../domain/inventory.js";
import { forecastExportEncryptedWithCmk as control } from "./forecast-export-encrypted-with-cmk.js";

const run = (account: AccountInventory = buildSecureAccount()) => control.evaluate(buildContext(account));

const plainDestination = {
  path: `s3://${BUCKET}/exports/x/`,
  roleArn: ROLE_ARN,
  usage: "destination" as const,
};

function accountWith(job: ForecastResource, bucket: BucketInventory = buildBucket()): AccountInventory {
  return withKey(withBucket(withResources(buildAccount(), [job]), bucket), buildKey());
}

describe("forecast-export-encrypted-with-cmk", () => {
  it.each(EXPORT_TYPES)("passes a %s whose S3Config has a customer-managed key", (type) => {
    const account = accountWith(
      buildExportJob({ name: "job" }, type),
      buildBucket(BUCKET, { encryption: ok(null) }),
    );
    const [finding] = run(account);
    expect(finding).toMatchObject({ status: "PASS", resourceType: `forecast-${type}` });
    expect(finding?.detail).toMatch(/S3Config\.KMSKeyArn set to a customer-managed KMS key/);
  });

  it("passes when the destination bucket's default encryption uses a customer-managed key", () => {
    const job = buildExportJob({ config: { s3: [plainDestination] } });
    const [finding] = run(accountWith(job));
    expect(finding?.status).toBe("PASS");
    expect(finding?.detail).toMatch(
      /bucket "forecast-data-123456789012", which encrypts new objects with SSE-KMS/,
    );
  });

  it("passes with DSSE-KMS bucket defaults", () => {
    const job = buildExportJob({ config: { s3: [plainDestination] } });
    const bucket = buildBucket(BUCKET, {
      encryption: ok({ algorithm: "aws:kms:dsse", kmsKeyId: KEY_ARN, bucketKeyEnabled: false }),
    });
    expect(run(accountWith(job, bucket))[0]?.status).toBe("PASS");
  });

  it("fails when neither the job nor the bucket uses a customer-managed key", () => {
    const job = buildExportJob({ config: { s3: [plainDestination] } });
    const bucket = buildBucket(BUCKET, { encryption: ok({ algorithm: "AES256", bucketKeyEnabled: false }) });
    const [finding] = run(accountWith(job, bucket));
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toBe(
      `Forecast export job "retail_forecast_export_job" writes to "s3://${BUCKET}/exports/x/" without S3Config.KMSKeyArn, and bucket "${BUCKET}" encrypts new objects with SSE-S3 (AES256), not SSE-KMS.`,
    );
  });

  it("fails when the bucket uses the aws/s3 key and the job key is AWS managed", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/s3`;
    const job = buildExportJob({ config: { s3: [{ ...plainDestination, kmsKeyArn: alias }] } });
    const bucket = buildBucket(BUCKET, { encryption: ok({ algorithm: "aws:kms", bucketKeyEnabled: true }) });
    const account = withKey(accountWith(job, bucket), buildAwsManagedKey(alias));
    const [finding] = run(account);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/AWS managed S3Config\.KMSKeyArn.*aws\/s3 key/);
  });

  it("reports ERROR when the bucket's encryption could not be read and the job has no key", () => {
    const job = buildExportJob({ config: { s3: [plainDestination] } });
    const bucket = buildBucket(BUCKET, { encryption: denied("s3:GetEncryptionConfiguration") });
    expect(run(accountWith(job, bucket))[0]).toMatchObject({
      status: "ERROR",
      error: { action: "s3:GetEncryptionConfiguration" },
    });
  });

  it("passes on the job's key even when the bucket could not be read", () => {
    const job = buildExportJob();
    const bucket = buildBucket(BUCKET, { encryption: denied("s3:GetEncryptionConfiguration") });
    expect(run(accountWith(job, bucket))[0]?.status).toBe("PASS");
  });

  it("reports ERROR when the job could not be described", () => {
    const job = buildExportJob({ config: denied("forecast:DescribeForecastExportJob") });
    expect(run(accountWith(job))[0]?.status).toBe("ERROR");
  });

  it("reports ERROR when no destination was recorded", () => {
    const job = buildExportJob({ config: ok({ s3: [] }) });
    expect(run(accountWith(job))[0]).toMatchObject({
      status: "ERROR",
      error: { code: "NotCollected", action: "forecast:DescribeForecastExportJob" },
    });
  });

  it("yields nothing when there are no export jobs", () => {
    expect(run(buildAccount())).toEqual([]);
  });
});

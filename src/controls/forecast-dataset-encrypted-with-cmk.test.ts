import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildAwsManagedKey,
  buildContext,
  buildDataset,
  buildKey,
  buildSecureAccount,
  denied,
  KEY_ARN,
  KEY_ID,
  ok,
  withKey,
  withRegion,
  withResources,
} from "../../test/support/inventory-builders.js";
import { forecastDatasetEncryptedWithCmk as control } from "./forecast-dataset-encrypted-with-cmk.js";

const run = (account = buildSecureAccount()) => control.evaluate(buildContext(account));

describe("forecast-dataset-encrypted-with-cmk", () => {
  it("passes a dataset encrypted with a customer-managed key", () => {
    const [finding, ...rest] = run();
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      status: "PASS",
      controlId: "forecast-dataset-encrypted-with-cmk",
      severity: "high",
      accountId: ACCOUNT_ID,
      region: "us-east-1",
      resourceType: "forecast-dataset",
      resourceArn: `arn:aws:forecast:us-east-1:${ACCOUNT_ID}:dataset/retail_sales`,
    });
  });

  it("resolves a bare key id in the dataset's region", () => {
    const account = withKey(
      withResources(buildAccount(), [buildDataset({ config: { kmsKeyArn: KEY_ID } })]),
      buildKey(),
    );
    expect(run(account).map((f) => f.status)).toEqual(["PASS"]);
  });

  it("fails a dataset without EncryptionConfig", () => {
    const account = withResources(buildAccount(), [buildDataset({ config: ok({ s3: [] }) })]);
    const [finding] = run(account);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/no EncryptionConfig/);
    expect(finding?.remediationId).toBeUndefined();
  });

  it("fails a dataset encrypted with an AWS managed key", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/forecast`;
    const account = withKey(
      withResources(buildAccount(), [buildDataset({ config: { kmsKeyArn: alias } })]),
      buildAwsManagedKey(alias),
    );
    const [finding] = run(account);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/AWS managed/);
  });

  it("reports ERROR when the dataset could not be described", () => {
    const account = withResources(buildAccount(), [
      buildDataset({ config: denied("forecast:DescribeDataset") }),
    ]);
    const [finding] = run(account);
    expect(finding?.status).toBe("ERROR");
    expect(finding?.error?.action).toBe("forecast:DescribeDataset");
    expect(finding?.detail).toMatch(/forecast:DescribeDataset was denied/);
  });

  it("reports ERROR when the key could not be read or was not collected", () => {
    const dataset = buildDataset();
    const unreadable = withKey(
      withResources(buildAccount(), [dataset]),
      buildKey(KEY_ARN, { metadata: denied("kms:DescribeKey") }),
    );
    expect(run(unreadable)[0]).toMatchObject({ status: "ERROR", error: { action: "kms:DescribeKey" } });
    const missing = withResources(buildAccount(), [dataset]);
    expect(run(missing)[0]).toMatchObject({ status: "ERROR", error: { code: "NotCollected" } });
  });

  it("reports ERROR for a region whose dataset listing failed", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecast: { ...buildSecureAccount().regions[0]!.forecast, dataset: denied("forecast:ListDatasets") },
    });
    expect(run(account)).toEqual([
      expect.objectContaining({
        status: "ERROR",
        resourceType: "forecast-region",
        resourceArn: `arn:aws:forecast:us-east-1:${ACCOUNT_ID}:*`,
      }),
    ]);
  });

  it("yields nothing when there are no datasets", () => {
    expect(run(buildAccount())).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  BUCKET,
  buildAccount,
  buildBucket,
  buildKey,
  buildPredictor,
  buildRole,
  buildSecureAccount,
  denied,
  emptyForecast,
  forecastArn,
  KEY_ARN,
  ROLE_ARN,
  TRAIL_ARN,
  TRAIL_KEY_ARN,
  withBucket,
  withKey,
  withRegion,
  withResources,
  withRole,
} from "../../test/support/inventory-builders.js";
import { bucketArn } from "./arn.js";
import { FORECAST_REFERENCES, FORECAST_RESOURCE_TYPES } from "./inventory.js";
import { isBucketGone, referenceGaps, referenceReach } from "./reference-scope.js";

describe("referenceGaps", () => {
  it("has none when every read that leads to buckets, keys and roles succeeded", () => {
    expect(referenceGaps(buildSecureAccount())).toEqual([]);
  });

  it("names each failed Forecast listing with the kinds of resource its type references", () => {
    const base = emptyForecast();
    const account = withRegion(buildAccount(), "eu-west-1", {
      forecast: {
        ...base,
        predictor: denied("forecast:ListPredictors"),
        "forecast-export-job": denied("forecast:ListForecastExportJobs"),
        // A dataset group references nothing, so its failed listing leaves no reference unknown.
        "dataset-group": denied("forecast:ListDatasetGroups"),
      },
    });
    expect(referenceGaps(account)).toEqual([
      {
        region: "eu-west-1",
        kinds: ["key", "role"],
        error: expect.objectContaining({ action: "forecast:ListPredictors" }),
      },
      {
        region: "eu-west-1",
        kinds: ["bucket", "key", "role"],
        error: expect.objectContaining({ action: "forecast:ListForecastExportJobs" }),
      },
    ]);
  });

  it("names a resource whose Describe failed (DescribeAutoPredictor denied hides the predictor's key)", () => {
    const predictor = buildPredictor({ config: denied("forecast:DescribeAutoPredictor") });
    expect(referenceGaps(withResources(buildAccount(), [predictor]))).toEqual([
      {
        region: "us-east-1",
        kinds: ["key", "role"],
        error: expect.objectContaining({ action: "forecast:DescribeAutoPredictor" }),
        resourceArn: predictor.arn,
      },
    ]);
  });

  it("attributes a bucket whose encryption could not be read to the regions that reference it, for keys only", () => {
    const exporter = forecastArn("forecast-export-job", "x", "ap-southeast-2");
    const account = withBucket(
      buildAccount(),
      buildBucket(BUCKET, {
        region: denied("s3:GetBucketLocation"),
        encryption: denied("s3:GetBucketLocation"),
        referencedBy: [exporter],
      }),
    );
    expect(referenceGaps(account)).toEqual([
      {
        region: "ap-southeast-2",
        kinds: ["key"],
        error: expect.objectContaining({ action: "s3:GetBucketLocation" }),
        resourceArn: bucketArn("aws", BUCKET),
      },
    ]);
  });

  it("counts a region whose trails could not be listed as leaving trail keys unknown", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      trailArns: denied("cloudtrail:DescribeTrails"),
    });
    expect(referenceGaps(account)).toEqual([
      {
        region: "us-east-1",
        kinds: ["key"],
        error: expect.objectContaining({ action: "cloudtrail:DescribeTrails" }),
      },
    ]);
  });

  it("treats a bucket whose own read says it does not exist as gone, not as a gap", () => {
    const gone = buildBucket(BUCKET, {
      region: denied("s3:GetBucketLocation", "NoSuchBucket"),
      encryption: denied("s3:GetBucketLocation", "NoSuchBucket"),
      referencedBy: [forecastArn("dataset-import-job", "x")],
    });
    expect(isBucketGone(gone)).toBe(true);
    expect(referenceGaps(withBucket(buildAccount(), gone))).toEqual([]);
  });

  it("knows what every resource type can reference", () => {
    expect(Object.keys(FORECAST_REFERENCES).sort()).toEqual([...FORECAST_RESOURCE_TYPES].sort());
  });
});

describe("referenceReach", () => {
  it("maps each referenced bucket, key and role to the scanned regions that lead to it", () => {
    const exporter = forecastArn("forecast-export-job", "x", "eu-west-1");
    const dataset = forecastArn("dataset", "d", "us-east-1");
    let account = withBucket(
      buildAccount(),
      buildBucket(BUCKET, { region: { ok: true, value: "us-west-2" }, referencedBy: [exporter] }),
    );
    account = withKey(
      account,
      buildKey(KEY_ARN, { referencedBy: [dataset, `s3://${BUCKET}`] }),
      buildKey(TRAIL_KEY_ARN, { referencedBy: [TRAIL_ARN] }),
    );
    account = withRole(account, buildRole(ROLE_ARN, { referencedBy: [exporter, dataset] }));
    expect(referenceReach(account)).toEqual({
      [bucketArn("aws", BUCKET)]: ["eu-west-1"],
      [KEY_ARN]: ["eu-west-1", "us-east-1"],
      [TRAIL_KEY_ARN]: ["us-east-1"],
      [ROLE_ARN]: ["eu-west-1", "us-east-1"],
    });
  });
});

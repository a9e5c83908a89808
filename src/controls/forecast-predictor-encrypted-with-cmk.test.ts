import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildAwsManagedKey,
  buildContext,
  buildPredictor,
  buildSecureAccount,
  denied,
  ok,
  withKey,
  withResources,
} from "../../test/support/inventory-builders.js";
import { forecastPredictorEncryptedWithCmk as control } from "./forecast-predictor-encrypted-with-cmk.js";

const run = (account = buildSecureAccount()) => control.evaluate(buildContext(account));

describe("forecast-predictor-encrypted-with-cmk", () => {
  it("passes a predictor encrypted with a customer-managed key", () => {
    expect(run()).toEqual([
      expect.objectContaining({ status: "PASS", resourceType: "forecast-predictor", severity: "medium" }),
    ]);
  });

  it("fails a legacy predictor without EncryptionConfig and says which kind it is", () => {
    const account = withResources(buildAccount(), [
      buildPredictor({ name: "legacy", config: ok({ s3: [], isAutoPredictor: false }) }),
    ]);
    const [finding] = run(account);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toBe(
      'Predictor "legacy" has no EncryptionConfig, so Forecast encrypts it with an AWS owned key.',
    );
  });

  it("fails a predictor encrypted with an AWS managed key", () => {
    const ref = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/a0a0a0a0-b1b1-c2c2-d3d3-e4e4e4e4e4e4`;
    const account = withKey(
      withResources(buildAccount(), [buildPredictor({ config: { kmsKeyArn: ref } })]),
      buildAwsManagedKey(ref),
    );
    expect(run(account)[0]?.status).toBe("FAIL");
  });

  it("reports ERROR when the predictor could not be described", () => {
    const account = withResources(buildAccount(), [
      buildPredictor({ config: denied("forecast:DescribeAutoPredictor") }),
    ]);
    expect(run(account)[0]).toMatchObject({
      status: "ERROR",
      error: { action: "forecast:DescribeAutoPredictor" },
    });
  });

  it("yields nothing when there are no predictors", () => {
    expect(run(buildAccount())).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountWithKey,
  buildAccount,
  buildAwsManagedKey,
  buildContext,
  buildKey,
  buildSecureAccount,
  denied,
  KEY_ARN,
  withKey,
} from "../../test/support/inventory-builders.js";
import type { KeyMetadata } from "../domain/inventory.js";
import { kmsKeyCustomerManagedSymmetric as control } from "./kms-key-customer-managed-symmetric.js";

const withMetadata = (metadata: Partial<KeyMetadata>) =>
  control.evaluate(buildContext(accountWithKey({ metadata })))[0];

describe("kms-key-customer-managed-symmetric", () => {
  it("passes customer-managed symmetric enabled keys, in the key's region under its real ARN", () => {
    const findings = control.evaluate(buildContext(buildSecureAccount()));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({
      status: "PASS",
      resourceArn: KEY_ARN,
      region: "us-east-1",
      resourceType: "kms-key",
    });
  });

  it("fails an AWS managed key", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/forecast`;
    const [finding] = control.evaluate(buildContext(withKey(buildAccount(), buildAwsManagedKey(alias))));
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/is AWS managed\.$/);
    expect(finding?.resourceArn).toMatch(/:key\//);
  });

  it("fails an asymmetric or disabled key, naming each problem", () => {
    const finding = withMetadata({ keySpec: "RSA_2048", enabled: false, keyState: "Disabled" });
    expect(finding?.detail).toBe(
      "KMS key 1234abcd-12ab-34cd-56ef-1234567890ab has key spec RSA_2048 and is not enabled (Disabled).",
    );
  });

  it("reports one finding per key even when referenced by alias and by ARN", () => {
    const alias = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/forecast`;
    const account = withKey(
      buildAccount(),
      buildKey(KEY_ARN),
      buildKey(alias, { metadata: { arn: KEY_ARN } }),
    );
    expect(control.evaluate(buildContext(account))).toHaveLength(1);
  });

  it("reports ERROR when the key could not be described", () => {
    const account = accountWithKey({ metadata: denied("kms:DescribeKey") });
    expect(control.evaluate(buildContext(account))[0]).toMatchObject({
      status: "ERROR",
      resourceArn: KEY_ARN,
    });
  });

  it("yields nothing without referenced keys", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildAwsManagedKey,
  buildContext,
  buildKey,
  buildSecureAccount,
  denied,
  KEY_ARN,
  ok,
  withKey,
} from "../../test/support/inventory-builders.js";
import type { KeyInventory } from "../domain/inventory.js";
import { kmsKeyRotationEnabled as control } from "./kms-key-rotation-enabled.js";

const run = (...keys: KeyInventory[]) => control.evaluate(buildContext(withKey(buildAccount(), ...keys)));

describe("kms-key-rotation-enabled", () => {
  it("passes rotating customer-managed keys", () => {
    const findings = control.evaluate(buildContext(buildSecureAccount()));
    expect(findings.map((f) => f.status)).toEqual(["PASS", "PASS"]);
    expect(findings[0]?.detail).toMatch(/rotates automatically every 365 days\.$/);
  });

  it("fails a key without rotation, with the fix attached", () => {
    const [finding] = run(buildKey(KEY_ARN, { rotation: ok({ enabled: false }) }));
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "kms-enable-key-rotation" });
  });

  it("says N/A for keys where rotation does not apply", () => {
    expect(run(buildAwsManagedKey(`arn:aws:kms:us-east-1:${ACCOUNT_ID}:alias/aws/s3`))).toEqual([
      expect.objectContaining({
        status: "N/A",
        detail: expect.stringMatching(/is not a customer-managed symmetric key\.$/),
      }),
    ]);
    expect(
      run(buildKey(KEY_ARN, { metadata: { origin: "EXTERNAL" }, rotation: ok({ enabled: false }) })),
    ).toEqual([
      expect.objectContaining({
        status: "N/A",
        detail: expect.stringMatching(
          /has key material of origin EXTERNAL, which KMS cannot rotate automatically\.$/,
        ),
      }),
    ]);
  });

  it("reports ERROR when the rotation status could not be read", () => {
    expect(run(buildKey(KEY_ARN, { rotation: denied("kms:GetKeyRotationStatus") }))[0]).toMatchObject({
      status: "ERROR",
      error: { action: "kms:GetKeyRotationStatus" },
    });
  });

  it("yields nothing without referenced keys", () => {
    expect(run()).toEqual([]);
  });
});

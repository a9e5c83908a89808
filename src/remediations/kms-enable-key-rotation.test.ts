import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildAwsManagedKey,
  buildKey,
  denied,
  KEY_ARN,
  ok,
  withKey,
} from "../../test/support/inventory-builders.js";
import {
  buildFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
} from "../../test/support/remediation-fixtures.js";
import type { KeyInventory } from "../domain/inventory.js";
import { kmsEnableKeyRotation as remediation } from "./kms-enable-key-rotation.js";

const finding = buildFinding("kms-key-rotation-enabled", KEY_ARN, { resourceType: "kms-key" });
const accountWith = (key: KeyInventory) => withKey(buildAccount(), key);

describe("kms-enable-key-rotation", () => {
  it("enables rotation of the key by its ARN, in its region", () => {
    const plan = remediation.plan(
      finding,
      accountWith(buildKey(KEY_ARN, { rotation: ok({ enabled: false }) })),
      planOptions(),
    );
    expect(onlyStep(plan)).toMatchObject({
      service: "kms",
      operation: "EnableKeyRotation",
      region: "us-east-1",
      input: { KeyId: KEY_ARN },
    });
    expect(plan.priorState).toEqual({ keyArn: KEY_ARN, region: "us-east-1", rotationEnabled: false });
  });

  it("finds the key when the finding names it by its ARN and the inventory by an alias", () => {
    const alias = "arn:aws:kms:us-east-1:123456789012:alias/forecast";
    const key = { ...buildKey(KEY_ARN, { rotation: ok({ enabled: false }) }), ref: alias };
    const plan = remediation.plan(finding, withKey(buildAccount(), key), planOptions());
    expect(onlyStep(plan).input).toEqual({ KeyId: KEY_ARN });
  });

  it("gives no steps when rotation is on", () => {
    expect(isAlreadyCompliant(remediation.plan(finding, accountWith(buildKey()), planOptions()))).toBe(true);
  });

  it.each([
    ["an AWS managed key", buildAwsManagedKey(KEY_ARN), /AWS managed/],
    [
      "a disabled key",
      buildKey(KEY_ARN, { rotation: ok({ enabled: false }), metadata: { keyState: "Disabled" } }),
      /Disabled/,
    ],
    [
      "imported key material",
      buildKey(KEY_ARN, { rotation: ok(null), metadata: { origin: "EXTERNAL" } }),
      /EXTERNAL/,
    ],
    [
      "an unreadable rotation status",
      buildKey(KEY_ARN, { rotation: denied("kms:GetKeyRotationStatus") }),
      /GetKeyRotationStatus/,
    ],
  ])("refuses %s", (_name, key, reason) => {
    const plan = remediation.plan(finding, accountWith(key), planOptions());
    expect(plan.steps).toEqual([]);
    expect(plan.refusal).toMatch(reason);
  });

  it("reverts by disabling rotation only when the fix turned it on", () => {
    const plan = remediation.plan(
      finding,
      accountWith(buildKey(KEY_ARN, { rotation: ok({ enabled: false }) })),
      planOptions(),
    );
    expect(onlyStep(remediation.revertPlan(plan))).toMatchObject({
      operation: "DisableKeyRotation",
      input: { KeyId: KEY_ARN },
    });
    const noop = remediation.plan(finding, accountWith(buildKey()), planOptions());
    expect(remediation.revertPlan(noop).steps).toEqual([]);
  });
});

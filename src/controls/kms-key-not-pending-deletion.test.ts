import { describe, expect, it } from "vitest";
import {
  accountWithKey,
  buildAccount,
  buildContext,
  buildSecureAccount,
  denied,
} from "../../test/support/inventory-builders.js";
import type { KeyMetadata } from "../domain/inventory.js";
import { kmsKeyNotPendingDeletion as control } from "./kms-key-not-pending-deletion.js";

const withMetadata = (metadata: Partial<KeyMetadata>) =>
  control.evaluate(buildContext(accountWithKey({ metadata })))[0];

describe("kms-key-not-pending-deletion", () => {
  it("passes enabled keys", () => {
    expect(control.evaluate(buildContext(buildSecureAccount())).map((f) => f.status)).toEqual([
      "PASS",
      "PASS",
    ]);
  });

  it.each(["PendingDeletion", "PendingReplicaDeletion"])(
    "fails a key in %s with its deletion date",
    (keyState) => {
      const finding = withMetadata({ keyState, enabled: false, deletionDate: "2024-06-08T00:00:00Z" });
      expect(finding).toMatchObject({
        status: "FAIL",
        severity: "critical",
        remediationId: "kms-cancel-key-deletion",
      });
      expect(finding?.detail).toMatch(/scheduled for deletion on 2024-06-08/);
    },
  );

  it("fails a disabled key", () => {
    expect(withMetadata({ keyState: "Disabled", enabled: false })?.detail).toMatch(/is disabled/);
  });

  it("reports ERROR when the key could not be described", () => {
    const account = accountWithKey({ metadata: denied("kms:DescribeKey") });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });

  it("yields nothing without referenced keys", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  accountWithKey,
  buildAccount,
  buildKey,
  KEY_ARN,
  withKey,
} from "../../test/support/inventory-builders.js";
import { buildFinding, isAlreadyCompliant, planOptions } from "../../test/support/remediation-fixtures.js";
import type { KeyMetadata } from "../domain/inventory.js";
import { kmsCancelKeyDeletion as remediation } from "./kms-cancel-key-deletion.js";

const finding = buildFinding("kms-key-not-pending-deletion", KEY_ARN, {
  resourceType: "kms-key",
  severity: "critical",
});
const accountWith = (metadata: Partial<KeyMetadata>) => accountWithKey({ metadata });

describe("kms-cancel-key-deletion", () => {
  it("cancels the deletion, then enables the key", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ keyState: "PendingDeletion", enabled: false, deletionDate: "2024-06-08T00:00:00.000Z" }),
      planOptions(),
    );
    const keyId = KEY_ARN.split("/")[1];
    expect(plan.steps.map((s) => [s.operation, s.region, s.input])).toEqual([
      ["CancelKeyDeletion", "us-east-1", { KeyId: keyId }],
      ["EnableKey", "us-east-1", { KeyId: keyId }],
    ]);
    expect(plan.before).toContain("2024-06-08");
  });

  it("only enables a key that is disabled, and warns it may be on purpose", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ keyState: "Disabled", enabled: false }),
      planOptions(),
    );
    expect(plan.steps.map((s) => s.operation)).toEqual(["EnableKey"]);
    expect(plan.notes.join(" ")).toMatch(/on purpose/);
  });

  it("has no revert and says why", () => {
    expect("revertPlan" in remediation).toBe(false);
    const plan = remediation.plan(finding, accountWith({ keyState: "PendingDeletion" }), planOptions());
    expect(plan.notes.join(" ")).toMatch(/no revert/);
  });

  it("gives no steps for an enabled key and refuses states it cannot change", () => {
    expect(isAlreadyCompliant(remediation.plan(finding, accountWith({}), planOptions()))).toBe(true);
    expect(
      remediation.plan(finding, accountWith({ keyState: "PendingImport" }), planOptions()).refusal,
    ).toMatch(/PendingImport/);
  });

  it("refuses another account's key", () => {
    const foreign = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const account = withKey(buildAccount(), buildKey(foreign, { metadata: { keyState: "PendingDeletion" } }));
    const plan = remediation.plan(
      buildFinding("kms-key-not-pending-deletion", foreign),
      account,
      planOptions(),
    );
    expect(plan.refusal).toMatch(/another account/);
  });
});

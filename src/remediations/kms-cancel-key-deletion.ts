/** Cancels the scheduled deletion of a key (or re-enables a disabled one), so Forecast data stays readable. */

import type { PlanStep } from "../domain/remediation.js";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import { buildPlan, compliantPlan, findKey, refusePlan, step, unreadable } from "./plan-kit.js";

const ID = "kms-cancel-key-deletion";

const NO_REVERT =
  "This fix has no revert: scheduling the deletion again would start a new 7–30 day waiting period (the original date cannot be restored) and would again put every piece of data encrypted with the key at risk; if the deletion is really wanted, schedule it by hand.";

export const kmsCancelKeyDeletion = defineRemediation({
  id: ID,
  title: "Cancel the key's deletion and enable it",
  fixes: ["kms-key-not-pending-deletion"],
  permissions: ["kms:CancelKeyDeletion", "kms:EnableKey"],
  revertPermissions: [],

  plan(finding, account): Plan {
    const key = findKey(finding.resourceArn, account);
    if (!key) return refusePlan(ID, finding, null, `The key ${finding.resourceArn} is not in the inventory.`);
    const readState = { ref: key.ref, region: key.region, metadata: key.metadata };
    const problem = unreadable(key.metadata, "The key's metadata");
    if (problem || !key.metadata.ok) return refusePlan(ID, finding, readState, `${problem}.`);
    const meta = key.metadata.value;
    if (meta.keyManager !== "CUSTOMER") {
      return refusePlan(ID, finding, readState, "The key is AWS managed; its state cannot be changed.");
    }
    if (meta.arn.split(":")[4] !== account.accountId) {
      return refusePlan(
        ID,
        finding,
        readState,
        `The key ${meta.arn} belongs to another account; only its owner can cancel its deletion.`,
      );
    }
    // The key is the caller's own and the call runs in its region, so its id names it (as every KMS API accepts).
    const keyId = meta.keyId;
    const before = `Key ${meta.arn}: ${meta.keyState}${meta.deletionDate ? `, to be deleted on ${meta.deletionDate}` : ""}.`;
    if (meta.keyState === "Enabled") {
      return compliantPlan(ID, finding, readState, before, "the key is enabled and not pending deletion.");
    }
    const steps: PlanStep[] = [];
    if (meta.keyState === "PendingDeletion" || meta.keyState === "PendingReplicaDeletion") {
      steps.push(
        step(
          "kms",
          "CancelKeyDeletion",
          key.region,
          { KeyId: keyId },
          `Cancel the scheduled deletion of key ${meta.arn}.`,
        ),
      );
    } else if (meta.keyState !== "Disabled") {
      return refusePlan(
        ID,
        finding,
        readState,
        `The key is ${meta.keyState}, a state this fix cannot change.`,
      );
    }
    // A cancelled deletion leaves the key disabled, so it is enabled in both cases.
    steps.push(step("kms", "EnableKey", key.region, { KeyId: keyId }, `Enable key ${meta.arn}.`));
    const notes = [NO_REVERT];
    if (meta.keyState === "Disabled") {
      notes.unshift("Someone disabled this key on purpose, perhaps: check with its owner before approving.");
    }
    return buildPlan(ID, finding, readState, {
      steps,
      before,
      after: `Key ${meta.arn}: Enabled, no deletion scheduled.`,
      notes,
      priorState: {
        keyArn: meta.arn,
        region: key.region,
        keyState: meta.keyState,
        deletionDate: meta.deletionDate ?? null,
      },
    });
  },
});

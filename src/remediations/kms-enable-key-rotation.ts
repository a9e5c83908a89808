/** Turns on automatic rotation of a customer-managed symmetric key. */
import { z } from "zod";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findKey,
  nothingToRevert,
  priorStateOf,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";

const ID = "kms-enable-key-rotation";

const priorStateSchema = z.object({ keyArn: z.string(), region: z.string(), rotationEnabled: z.boolean() });
type PriorState = z.infer<typeof priorStateSchema>;

export const kmsEnableKeyRotation = defineRemediation({
  id: ID,
  title: "Turn on automatic rotation of the KMS key",
  fixes: ["kms-key-rotation-enabled"],
  permissions: ["kms:EnableKeyRotation"],
  revertPermissions: ["kms:DisableKeyRotation"],

  plan(finding, account): Plan {
    const key = findKey(finding.resourceArn, account);
    if (!key) return refusePlan(ID, finding, null, `The key ${finding.resourceArn} is not in the inventory.`);
    const readState = { ref: key.ref, region: key.region, metadata: key.metadata, rotation: key.rotation };
    const problem =
      unreadable(key.metadata, "The key's metadata") ?? unreadable(key.rotation, "The key's rotation status");
    if (problem || !key.metadata.ok || !key.rotation.ok)
      return refusePlan(ID, finding, readState, `${problem}.`);
    const meta = key.metadata.value;
    if (meta.keyManager !== "CUSTOMER") {
      return refusePlan(
        ID,
        finding,
        readState,
        "The key is AWS managed; AWS rotates it and its rotation cannot be changed.",
      );
    }
    if (meta.keySpec !== "SYMMETRIC_DEFAULT") {
      return refusePlan(
        ID,
        finding,
        readState,
        `Automatic rotation is not supported for ${meta.keySpec} keys.`,
      );
    }
    if (meta.origin !== undefined && meta.origin !== "AWS_KMS") {
      return refusePlan(
        ID,
        finding,
        readState,
        `Automatic rotation is not supported for keys whose material comes from ${meta.origin}.`,
      );
    }
    if (meta.keyState !== "Enabled") {
      return refusePlan(
        ID,
        finding,
        readState,
        `The key is ${meta.keyState}; enable it (or cancel its deletion) before turning on rotation.`,
      );
    }
    const enabled = key.rotation.value?.enabled ?? false;
    const view = `Automatic rotation of ${meta.arn}: ${enabled ? "on" : "off"}.`;
    if (enabled) return compliantPlan(ID, finding, readState, view, "automatic rotation is already on.");
    const priorState: PriorState = { keyArn: meta.arn, region: key.region, rotationEnabled: false };
    return buildPlan(ID, finding, readState, {
      steps: [
        step(
          "kms",
          "EnableKeyRotation",
          key.region,
          { KeyId: meta.arn },
          `Turn on automatic rotation of key ${meta.arn}.`,
        ),
      ],
      before: view,
      after: `Automatic rotation of ${meta.arn}: on (every 365 days).`,
      notes: [
        "Rotation keeps every earlier key material, so data encrypted before a rotation stays readable; nothing else changes for Forecast.",
        "Each rotation adds a monthly charge for the retained key material (see https://aws.amazon.com/kms/pricing/).",
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    // Only a rotation this fix turned on is turned off again.
    if (!prior || prior.rotationEnabled) return nothingToRevert(plan);
    return buildRevertPlan(plan, {
      steps: [
        step(
          "kms",
          "DisableKeyRotation",
          prior.region,
          { KeyId: prior.keyArn },
          `Turn automatic rotation of key ${prior.keyArn} off again, as it was before the fix.`,
        ),
      ],
      before: `Automatic rotation of ${prior.keyArn}: on.`,
      after: `Automatic rotation of ${prior.keyArn}: off.`,
      notes: ["Key material already rotated stays in the key; only future rotations stop."],
    });
  },

  revertState(plan, account) {
    const prior = priorStateOf(priorStateSchema, plan);
    const key = prior ? findKey(prior.keyArn, account) : undefined;
    return { rotation: sliceState(key?.rotation) };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior || prior.rotationEnabled) return nothingToRevert(plan);
    const key = findKey(prior.keyArn, account);
    if (!key?.rotation.ok)
      return refuseRevert(plan, cannotReadNow(key?.rotation, "The key's rotation status"));
    const rotation = key.rotation.value;
    if (!rotation?.enabled) {
      return refuseRevert(
        plan,
        `Automatic rotation of key ${prior.keyArn} was turned off since the fix, so there is nothing to take back.`,
      );
    }
    const period = rotation.rotationPeriodInDays;
    if (period !== undefined && period !== DEFAULT_ROTATION_DAYS) {
      return refuseRevert(
        plan,
        `Automatic rotation of key ${prior.keyArn} was set to every ${period} days since the fix (the fix left ${DEFAULT_ROTATION_DAYS}), so someone relies on it: it is left on.`,
      );
    }
    return kmsEnableKeyRotation.revertPlan(plan);
  },
});

/** The period AWS gives rotation turned on without one, as the fix does. */
const DEFAULT_ROTATION_DAYS = 365;

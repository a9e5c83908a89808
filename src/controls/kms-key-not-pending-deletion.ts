import { defineControl, findingsFor } from "../domain/control.js";
import { describeKey, distinctKeys, keyTarget } from "./support/keys.js";
import { referenceScopeErrors } from "./support/scope.js";
import { capitalize, dateOf } from "./support/text.js";

const meta = {
  id: "kms-key-not-pending-deletion",
  title: "Referenced KMS keys are not disabled or pending deletion",
  severity: "critical",
  remediationId: "kms-cancel-key-deletion",
} as const;

export const kmsKeyNotPendingDeletion = defineControl({
  ...meta,
  service: "kms",
  requires: ["kms.keyMetadata"],
  scope: { kind: "references", of: "key" },
  guidance:
    "Data encrypted under a deleted key is lost for good. KMS console → Customer managed keys → the key → Key actions → Cancel key deletion, then Enable; or `aws kms cancel-key-deletion --key-id <key> && aws kms enable-key --key-id <key>`. For a multi-Region replica, cancel the deletion in the replica's Region.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = distinctKeys(account).map((key) => {
      const target = keyTarget(account, key);
      if (!key.metadata.ok) return findings.error(target, key.metadata.error);
      const { keyState, deletionDate } = key.metadata.value;
      const name = capitalize(describeKey(key));
      if (keyState === "PendingDeletion" || keyState === "PendingReplicaDeletion") {
        const when = deletionDate ? ` on ${dateOf(deletionDate)}` : "";
        return findings.fail(
          target,
          `${name} is scheduled for deletion${when}; data encrypted under it will become unreadable.`,
        );
      }
      if (keyState === "Disabled") {
        return findings.fail(target, `${name} is disabled, so data encrypted under it cannot be read.`);
      }
      return findings.pass(target, `${name} is ${keyState}, not disabled or pending deletion.`);
    });
    return [...referenceScopeErrors(account, "key", "kms", findings), ...verdicts];
  },
});

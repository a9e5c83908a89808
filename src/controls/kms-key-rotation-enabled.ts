import { defineControl, type Evaluation, findingsFor } from "../domain/control.js";
import { describeKey, distinctKeys, keyTarget } from "./support/keys.js";
import { referenceScopeErrors } from "./support/scope.js";
import { capitalize } from "./support/text.js";

const meta = {
  id: "kms-key-rotation-enabled",
  title: "Customer-managed KMS keys rotate automatically",
  severity: "medium",
  remediationId: "kms-enable-key-rotation",
} as const;

/** Key material that KMS cannot rotate automatically (imported, or held in a custom key store). */
const UNROTATABLE_ORIGINS = new Set(["EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"]);

export const kmsKeyRotationEnabled = defineControl({
  ...meta,
  service: "kms",
  requires: ["kms.keyMetadata", "kms.keyRotation"],
  scope: { kind: "references", of: "key" },
  guidance:
    "KMS console → Customer managed keys → the key → Key rotation → Automatically rotate this KMS key every year (or a period of your choosing); or `aws kms enable-key-rotation --key-id <key> --rotation-period-in-days 365`. Rotation keeps old key material, so existing Forecast data stays readable.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = distinctKeys(account).flatMap((key): Evaluation[] => {
      const target = keyTarget(account, key);
      const name = capitalize(describeKey(key));
      if (key.metadata.ok && UNROTATABLE_ORIGINS.has(key.metadata.value.origin ?? "")) {
        const origin = key.metadata.value.origin ?? "";
        return [
          findings.notApplicable(
            target,
            `${name} has key material of origin ${origin}, which KMS cannot rotate automatically.`,
          ),
        ];
      }
      if (!key.rotation.ok) return [findings.error(target, key.rotation.error)];
      // `null`: not a customer-managed symmetric key, so rotation is AWS's or does not exist.
      if (key.rotation.value === null) {
        return [findings.notApplicable(target, `${name} is not a customer-managed symmetric key.`)];
      }
      const { enabled, rotationPeriodInDays } = key.rotation.value;
      if (!enabled) return [findings.fail(target, `${name} does not rotate automatically.`)];
      const period = rotationPeriodInDays ? ` every ${rotationPeriodInDays} days` : "";
      return [findings.pass(target, `${name} rotates automatically${period}.`)];
    });
    return [...referenceScopeErrors(account, "key", "kms", findings), ...verdicts];
  },
});

import { defineControl, findingsFor } from "../domain/control.js";
import { describeKey, distinctKeys, keyTarget } from "./support/keys.js";
import { referenceScopeErrors } from "./support/scope.js";
import { capitalize, listPhrase } from "./support/text.js";

const meta = {
  id: "kms-key-customer-managed-symmetric",
  title: "Referenced KMS keys are customer-managed, symmetric and enabled",
  severity: "high",
} as const;

export const kmsKeyCustomerManagedSymmetric = defineControl({
  ...meta,
  service: "kms",
  requires: ["kms.keyMetadata"],
  scope: { kind: "references", of: "key" },
  guidance:
    "Create a symmetric customer-managed key (KMS console → Customer managed keys → Create key → Symmetric, Encrypt and decrypt; or `aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT`), allow the Forecast role kms:Decrypt and kms:GenerateDataKey in its key policy, and use it for Forecast resources and bucket default encryption. A disabled key can be re-enabled with `aws kms enable-key --key-id <key>`.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = distinctKeys(account).map((key) => {
      const target = keyTarget(account, key);
      if (!key.metadata.ok) return findings.error(target, key.metadata.error);
      const metadata = key.metadata.value;
      const problems: string[] = [];
      if (metadata.keyManager !== "CUSTOMER") problems.push("is AWS managed");
      if (metadata.keySpec !== "SYMMETRIC_DEFAULT") problems.push(`has key spec ${metadata.keySpec}`);
      if (!metadata.enabled) problems.push(`is not enabled (${metadata.keyState})`);
      const name = capitalize(describeKey(key));
      if (problems.length === 0)
        return findings.pass(target, `${name} is customer-managed, symmetric and enabled.`);
      return findings.fail(target, `${name} ${listPhrase(problems)}.`);
    });
    return [...referenceScopeErrors(account, "key", "kms", findings), ...verdicts];
  },
});

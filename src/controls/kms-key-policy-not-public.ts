import { defineControl, type Evaluation, findingsFor } from "../domain/control.js";
import { publicAllowStatements, statementLabel } from "../domain/policy-analysis.js";
import { maskSensitive } from "../domain/sensitive.js";
import { describeKey, distinctKeys, keyTarget } from "./support/keys.js";
import { referenceScopeErrors } from "./support/scope.js";
import { capitalize, listPhrase } from "./support/text.js";

const meta = {
  id: "kms-key-policy-not-public",
  title: "KMS key policies do not allow everyone",
  severity: "critical",
} as const;

export const kmsKeyPolicyNotPublic = defineControl({
  ...meta,
  service: "kms",
  requires: ["kms.keyPolicy"],
  scope: { kind: "references", of: "key" },
  guidance:
    'KMS console → the key → Key policy → Edit: replace `"Principal": "*"` (or `{"AWS": "*"}`) with the account root or the role ARNs that need the key, or add a condition that restricts the caller (`"Condition": {"StringEquals": {"kms:CallerAccount": "<account id>"}}` or `aws:PrincipalOrgID`); or `aws kms put-key-policy --key-id <key> --policy-name default --policy file://policy.json`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = distinctKeys(account).flatMap((key): Evaluation[] => {
      const target = keyTarget(account, key);
      if (!key.policy.ok) return [findings.error(target, key.policy.error)];
      const policy = key.policy.value;
      // `null`: the policy was not fetched because the key is AWS managed.
      if (policy === null) {
        return [
          findings.notApplicable(
            target,
            `${capitalize(describeKey(key))} is AWS managed; its key policy is AWS's.`,
          ),
        ];
      }
      const open = publicAllowStatements(policy);
      if (open.length === 0)
        return [
          findings.pass(
            target,
            `The key policy of ${describeKey(key)} lets no one in without a restricting condition.`,
          ),
        ];
      const labels = open.map((s) => maskSensitive(statementLabel(policy, s)));
      return [
        findings.fail(
          target,
          `The key policy of ${describeKey(key)} allows everyone without a restricting condition in ${listPhrase(labels)}.`,
        ),
      ];
    });
    return [...referenceScopeErrors(account, "key", "kms", findings), ...verdicts];
  },
});

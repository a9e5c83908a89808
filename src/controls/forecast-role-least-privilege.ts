import { defineControl, findingsFor } from "../domain/control.js";
import { broadGrants } from "../domain/policy-analysis.js";
import { isRoleGone } from "../domain/reference-scope.js";
import { awsManagedPolicyNames, identityPolicies } from "./support/iam.js";
import { referenceScopeErrors } from "./support/scope.js";
import { iamTarget } from "./support/targets.js";
import { listPhrase, quoted } from "./support/text.js";
import { notCollected } from "./support/verdict.js";

const meta = {
  id: "forecast-role-least-privilege",
  title: "Forecast roles grant no broad S3, KMS or full access",
  severity: "medium",
} as const;

/** AWS managed policies far broader than what a Forecast role needs. */
export const BROAD_MANAGED_POLICIES = [
  "AdministratorAccess",
  "AmazonS3FullAccess",
  "AmazonForecastFullAccess",
];

export const forecastRoleLeastPrivilege = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.authorization"],
  scope: { kind: "references", of: "role" },
  guidance:
    'A Forecast role needs s3:GetObject, s3:PutObject and s3:ListBucket on its own buckets and prefixes, and kms:Decrypt and kms:GenerateDataKey on its own keys. IAM console → Roles → the role → Permissions: detach AdministratorAccess, AmazonS3FullAccess and AmazonForecastFullAccess (`aws iam detach-role-policy`), and rewrite statements that allow s3:*, kms:* or * on Resource "*" to name the buckets and key ARNs (`aws iam put-role-policy`).',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const authorization = account.iam.authorization.ok ? account.iam.authorization.value : undefined;
    const present = Object.values(account.roles).filter((role) => !isRoleGone(role));
    const verdicts = present.map((role) => {
      const target = iamTarget(account, role.arn, "iam-role");
      if (!role.role.ok) return findings.error(target, role.role.error);
      const principal = role.role.value;
      const problems = awsManagedPolicyNames(principal)
        .filter((name) => BROAD_MANAGED_POLICIES.includes(name))
        .map((name) => `${name} is attached`);
      const { documents, missing } = identityPolicies(principal, authorization);
      for (const source of documents) {
        for (const grant of broadGrants(source.document, ["s3", "kms"])) {
          problems.push(`${source.label} allows ${grant.grant} on *`);
        }
      }
      const name = `Role ${quoted(principal.name)}`;
      if (problems.length > 0) {
        return findings.fail(target, `${name} grants more than Forecast needs: ${listPhrase(problems)}.`);
      }
      const unread = missing[0];
      if (unread) {
        const error = account.iam.authorization.ok
          ? notCollected(`Managed policy ${unread.arn}`, "iam:GetAccountAuthorizationDetails")
          : account.iam.authorization.error;
        return findings.error(target, error);
      }
      return findings.pass(
        target,
        `${name} grants no s3:*, kms:* or * on *, and has no broad managed policy attached.`,
      );
    });
    return [...referenceScopeErrors(account, "role", "iam", findings), ...verdicts];
  },
});

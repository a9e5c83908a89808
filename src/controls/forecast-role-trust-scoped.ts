import { defineControl, findingsFor } from "../domain/control.js";
import {
  analyzeForecastTrust,
  describeTrustProblem,
  FORECAST_SERVICE_PRINCIPAL,
} from "../domain/policy-analysis.js";
import { isRoleGone } from "../domain/reference-scope.js";
import { maskSensitive } from "../domain/sensitive.js";
import { referenceScopeErrors } from "./support/scope.js";
import { iamTarget } from "./support/targets.js";
import { listPhrase, quoted } from "./support/text.js";
import { notCollected } from "./support/verdict.js";

const meta = {
  id: "forecast-role-trust-scoped",
  title: "Forecast roles trust only Forecast, for this account",
  severity: "medium",
  remediationId: "iam-role-scope-forecast-trust",
} as const;

export const forecastRoleTrustScoped = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.authorization"],
  scope: { kind: "references", of: "role" },
  guidance:
    'IAM console → Roles → the role → Trust relationships → Edit trust policy: keep one statement that allows sts:AssumeRole to the service principal "forecast.amazonaws.com" only, with `"Condition": {"StringEquals": {"aws:SourceAccount": "<account id>"}, "ArnLike": {"aws:SourceArn": "arn:aws:forecast:<region>:<account id>:*"}}`; or `aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const present = Object.values(account.roles).filter((role) => !isRoleGone(role));
    const verdicts = present.map((role) => {
      const target = iamTarget(account, role.arn, "iam-role");
      if (!role.role.ok) return findings.error(target, role.role.error);
      const name = `Role ${quoted(role.role.value.name)}`;
      const trust = role.role.value.trustPolicy;
      if (!trust)
        return findings.error(target, notCollected(`The trust policy of ${role.arn}`, "iam:GetRole"));
      const problems = analyzeForecastTrust(trust);
      if (problems.length === 0) {
        return findings.pass(
          target,
          `${name} trusts only ${FORECAST_SERVICE_PRINCIPAL}, with an aws:SourceAccount or aws:SourceArn condition.`,
        );
      }
      return findings.fail(
        target,
        `${name} is not scoped to Forecast: ${listPhrase(problems.map((p) => maskSensitive(describeTrustProblem(p))))}.`,
      );
    });
    return [...referenceScopeErrors(account, "role", "iam", findings), ...verdicts];
  },
});

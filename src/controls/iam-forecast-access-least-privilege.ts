import { defineControl, type Evaluation, findingsFor } from "../domain/control.js";
import { broadGrants } from "../domain/policy-analysis.js";
import { awsManagedPolicyNames, identityPolicies, isAdministrator } from "./support/iam.js";
import { iamAccountTarget, iamTarget } from "./support/targets.js";
import { capitalize, listPhrase, quoted } from "./support/text.js";
import { notCollected } from "./support/verdict.js";

const meta = {
  id: "iam-forecast-access-least-privilege",
  title: "Only administrators have full access to Forecast",
  severity: "medium",
} as const;

export const iamForecastAccessLeastPrivilege = defineControl({
  ...meta,
  service: "iam",
  requires: ["iam.authorization"],
  scope: { kind: "iam", slice: "authorization" },
  guidance:
    'IAM console → the user, group or role → Permissions: detach AmazonForecastFullAccess (`aws iam detach-user-policy` / `detach-group-policy` / `detach-role-policy`) and replace statements that allow forecast:* on Resource "*" with the actions the principal needs (e.g. forecast:Describe*, forecast:List*, forecast:CreateForecastExportJob) on the dataset group, predictor or forecast ARNs it works with. Grant iam:PassRole only for the Forecast role.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const authorization = account.iam.authorization;
    if (!authorization.ok) return [findings.error(iamAccountTarget(account), authorization.error)];
    const out: Evaluation[] = [];
    for (const principal of authorization.value.principals) {
      const target = iamTarget(account, principal.arn, `iam-${principal.kind}`);
      const name = `${capitalize(principal.kind === "user" ? "IAM user" : principal.kind)} ${quoted(principal.name)}`;
      if (isAdministrator(principal, authorization.value)) {
        out.push(findings.notApplicable(target, `${name} is an administrator.`));
        continue;
      }
      const problems = awsManagedPolicyNames(principal)
        .filter((name) => name === "AmazonForecastFullAccess")
        .map((name) => `has ${name} attached`);
      const { documents, missing } = identityPolicies(principal, authorization.value);
      for (const source of documents) {
        for (const grant of broadGrants(source.document, ["forecast"])) {
          problems.push(`has ${source.label}, which allows ${grant.grant} on *`);
        }
      }
      const unread = missing[0];
      if (problems.length > 0)
        out.push(findings.fail(target, `${name} ${listPhrase(problems)} without being an administrator.`));
      else if (unread)
        out.push(
          findings.error(
            target,
            notCollected(`Managed policy ${unread.arn}`, "iam:GetAccountAuthorizationDetails"),
          ),
        );
      else
        out.push(findings.pass(target, `${name} has neither AmazonForecastFullAccess nor forecast:* on *.`));
    }
    return out;
  },
});

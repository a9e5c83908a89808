/**
 * Scopes a Forecast role's trust to this account: every Allow statement for the Forecast service principal
 * gets an `aws:SourceAccount` condition (the confused-deputy guard); every other statement and condition stays.
 */
import { z } from "zod";
import { diffPolicies, formatPolicy } from "../domain/policy-diff.js";
import { asArray, type PolicyDocument, type PolicyStatement } from "../domain/policy-document.js";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  compliantPlan,
  findRole,
  nothingToRevert,
  priorStateToRevert,
  refusePlan,
  step,
  unreadable,
} from "./plan-kit.js";

const ID = "iam-role-scope-forecast-trust";
const FORECAST_PRINCIPAL = /^forecast\.amazonaws\.com(\.cn)?$/i;
const SCOPING_KEYS = new Set(["aws:sourceaccount", "aws:sourcearn"]);

const priorStateSchema = z.object({
  roleName: z.string(),
  roleArn: z.string(),
  /** The trust policy before the fix, as compact JSON. */
  trustPolicyText: z.string(),
});
type PriorState = z.infer<typeof priorStateSchema>;

function trustsForecast(statement: PolicyStatement): boolean {
  const principal = statement.Principal;
  if (statement.Effect !== "Allow" || typeof principal !== "object") return false;
  return asArray(principal.Service).some((service) => FORECAST_PRINCIPAL.test(service));
}

function isScoped(statement: PolicyStatement): boolean {
  return Object.values(statement.Condition ?? {}).some((entries) =>
    Object.keys(entries).some((key) => SCOPING_KEYS.has(key.toLowerCase())),
  );
}

function scope(statement: PolicyStatement, accountId: string): PolicyStatement {
  const condition = statement.Condition ?? {};
  return {
    ...statement,
    Condition: { ...condition, StringEquals: { ...condition.StringEquals, "aws:SourceAccount": accountId } },
  };
}

export const iamRoleScopeForecastTrust = defineRemediation({
  id: ID,
  title: "Scope the Forecast role's trust policy to this account",
  fixes: ["forecast-role-trust-scoped"],
  permissions: ["iam:UpdateAssumeRolePolicy"],
  revertPermissions: ["iam:UpdateAssumeRolePolicy"],

  plan(finding, account): Plan {
    const role = findRole(finding, account);
    if (!role)
      return refusePlan(ID, finding, null, `The role ${finding.resourceArn} is not in the inventory.`);
    // Only the trust policy is read: a drift elsewhere in the role does not make this plan stale.
    const readState = {
      arn: role.arn,
      trust: role.role.ok
        ? { name: role.role.value.name, trustPolicy: role.role.value.trustPolicy ?? null }
        : role.role,
    };
    const problem = unreadable(role.role, "The role");
    if (problem || !role.role.ok) return refusePlan(ID, finding, readState, `${problem}.`);
    const trust = role.role.value.trustPolicy;
    if (!trust) return refusePlan(ID, finding, readState, "The role's trust policy could not be read.");
    const priorText = JSON.stringify(trust);
    let changed = 0;
    const statements = trust.Statement.map((statement) => {
      if (!trustsForecast(statement) || isScoped(statement)) return statement;
      changed++;
      return scope(statement, account.accountId);
    });
    const others = trust.Statement.filter(
      (statement) => !trustsForecast(statement) && statement.Effect === "Allow",
    );
    const notes =
      others.length > 0
        ? [
            `The trust policy also lets ${others.length} other statement(s) assume the role; this fix keeps them, so remove them by hand if Forecast alone should assume it.`,
          ]
        : [];
    if (changed === 0) {
      return compliantPlan(
        ID,
        finding,
        readState,
        formatPolicy(trust),
        "every Forecast trust statement already has an aws:SourceAccount or aws:SourceArn condition.",
      );
    }
    const next: PolicyDocument = { ...trust, Statement: statements };
    const nextText = JSON.stringify(next);
    const priorState: PriorState = {
      roleName: role.role.value.name,
      roleArn: role.arn,
      trustPolicyText: priorText,
    };
    return buildPlan(ID, finding, readState, {
      steps: [
        step(
          "iam",
          "UpdateAssumeRolePolicy",
          "global",
          { RoleName: role.role.value.name, PolicyDocument: nextText },
          `Add the condition aws:SourceAccount = ${account.accountId} to ${changed} Forecast trust statement(s) of role ${role.role.value.name}.`,
        ),
      ],
      before: formatPolicy(priorText),
      after: formatPolicy(nextText),
      diff: diffPolicies(priorText, nextText),
      notes: [
        "Forecast still assumes the role for resources in this account; another account's Forecast jobs can no longer make it do so (confused deputy).",
        ...notes,
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const current = (plan.steps[0]?.input.PolicyDocument as string | undefined) ?? prior.trustPolicyText;
    return buildRevertPlan(plan, {
      steps: [
        step(
          "iam",
          "UpdateAssumeRolePolicy",
          "global",
          { RoleName: prior.roleName, PolicyDocument: prior.trustPolicyText },
          `Restore the trust policy of role ${prior.roleName} exactly as it was before the fix.`,
        ),
      ],
      before: formatPolicy(current),
      after: formatPolicy(prior.trustPolicyText),
      diff: diffPolicies(current, prior.trustPolicyText),
      notes: ["Changes made to the trust policy after the fix are undone too: it is restored as a whole."],
    });
  },
});

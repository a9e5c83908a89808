/**
 * Scopes a Forecast role's trust to this account: every Allow statement for the Forecast service principal
 * gets an `aws:SourceAccount` condition (the confused-deputy guard); every other statement and condition stays.
 */
import { z } from "zod";
import { diffPolicies, formatPolicy } from "../domain/policy-diff.js";
import {
  asArray,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
} from "../domain/policy-document.js";
import { canonicalJson, defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findRole,
  nothingToRevert,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
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
      notes: [
        "Nothing changed in the trust policy since the fix, so it is restored exactly as it was before.",
      ],
    });
  },

  revertState(plan, account) {
    const role = findRole(plan.finding, account);
    if (!role?.role.ok) return { trust: sliceState(role?.role) };
    return { trust: role.role.value.trustPolicy ?? null };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const fixedText = plan.steps[0]?.input.PolicyDocument;
    if (typeof fixedText !== "string")
      return refuseRevert(plan, "The fix's trust policy is not in its stored plan.");
    const role = findRole(plan.finding, account);
    if (!role?.role.ok) return refuseRevert(plan, cannotReadNow(role?.role, `Role ${prior.roleName}`));
    const current = role.role.value.trustPolicy;
    if (!current)
      return refuseRevert(plan, cannotReadNow({ ok: false, error: TRUST_UNREAD }, "The role's trust policy"));
    const undone = removeAddedConditions(
      parsePolicyDocument(prior.trustPolicyText),
      parsePolicyDocument(fixedText),
      current,
    );
    if (undone.removed === 0) {
      return refuseRevert(
        plan,
        `The aws:SourceAccount condition(s) the fix added are no longer in the trust policy of role ${prior.roleName} as the fix left them (removed or changed since), so there is nothing to take back.`,
      );
    }
    const nextText = JSON.stringify(undone.document);
    const currentText = JSON.stringify(current);
    const notes = [
      `The trust policy changed since the fix: only the aws:SourceAccount condition the fix added is removed from ${undone.removed} statement(s); every other statement and condition, including those added since, is kept.`,
    ];
    if (undone.missing > 0) {
      notes.push(
        `${undone.missing} statement(s) the fix scoped were changed or removed since; they are left as they are.`,
      );
    }
    return buildRevertPlan(plan, {
      steps: [
        step(
          "iam",
          "UpdateAssumeRolePolicy",
          "global",
          { RoleName: prior.roleName, PolicyDocument: nextText },
          `Remove the aws:SourceAccount condition the fix added from ${undone.removed} Forecast trust statement(s) of role ${prior.roleName}, keeping everything else.`,
        ),
      ],
      before: formatPolicy(currentText),
      after: formatPolicy(nextText),
      diff: diffPolicies(currentText, nextText),
      notes,
    });
  },
});

const TRUST_UNREAD = {
  code: "NoTrustPolicy",
  message: "The role came back without a trust policy.",
  action: "iam:GetAccountAuthorizationDetails",
};

/** A statement apart from its conditions: how a scoped statement is found again after other edits. */
function identity(statement: PolicyStatement): string {
  const { Condition: _condition, ...rest } = statement;
  return canonicalJson(rest);
}

/**
 * `current` without the condition the fix added: for each statement the fix scoped, the current statement
 * with the same effect, principal, actions and Sid loses its `StringEquals` `aws:SourceAccount` when that
 * still holds the value the fix set; every other condition, including ones added since, stays.
 */
function removeAddedConditions(
  prior: PolicyDocument,
  fixed: PolicyDocument,
  current: PolicyDocument,
): { document: PolicyDocument; removed: number; missing: number } {
  const statements = current.Statement.map((s) => ({ ...s }));
  const used = new Set<number>();
  let removed = 0;
  let missing = 0;
  fixed.Statement.forEach((after, i) => {
    const before = prior.Statement[i];
    if (before && canonicalJson(before) === canonicalJson(after)) return;
    const value = after.Condition?.StringEquals?.["aws:SourceAccount"];
    const at = statements.findIndex((s, j) => !used.has(j) && identity(s) === identity(after));
    const found = at < 0 ? undefined : statements[at];
    const equals = found?.Condition?.StringEquals;
    const key = equals ? Object.keys(equals).find((k) => k.toLowerCase() === "aws:sourceaccount") : undefined;
    if (!found || !equals || key === undefined || canonicalJson(equals[key]) !== canonicalJson(value)) {
      missing++;
      return;
    }
    used.add(at);
    const { [key]: _dropped, ...restEquals } = equals;
    const condition = { ...found.Condition };
    if (Object.keys(restEquals).length > 0) condition.StringEquals = restEquals;
    else delete condition.StringEquals;
    const next: PolicyStatement = { ...found };
    if (Object.keys(condition).length > 0) next.Condition = condition;
    else delete next.Condition;
    statements[at] = next;
    removed++;
  });
  return { document: { ...current, Statement: statements }, removed, missing };
}

/** Reads the account's IAM summary and authorization details, and resolves the roles Forecast uses from them. */
import {
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  type PolicyDetail,
  type AttachedPolicy as SdkAttachedPolicy,
} from "@aws-sdk/client-iam";
import { parseArn } from "../../domain/arn.js";
import type {
  AccountSummary,
  AttachedPolicy,
  AuthorizationDetails,
  IamPrincipal,
  InlinePolicy,
  ManagedPolicy,
  RoleInventory,
} from "../../domain/inventory.js";
import { parsePolicyDocument } from "../../domain/policy-document.js";
import { failed, type Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt } from "../errors.js";
import { type Limit, sendOptions } from "./limit.js";

export async function collectAccountSummary(
  clients: AccountClients,
  limit: Limit,
): Promise<Slice<AccountSummary>> {
  return attempt("iam:GetAccountSummary", () =>
    limit(async (signal) => {
      const out = await clients.iam().send(new GetAccountSummaryCommand({}), sendOptions(signal));
      const map = out.SummaryMap ?? {};
      return {
        accountMfaEnabled: (map.AccountMFAEnabled ?? 0) > 0,
        accountAccessKeysPresent: (map.AccountAccessKeysPresent ?? 0) > 0,
        users: map.Users ?? 0,
      };
    }),
  );
}

function inline(list: PolicyDetail[] | undefined): InlinePolicy[] {
  return (list ?? []).map((p) => ({
    name: p.PolicyName ?? "",
    document: parsePolicyDocument(p.PolicyDocument ?? "{}"),
  }));
}

function attached(list: SdkAttachedPolicy[] | undefined): AttachedPolicy[] {
  return (list ?? []).map((p) => ({ arn: p.PolicyArn ?? "", name: p.PolicyName ?? "" }));
}

/** `GetAccountAuthorizationDetails` for users, groups, roles and customer managed policies, every page. */
export async function collectAuthorizationDetails(
  clients: AccountClients,
  limit: Limit,
): Promise<Slice<AuthorizationDetails>> {
  return attempt("iam:GetAccountAuthorizationDetails", async () => {
    const principals: IamPrincipal[] = [];
    const managedPolicies: Record<string, ManagedPolicy> = {};
    let marker: string | undefined;
    do {
      const page = await limit((signal) =>
        clients.iam().send(
          new GetAccountAuthorizationDetailsCommand({
            Filter: ["User", "Group", "Role", "LocalManagedPolicy"],
            MaxItems: 1000,
            ...(marker !== undefined ? { Marker: marker } : {}),
          }),
          sendOptions(signal),
        ),
      );
      for (const user of page.UserDetailList ?? []) {
        principals.push({
          kind: "user",
          arn: user.Arn ?? "",
          name: user.UserName ?? "",
          inlinePolicies: inline(user.UserPolicyList),
          attachedPolicies: attached(user.AttachedManagedPolicies),
          groups: user.GroupList ?? [],
        });
      }
      for (const group of page.GroupDetailList ?? []) {
        principals.push({
          kind: "group",
          arn: group.Arn ?? "",
          name: group.GroupName ?? "",
          inlinePolicies: inline(group.GroupPolicyList),
          attachedPolicies: attached(group.AttachedManagedPolicies),
        });
      }
      for (const role of page.RoleDetailList ?? []) {
        const principal: IamPrincipal = {
          kind: "role",
          arn: role.Arn ?? "",
          name: role.RoleName ?? "",
          inlinePolicies: inline(role.RolePolicyList),
          attachedPolicies: attached(role.AttachedManagedPolicies),
        };
        if (role.AssumeRolePolicyDocument)
          principal.trustPolicy = parsePolicyDocument(role.AssumeRolePolicyDocument);
        principals.push(principal);
      }
      for (const policy of page.Policies ?? []) {
        const version = policy.PolicyVersionList?.find(
          (v) =>
            v.IsDefaultVersion === true ||
            (policy.DefaultVersionId !== undefined && v.VersionId === policy.DefaultVersionId),
        );
        if (!policy.Arn || version?.Document === undefined) continue;
        managedPolicies[policy.Arn] = {
          arn: policy.Arn,
          name: policy.PolicyName ?? "",
          document: parsePolicyDocument(version.Document),
        };
      }
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    return { principals, managedPolicies };
  });
}

function roleName(arn: string): string | undefined {
  const resource = parseArn(arn)?.resource;
  if (!resource?.startsWith("role/")) return undefined;
  return resource.slice(resource.lastIndexOf("/") + 1).toLowerCase();
}

/**
 * The roles Forecast is given, read from the authorization details (no per-role calls). A role of another
 * account cannot be read from here (`RoleNotInAccount`, an ERROR); one of this account that the complete
 * listing does not hold does not exist (`NoSuchEntity`, as IAM says it): it is gone, never a silent pass.
 */
export function resolveRoles(
  accountId: string,
  references: ReadonlyMap<string, readonly string[]>,
  details: Slice<AuthorizationDetails>,
): Record<string, RoleInventory> {
  const roles: Record<string, RoleInventory> = {};
  const byArn = new Map<string, IamPrincipal>();
  const byName = new Map<string, IamPrincipal>();
  if (details.ok) {
    for (const p of details.value.principals) {
      if (p.kind !== "role") continue;
      byArn.set(p.arn, p);
      // Role names are unique per account regardless of case and path.
      const name = roleName(p.arn);
      if (name !== undefined) byName.set(name, p);
    }
  }
  for (const [arn, referencedBy] of references) {
    const base = { arn, referencedBy: [...referencedBy] };
    const parsed = parseArn(arn);
    if (parsed !== undefined && parsed.accountId !== accountId) {
      roles[arn] = {
        ...base,
        role: failed({
          code: "RoleNotInAccount",
          message: `The role belongs to account ${parsed.accountId}, not to ${accountId}; it cannot be read from here.`,
          action: "iam:GetRole",
        }),
      };
      continue;
    }
    if (!details.ok) {
      roles[arn] = { ...base, role: details };
      continue;
    }
    const name = roleName(arn);
    const found = byArn.get(arn) ?? (name !== undefined ? byName.get(name) : undefined);
    roles[arn] = {
      ...base,
      role: found
        ? { ok: true, value: found }
        : failed({
            code: "NoSuchEntity",
            message: `No role ${arn} exists in account ${accountId}.`,
            action: "iam:GetRole",
          }),
    };
  }
  return roles;
}

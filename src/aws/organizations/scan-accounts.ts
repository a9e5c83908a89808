/**
 * The accounts one scan covers: the configured ones and the organization's active accounts, merged by id
 * (what the configuration says wins), then narrowed by what was asked (`--account`, `--ou`). Pure; the
 * discovery itself is in discover-organization.ts.
 */
import type { OrganizationConfig } from "../../config/schema.js";
import { type AccountSelection, displayOuPath, type ScanAccount } from "../../domain/accounts.js";
import type { DiscoveredOrganization, OrgAccount, SkippedAccount } from "./discover-organization.js";
import { matchOu, subtree } from "./ou-tree.js";

export type SelectionResult = { ok: true; accounts: ScanAccount[] } | { ok: false; error: string };

/** What to do when the audit role of a discovered account cannot be assumed. */
export function onboardingAdvice(
  org: Pick<OrganizationConfig, "roleName" | "stackSetName">,
  account: Pick<OrgAccount, "id" | "ouId" | "ouPath">,
  managementAccountId: string | undefined,
): string {
  if (account.id === managementAccountId) {
    return `This is the management account, where a service-managed StackSet never deploys: create role ${org.roleName} there with deploy/cloudformation/member-roles.yaml (a plain stack), or add ${account.id} to organization.excludeAccounts.`;
  }
  return `Deploy the StackSet ${org.stackSetName} to OU ${displayOuPath(account.ouPath)} (${account.ouId}) so that role ${org.roleName} exists in account ${account.id}, and check that its trust policy allows this principal with the configured external id.`;
}

export function organizationAccount(
  org: OrganizationConfig,
  account: OrgAccount,
  context: Pick<DiscoveredOrganization, "partition" | "managementAccountId">,
): ScanAccount {
  const arn = (name: string) => `arn:${context.partition}:iam::${account.id}:role/${name}`;
  const out: ScanAccount = {
    id: account.id,
    name: account.name,
    roleArn: arn(org.roleName),
    placement: { ouId: account.ouId, ouPath: account.ouPath },
    onboarding: onboardingAdvice(org, account, context.managementAccountId),
  };
  if (org.remediationRoleName) out.remediationRoleArn = arn(org.remediationRoleName);
  if (org.externalId) out.externalId = org.externalId;
  return out;
}

/**
 * Every account the scan may cover: the configured ones first (their roles, names and external ids win;
 * discovery adds where they sit), then the discovered ones not configured.
 */
export function mergeAccounts(
  configured: readonly ScanAccount[],
  org: OrganizationConfig | undefined,
  discovered: DiscoveredOrganization | undefined,
): ScanAccount[] {
  if (!org || !discovered) return [...configured];
  const found = new Map(discovered.accounts.map((a) => [a.id, a]));
  const out: ScanAccount[] = configured.map((account) => {
    const seen = found.get(account.id);
    if (!seen) return account;
    found.delete(account.id);
    const merged: ScanAccount = { ...account, placement: { ouId: seen.ouId, ouPath: seen.ouPath } };
    if (merged.name === undefined) merged.name = seen.name;
    return merged;
  });
  for (const account of found.values()) out.push(organizationAccount(org, account, discovered));
  return out;
}

function sameName(a: ScanAccount, wanted: string): boolean {
  return a.name !== undefined && a.name.toLowerCase() === wanted.toLowerCase();
}

function describeSkip(s: SkippedAccount): string {
  return s.reason === "excluded"
    ? `excluded by organization.excludeAccounts`
    : `${s.state.toLowerCase().replace(/_/g, " ")} in the organization, so it is not audited`;
}

/** The accounts a selection names; an unknown, ambiguous or empty selection is an error, never "everything". */
export function selectAccounts(
  directory: readonly ScanAccount[],
  selection: AccountSelection,
  discovered: DiscoveredOrganization | undefined,
): SelectionResult {
  const chosen = new Map<string, ScanAccount>();
  for (const wanted of selection.accounts) {
    const byId = directory.find((a) => a.id === wanted);
    const byName = byId ? [byId] : directory.filter((a) => sameName(a, wanted));
    const [first, second] = byName;
    if (first && second) {
      const ids = byName.map((a) => a.id).join(", ");
      return { ok: false, error: `Account name "${wanted}" is ambiguous (${ids}); give the account id.` };
    }
    if (!first) {
      const skipped = discovered?.skipped.find(
        (s) => s.id === wanted || s.name.toLowerCase() === wanted.toLowerCase(),
      );
      if (skipped) return { ok: false, error: `Account ${skipped.id} is ${describeSkip(skipped)}.` };
      const where = discovered
        ? "neither configured nor an active account of the organization"
        : "not configured";
      return { ok: false, error: `Account "${wanted}" is ${where}.` };
    }
    chosen.set(first.id, first);
  }
  for (const wanted of selection.ous) {
    if (!discovered) {
      return { ok: false, error: `--ou needs an organization: block in the configuration (OU "${wanted}").` };
    }
    const match = matchOu(discovered.tree, wanted);
    if (!match.ok) return { ok: false, error: match.error };
    const ids = new Set(subtree(discovered.tree, match.node).map((n) => n.id));
    const inside = directory.filter((a) => a.placement !== undefined && ids.has(a.placement.ouId));
    if (inside.length === 0) {
      return {
        ok: false,
        error: `OU ${displayOuPath(match.node.path)} holds no account to audit (none active, or outside organization.includeOus).`,
      };
    }
    for (const account of inside) chosen.set(account.id, account);
  }
  return { ok: true, accounts: [...chosen.values()] };
}

/** One sentence on the accounts discovery skipped, for progress lines and logs; undefined when none. */
export function describeSkipped(discovered: DiscoveredOrganization): string | undefined {
  if (discovered.skipped.length === 0) return undefined;
  const shown = discovered.skipped
    .slice(0, 5)
    .map((s) => `${s.id} (${s.reason === "excluded" ? "excluded" : s.state.toLowerCase()})`);
  const more =
    discovered.skipped.length > shown.length ? ` and ${discovered.skipped.length - shown.length} more` : "";
  return `Skipped ${discovered.skipped.length} account(s) of the organization: ${shown.join(", ")}${more}.`;
}

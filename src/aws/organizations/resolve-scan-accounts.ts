/**
 * Resolves the accounts of one scan: discovers the organization once (the list is kept for that scan only),
 * merges it with the configured accounts and applies the selection. A selection that names nothing, or an
 * organization with no account in scope, is an error: a scan never falls back to "the current account".
 */
import type { OrganizationConfig } from "../../config/schema.js";
import type { AccountSelection, ScanAccount } from "../../domain/accounts.js";
import type { DiscoveredOrganization } from "./discover-organization.js";
import { describeSkipped, mergeAccounts, selectAccounts } from "./scan-accounts.js";

/** A selection that names no account to audit. */
export class AccountSelectionError extends Error {
  override readonly name = "AccountSelectionError";
  readonly exitCode = 2;
}

export interface ScanAccountsRequest {
  /** The accounts the scope lists (the configured ones for a full scan). */
  accounts: readonly ScanAccount[];
  selection?: AccountSelection | undefined;
}

export interface ResolvedScanAccounts {
  accounts: ScanAccount[];
  discovered?: DiscoveredOrganization;
  /** Sentences for progress and logs: what discovery found and skipped. */
  notes: string[];
}

export async function resolveScanAccounts(
  request: ScanAccountsRequest,
  deps: {
    configured: readonly ScanAccount[];
    organization: OrganizationConfig | undefined;
    discover: () => Promise<DiscoveredOrganization>;
  },
): Promise<ResolvedScanAccounts> {
  const org = deps.organization;
  const discovered = org ? await deps.discover() : undefined;
  const notes: string[] = [];
  if (discovered) {
    notes.push(
      `Organization: ${discovered.accounts.length} active account(s) in ${discovered.ous.length} OU(s) and root(s) in scope.`,
    );
    const skipped = describeSkipped(discovered);
    if (skipped) notes.push(skipped);
  }
  let accounts: ScanAccount[];
  if (request.selection && (request.selection.accounts.length > 0 || request.selection.ous.length > 0)) {
    const known = new Map<string, ScanAccount>();
    for (const a of [...deps.configured, ...request.accounts]) if (!known.has(a.id)) known.set(a.id, a);
    const directory = mergeAccounts([...known.values()], org, discovered);
    const selected = selectAccounts(directory, request.selection, discovered);
    if (!selected.ok) throw new AccountSelectionError(selected.error);
    accounts = selected.accounts;
  } else {
    accounts = mergeAccounts(request.accounts, org, discovered);
  }
  if (org && accounts.length === 0) {
    throw new AccountSelectionError(
      "No account to audit: the organization has no active account under organization.includeOus (after organization.excludeAccounts) and no account is configured.",
    );
  }
  const result: ResolvedScanAccounts = { accounts, notes };
  if (discovered) result.discovered = discovered;
  return result;
}

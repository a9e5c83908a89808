/** What a scan tells the account directory: each account it covered, with its name and where it sits. */
import type { AccountDirectoryEntry } from "../domain/accounts.js";
import type { Inventory } from "../domain/inventory.js";

export function accountDirectoryEntries(
  inventory: Inventory,
  configured: readonly { id: string }[],
  seenAt: string,
): AccountDirectoryEntry[] {
  const fromConfig = new Set(configured.map((a) => a.id));
  return inventory.accounts.map((account) => {
    const entry: AccountDirectoryEntry = {
      accountId: account.accountId,
      source: fromConfig.has(account.accountId) || !account.placement ? "config" : "organization",
      seenAt,
    };
    if (account.name !== undefined) entry.name = account.name;
    if (account.placement) {
      entry.ouId = account.placement.ouId;
      entry.ouPath = account.placement.ouPath;
    }
    return entry;
  });
}

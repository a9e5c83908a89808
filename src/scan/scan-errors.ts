/**
 * Failures that stopped a whole account or region, read off an inventory: an account whose credentials could
 * not be obtained, an account whose reading the scan's deadline cut short, or a region where no Forecast
 * listing succeeded. Per-control ERROR findings stay findings.
 */
import { type AccountInventory, FORECAST_RESOURCE_TYPES, type Inventory } from "../domain/inventory.js";
import { type CollectError, describeCollectError } from "../domain/result.js";
import type { ScanScopeError } from "../store/types.js";

/** The first slice of the account that failed because the scan's deadline passed. */
function deadlineError(account: AccountInventory): CollectError | undefined {
  const stack: unknown[] = [account];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    const slice = node as { ok?: unknown; error?: CollectError };
    if (slice.ok === false && slice.error?.code === "Timeout" && /deadline/i.test(slice.error.message)) {
      return slice.error;
    }
    for (const value of Object.values(node))
      if (typeof value === "object" && value !== null) stack.push(value);
  }
  return undefined;
}

export interface ScopeError {
  accountId: string;
  region?: string;
  error: CollectError;
  /** One sentence for people. */
  message: string;
}

export function scopeErrors(inventory: Inventory): ScopeError[] {
  const out: ScopeError[] = [];
  for (const account of inventory.accounts) {
    const summary = account.iam.summary;
    if (!summary.ok && summary.error.action.startsWith("sts:")) {
      out.push({
        accountId: account.accountId,
        error: summary.error,
        message: `Account ${account.accountId} could not be scanned: ${describeCollectError(summary.error)}`,
      });
      continue;
    }
    const late = deadlineError(account);
    if (late) {
      out.push({
        accountId: account.accountId,
        error: late,
        message: `Account ${account.accountId} was not read completely: ${late.message.replace(/\.?\s*$/, "")}; what was left is ERROR (Timeout).`,
      });
    }
    for (const region of account.regions) {
      const slices = FORECAST_RESOURCE_TYPES.map((t) => region.forecast[t]);
      const first = slices[0];
      if (first && !first.ok && slices.every((s) => !s.ok)) {
        out.push({
          accountId: account.accountId,
          region: region.region,
          error: first.error,
          message: `Forecast in ${region.region} of account ${account.accountId} could not be read: ${describeCollectError(first.error)}`,
        });
      }
    }
  }
  return out;
}

/** The scopes an inventory could not read, as a scan records and reports them. */
export function unscannedScopes(inventory: Inventory): ScanScopeError[] {
  return scopeErrors(inventory).map((e) => ({
    accountId: e.accountId,
    code: e.error.code,
    action: e.error.action,
    message: e.message,
    ...(e.region ? { region: e.region } : {}),
  }));
}

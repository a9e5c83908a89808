/**
 * Failures that stopped a whole account or region, read off an inventory: an account whose credentials could
 * not be obtained, or a region where no Forecast listing succeeded. Per-control ERROR findings stay findings.
 */
import { FORECAST_RESOURCE_TYPES, type Inventory } from "../domain/inventory.js";
import { type CollectError, describeCollectError } from "../domain/result.js";

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

/** Where Forecast data is stored, for the Macie controls. */
import type { AccountInventory, RegionInventory } from "../../domain/inventory.js";
import { isBucketGone, referenceGaps } from "../../domain/reference-scope.js";
import type { CollectError } from "../../domain/result.js";

export type DataPresence = { holds: true } | { holds: false } | { holds: "unknown"; error: CollectError };

/**
 * Whether the region holds Forecast data: a Forecast resource listed there, or a referenced bucket that lives
 * there. "No" only when every listing of the region and every read that leads to buckets succeeded, since a
 * bucket in this region can be referenced from any other.
 */
export function forecastDataIn(account: AccountInventory, region: RegionInventory): DataPresence {
  const listings = Object.values(region.forecast);
  if (listings.some((listing) => listing.ok && listing.value.length > 0)) return { holds: true };
  const buckets = Object.values(account.buckets).filter((b) => !isBucketGone(b));
  if (buckets.some((b) => b.region.ok && b.region.value === region.region)) return { holds: true };
  const failedListing = listings.find((listing) => !listing.ok);
  if (failedListing && !failedListing.ok) return { holds: "unknown", error: failedListing.error };
  const unplaced = buckets.find((b) => !b.region.ok);
  if (unplaced && !unplaced.region.ok) return { holds: "unknown", error: unplaced.region.error };
  const gap = referenceGaps(account).find((g) => g.kinds.includes("bucket"));
  if (gap) return { holds: "unknown", error: gap.error };
  return { holds: false };
}

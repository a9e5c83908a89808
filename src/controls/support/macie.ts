/** Where Forecast data lives, for the Macie controls. */
import type { AccountInventory, RegionInventory } from "../../domain/inventory.js";

/** True when the region lists a Forecast resource, or holds a bucket that a Forecast resource uses. */
export function holdsForecastData(account: AccountInventory, region: RegionInventory): boolean {
  const listed = Object.values(region.forecast).some((listing) => listing.ok && listing.value.length > 0);
  if (listed) return true;
  return Object.values(account.buckets).some((b) => b.region.ok && b.region.value === region.region);
}

/**
 * A large but cheap inventory for scale tests: `buildSecureAccount()` plus `size` more Forecast resources,
 * spread evenly over the 13 types in one region, each configured like the secure pipeline (so the scan's
 * findings are all PASS and their number follows from the per-type counts).
 */
import {
  type AccountInventory,
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResourceType,
} from "../../src/domain/inventory.js";
import { buildForecastResource, buildSecureAccount, ok } from "./inventory-builders.js";

export interface LargeAccount {
  account: AccountInventory;
  /** How many of the added resources are of each type. */
  added: Record<ForecastResourceType, number>;
}

export function buildLargeAccount(size: number): LargeAccount {
  const base = buildSecureAccount();
  const [region, ...others] = base.regions;
  if (!region) throw new Error("buildSecureAccount has no region");
  const forecast = { ...region.forecast } as ForecastInventory;
  const added = Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, 0])) as Record<
    ForecastResourceType,
    number
  >;
  for (const type of FORECAST_RESOURCE_TYPES) {
    const listing = forecast[type];
    forecast[type] = ok(listing.ok ? [...listing.value] : []);
  }
  for (let i = 0; i < size; i += 1) {
    const type = FORECAST_RESOURCE_TYPES[i % FORECAST_RESOURCE_TYPES.length] as ForecastResourceType;
    const listing = forecast[type];
    if (!listing.ok) continue;
    listing.value.push(buildForecastResource(type, { name: `r_${type.replaceAll("-", "_")}_${i}` }));
    added[type] += 1;
  }
  return { account: { ...base, regions: [{ ...region, forecast }, ...others] }, added };
}

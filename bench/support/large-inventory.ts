/**
 * A synthetic inventory of one account with `resources` Forecast resources in one region (no AWS, no
 * emulator): for benchmarks of what happens after collection — evaluation, the store commit, the Slack side.
 * About one resource in ten is insecure (no customer key, a tag value that looks like an e-mail address), so
 * a 10,000-resource scan has findings in every status, as a real one does.
 */
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastResource,
  type Inventory,
} from "../../src/domain/inventory.js";
import {
  ACCOUNT_ID,
  buildAccount,
  buildBucket,
  buildForecastResource,
  buildKey,
  NOW,
  ok,
  REGION,
  withBucket,
  withKey,
  withResources,
} from "../../test/support/inventory-builders.js";

export function largeInventory(resources = 10_000): Inventory {
  const list: ForecastResource[] = [];
  for (let i = 0; i < resources; i++) {
    const type = FORECAST_RESOURCE_TYPES[i % FORECAST_RESOURCE_TYPES.length]!;
    const insecure = i % 10 === 0;
    list.push(
      buildForecastResource(type, {
        name: `bench_${type.replaceAll("-", "_")}_${i}`,
        ...(insecure ? { config: ok({ s3: [] }), tags: [{ key: "owner", value: `p${i}@example.com` }] } : {}),
      }),
    );
  }
  const account = withKey(withBucket(withResources(buildAccount(), list), buildBucket()), buildKey());
  return {
    schemaVersion: 1,
    collectedAt: NOW.toISOString(),
    accounts: [{ ...account, accountId: ACCOUNT_ID }],
  };
}

export { REGION as LARGE_INVENTORY_REGION };

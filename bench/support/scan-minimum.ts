/**
 * The fewest API calls a scan of `bench:scan`'s account needs, by `service:Operation`, worked out from what was
 * seeded (never from what the scan saw), following the collectors: Forecast by `minimumForecastCalls`, each
 * referenced bucket, key and trail once, the account-level reads once per account or region.
 */
import { minimumForecastCalls, TAG_INDEX_OPERATION } from "../../src/aws/collectors/forecast.js";
import type { SeededAccount } from "./forecast-emulator-child.js";
import type { CreatedKey, MotoAccount } from "./scan-moto-account.js";

export interface MinimumCalls {
  /** Calls the catalog needs, by `service:Operation`. */
  calls: Record<string, number>;
  /** Operations left out of the comparison, with the reason. */
  excluded: Record<string, string>;
  /** Where the figures come from, one line each, for the report. */
  basis: string[];
}

/** IAM's `MaxItems` for `GetAccountAuthorizationDetails`, as the collector asks for it. */
const AUTHORIZATION_PAGE = 1000;

export function minimumScanCalls(input: {
  seeded: SeededAccount;
  moto: MotoAccount;
  regions: readonly string[];
}): MinimumCalls {
  const { seeded, moto, regions } = input;
  const calls: Record<string, number> = {};
  const add = (operation: string, n: number) => {
    if (n > 0) calls[operation] = (calls[operation] ?? 0) + n;
  };
  const basis: string[] = [];

  const forecast = minimumForecastCalls(seeded.counts, {
    autoPredictors: seeded.autoPredictors,
    tagIndex: { indexed: seeded.tagIndexed },
  });
  for (const [operation, n] of Object.entries(forecast)) {
    // GetResources is the Tagging API's, which the call counter names `resourcegroupstaggingapi`.
    add(
      operation === TAG_INDEX_OPERATION ? `resourcegroupstaggingapi:${operation}` : `forecast:${operation}`,
      n,
    );
  }
  basis.push(
    `forecast: minimumForecastCalls(${seeded.total} resources, ${seeded.autoPredictors} auto predictors): one List per 100, the Describe the summary lacks; tags: GetResources per 100 of the ${seeded.tagIndexed} resources it lists (every seeded resource is tagged), ListTagsForResource each for the types it does not index`,
  );

  add("sts:GetCallerIdentity", 1);
  basis.push("sts: GetCallerIdentity once (the account of the current credentials)");

  for (const operation of [
    "GetBucketLocation",
    "GetBucketEncryption",
    "GetBucketPolicy",
    "GetPublicAccessBlock",
  ])
    add(`s3:${operation}`, seeded.buckets.length);
  add("s3control:GetPublicAccessBlock", 1);
  basis.push(
    `s3: 4 reads for each of the ${seeded.buckets.length} referenced buckets; S3 Control account BPA once`,
  );

  // Keys named by Forecast resources, by a referenced bucket's SSE-KMS default, or by the trail: each once.
  const known = new Map<string, CreatedKey>(
    [...moto.dataKeys, ...moto.otherKeys].map((key) => [key.arn, key] as const),
  );
  const referenced = new Set<string>(seeded.keyArns);
  for (const bucket of seeded.buckets) {
    const key = moto.bucketKeys[bucket];
    if (key !== undefined) referenced.add(key);
  }
  referenced.add(moto.trailKeyArn);
  let customer = 0;
  let awsManaged = 0;
  for (const arn of referenced) {
    const key = known.get(arn);
    add("kms:DescribeKey", 1);
    if (key?.customerManaged === false) {
      awsManaged += 1;
      continue;
    }
    customer += 1;
    add("kms:GetKeyPolicy", 1);
    if (key?.symmetric !== false) add("kms:GetKeyRotationStatus", 1);
  }
  basis.push(
    `kms: ${referenced.size} distinct keys (${seeded.keyArns.length} from Forecast, bucket defaults, the trail's): DescribeKey each; GetKeyPolicy and GetKeyRotationStatus for the ${customer} customer-managed symmetric ones; ${awsManaged} AWS-managed (moto makes none)`,
  );

  add("iam:GetAccountSummary", 1);
  add("iam:GenerateCredentialReport", 1);
  add("iam:GetCredentialReport", 1);
  add("iam:GetAccountAuthorizationDetails", Math.max(1, Math.ceil(moto.iamItems / AUTHORIZATION_PAGE)));
  basis.push(
    "iam: summary, credential report (moto has it ready at once; AWS may need a few polls), authorization details (1 page per 1,000 items)",
  );

  add("cloudtrail:DescribeTrails", regions.length);
  add("cloudtrail:GetTrailStatus", 1);
  add("cloudtrail:GetEventSelectors", 1);
  basis.push(
    `cloudtrail: DescribeTrails per region (${regions.length}); status and selectors of the 1 trail`,
  );

  add("macie2:GetMacieSession", regions.length);
  basis.push(
    "macie2: GetMacieSession per region; nothing more, as Macie is not set up here (moto's answer does not parse in the JS SDK, so the Macie findings are ERROR)",
  );

  return {
    calls,
    excluded: {
      "cloudtrail:LookupEvents":
        "moto does not implement LookupEvents (each attempt fails with a server error), so the pages it needs cannot be known; AWS needs ⌈events ÷ 50⌉, at least 1, per region",
    },
    basis,
  };
}

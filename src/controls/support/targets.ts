/** The finding targets (account, region, resource ARN and type) that controls report against. */
import { bucketArn, scopeArn } from "../../domain/arn.js";
import type { FindingTarget } from "../../domain/control.js";
import type { ResourceType } from "../../domain/finding.js";
import type { AccountInventory, ForecastResource } from "../../domain/inventory.js";

export function forecastTarget(
  account: AccountInventory,
  region: string,
  resource: ForecastResource,
): FindingTarget {
  return {
    accountId: account.accountId,
    region,
    resourceArn: resource.arn,
    resourceType: `forecast-${resource.type}` as ResourceType,
  };
}

export function regionScopeTarget(
  account: AccountInventory,
  service: string,
  region: string,
  resourceType: ResourceType,
): FindingTarget {
  return {
    accountId: account.accountId,
    region,
    resourceArn: scopeArn(account.partition, service, account.accountId, region),
    resourceType,
  };
}

export function forecastRegionTarget(account: AccountInventory, region: string): FindingTarget {
  return regionScopeTarget(account, "forecast", region, "forecast-region");
}

export function bucketTarget(account: AccountInventory, bucket: string, region: string): FindingTarget {
  return {
    accountId: account.accountId,
    region,
    resourceArn: bucketArn(account.partition, bucket),
    resourceType: "s3-bucket",
  };
}

export function iamTarget(account: AccountInventory, arn: string, resourceType: ResourceType): FindingTarget {
  return { accountId: account.accountId, region: "global", resourceArn: arn, resourceType };
}

/** The whole IAM of the account (`arn:aws:iam::123456789012:*`). */
export function iamAccountTarget(account: AccountInventory): FindingTarget {
  return iamTarget(account, scopeArn(account.partition, "iam", account.accountId, "global"), "iam-account");
}

export function rootTarget(account: AccountInventory): FindingTarget {
  return iamTarget(account, `arn:${account.partition}:iam::${account.accountId}:root`, "iam-account");
}

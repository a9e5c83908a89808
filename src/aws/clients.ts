/** The AWS clients of one account, as collectors and remediations receive them. Built by the client factory. */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { ForecastClient } from "@aws-sdk/client-forecast";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { Macie2Client } from "@aws-sdk/client-macie2";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3ControlClient } from "@aws-sdk/client-s3-control";
import type { STSClient } from "@aws-sdk/client-sts";

export interface AccountClients {
  accountId: string;
  partition: string;
  /** Clients are created once per region and reused. */
  forecast(region: string): ForecastClient;
  s3(region: string): S3Client;
  s3control(region: string): S3ControlClient;
  kms(region: string): KMSClient;
  iam(): IAMClient;
  cloudtrail(region: string): CloudTrailClient;
  macie(region: string): Macie2Client;
  sts(region: string): STSClient;
  /**
   * The Resource Groups Tagging API, for reading Forecast tags 100 resources per call. Optional: without it
   * (test fakes) the Forecast collector reads every resource's tags with `ListTagsForResource`.
   */
  tagging?(region: string): ResourceGroupsTaggingAPIClient;
}

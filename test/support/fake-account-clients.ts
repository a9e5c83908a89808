/**
 * `AccountClients` made of real SDK clients with static credentials and no endpoint, for unit tests that
 * replace `send` with aws-sdk-client-mock (`mockClient(S3Client)` patches every instance). Each client is
 * memoised per service and region like the real factory does, and the regions asked for are recorded.
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import type { AccountClients } from "../../src/aws/clients.js";

export interface FakeAccountClients extends AccountClients {
  /** `service:region` for every client handed out, in order. */
  requested: string[];
}

export function fakeAccountClients(accountId = "111122223333", partition = "aws"): FakeAccountClients {
  const cache = new Map<string, unknown>();
  const requested: string[] = [];
  const config = (region: string) => ({
    region,
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    maxAttempts: 1,
  });
  function memo<C>(service: string, region: string, make: () => C): C {
    requested.push(`${service}:${region}`);
    const key = `${service}:${region}`;
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as C;
  }
  return {
    accountId,
    partition,
    requested,
    forecast: (region) => memo("forecast", region, () => new ForecastClient(config(region))),
    s3: (region) => memo("s3", region, () => new S3Client(config(region))),
    s3control: (region) => memo("s3control", region, () => new S3ControlClient(config(region))),
    kms: (region) => memo("kms", region, () => new KMSClient(config(region))),
    iam: () => memo("iam", "global", () => new IAMClient(config("us-east-1"))),
    cloudtrail: (region) => memo("cloudtrail", region, () => new CloudTrailClient(config(region))),
    macie: (region) => memo("macie", region, () => new Macie2Client(config(region))),
    sts: (region) => memo("sts", region, () => new STSClient(config(region))),
  };
}

/** An SDK-shaped service error, as the SDK throws it after its retries are exhausted. */
export function awsError(code: string, message = `${code} (test)`, status = 400): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $metadata: { httpStatusCode: status } });
}

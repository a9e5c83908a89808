/**
 * collectInventory end to end over real HTTP: the Forecast emulator for Forecast, moto for S3, S3 Control, KMS,
 * IAM, CloudTrail, Macie and STS, reached through the SDK's standard endpoint variables (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_FORECAST`). Asserts the assembled inventory and the exact API calls: each bucket, key, role
 * and trail once, however many resources name them.
 *
 * moto gaps (covered by the collectors' client-mock unit tests): Macie's timestamps do not parse in the JS SDK
 * and CloudTrail has no LookupEvents, so those two slices are only counted here, not inspected.
 */
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, PutBucketEncryptionCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createCallCounter } from "../../src/aws/call-counter.js";
import { type ClientFactory, createClientFactory } from "../../src/aws/client-factory.js";
import { collectInventory } from "../../src/aws/collect-inventory.js";
import { minimumForecastCalls } from "../../src/aws/collectors/forecast.js";
import type { ScanProgress } from "../../src/scan/progress.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  type MotoServer,
  motoClientConfig,
  motoRequestHandler,
  startMoto,
} from "../support/moto.js";

const REGION = "us-east-1";
const IMPORT_JOBS = 12;
const NOW = new Date();

let moto: MotoServer;
let emulator: ForecastEmulator;
let factory: ClientFactory | undefined;

beforeAll(async () => {
  moto = await startMoto();
  emulator = await startForecastEmulator({ accountId: MOTO_ACCOUNT_ID, region: REGION });
});

afterAll(async () => {
  factory?.destroy();
  await emulator?.close();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  emulator.reset();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
  vi.stubEnv("AWS_ENDPOINT_URL_FORECAST", emulator.url);
  vi.stubEnv("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", emulator.url);
  return () => vi.unstubAllEnvs();
});

interface Seeded {
  dataKey: string;
  euKeyId: string;
  euKeyArn: string;
  trailKey: string;
  roleArn: string;
  trailArn: string;
  resourceArns: string[];
}

async function seed(): Promise<Seeded> {
  const kms = new KMSClient(motoClientConfig(moto));
  const kmsEu = new KMSClient(motoClientConfig(moto, "eu-west-1"));
  const dataKey =
    (await kms.send(new CreateKeyCommand({ Description: "forecast data" }))).KeyMetadata?.Arn ?? "";
  await kms.send(new EnableKeyRotationCommand({ KeyId: dataKey }));
  const euKey = (await kmsEu.send(new CreateKeyCommand({ Description: "eu exports" }))).KeyMetadata;
  const trailKey =
    (await kms.send(new CreateKeyCommand({ Description: "trail logs" }))).KeyMetadata?.Arn ?? "";

  const s3 = new S3Client(motoClientConfig(moto));
  const s3eu = new S3Client(motoClientConfig(moto, "eu-west-1"));
  await s3.send(new CreateBucketCommand({ Bucket: "fa-data" }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: "fa-data",
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: dataKey } }],
      },
    }),
  );
  await s3eu.send(
    new CreateBucketCommand({
      Bucket: "fa-eu-exports",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    }),
  );
  // A bare key id: it is resolved in the bucket's region (eu-west-1), not the scan's.
  await s3eu.send(
    new PutBucketEncryptionCommand({
      Bucket: "fa-eu-exports",
      ServerSideEncryptionConfiguration: {
        Rules: [
          { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: euKey?.KeyId } },
        ],
      },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: "fa-trail" }));

  const iam = new IAMClient(motoClientConfig(moto));
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "forecast.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  });
  const roleArn =
    (await iam.send(new CreateRoleCommand({ RoleName: "ForecastAccess", AssumeRolePolicyDocument: trust })))
      .Role?.Arn ?? "";

  const cloudtrail = new CloudTrailClient(motoClientConfig(moto));
  const trailArn =
    (
      await cloudtrail.send(
        new CreateTrailCommand({
          Name: "main",
          S3BucketName: "fa-trail",
          IsMultiRegionTrail: true,
          KmsKeyId: trailKey,
        }),
      )
    ).TrailARN ?? "";
  await cloudtrail.send(new StartLoggingCommand({ Name: "main" }));

  const state = emulator.state;
  const encryption = { KMSKeyArn: dataKey, RoleArn: roleArn };
  const dataset = state.createDataset({ DatasetName: "sales", EncryptionConfig: encryption });
  const group = state.createDatasetGroup({ DatasetGroupName: "retail", DatasetArns: [dataset] });
  const imports = Array.from({ length: IMPORT_JOBS }, (_, i) =>
    state.createDatasetImportJob({
      DatasetImportJobName: `load_${i}`,
      DatasetArn: dataset,
      DataSource: { S3Config: { Path: `s3://fa-data/input/${i}/`, RoleArn: roleArn } },
    }),
  );
  const predictor = state.createAutoPredictor({
    PredictorName: "demand",
    DataConfig: { DatasetGroupArn: group },
    EncryptionConfig: encryption,
  });
  const forecast = state.createForecast({ ForecastName: "weekly", PredictorArn: predictor });
  const exportJob = state.createForecastExportJob({
    ForecastExportJobName: "to_eu",
    ForecastArn: forecast,
    Destination: { S3Config: { Path: "s3://fa-eu-exports/weekly/", RoleArn: roleArn } },
  });
  return {
    dataKey,
    euKeyId: euKey?.KeyId ?? "",
    euKeyArn: euKey?.Arn ?? "",
    trailKey,
    roleArn,
    trailArn,
    resourceArns: [dataset, group, ...imports, predictor, forecast, exportJob],
  };
}

describe("collectInventory against moto and the Forecast emulator", () => {
  it("assembles the account and fetches each bucket, key, role and trail exactly once", async () => {
    const seeded = await seed();
    const counter = createCallCounter();
    factory = createClientFactory({
      requireFips: false,
      sessionName: "integration",
      credentials: MOTO_CREDENTIALS,
      region: REGION,
      requestHandler: motoRequestHandler(),
      maxAttempts: 2,
      callCounter: counter,
    });
    const progress: ScanProgress[] = [];

    const inventory = await collectInventory({
      accounts: [],
      regions: [REGION],
      factory,
      lookbackDays: 7,
      maxEvents: 100,
      concurrency: 4,
      now: NOW,
      onProgress: (event) => progress.push(event),
    });

    expect(inventory.accounts).toHaveLength(1);
    const account = inventory.accounts[0];
    if (!account) return;
    expect(account.accountId).toBe(MOTO_ACCOUNT_ID);
    const region = account.regions[0];
    expect(region?.forecast.dataset).toMatchObject({ ok: true, value: [{ name: "sales" }] });
    expect(
      region?.forecast["dataset-import-job"].ok && region.forecast["dataset-import-job"].value,
    ).toHaveLength(IMPORT_JOBS);

    expect(Object.keys(account.buckets).sort()).toEqual(["fa-data", "fa-eu-exports"]);
    expect(account.buckets["fa-data"]?.referencedBy).toHaveLength(IMPORT_JOBS);
    expect(account.buckets["fa-data"]?.roleArns).toEqual([seeded.roleArn]);
    expect(account.buckets["fa-eu-exports"]?.region).toEqual({ ok: true, value: "eu-west-1" });

    const euKeyRef = `arn:aws:kms:eu-west-1:${MOTO_ACCOUNT_ID}:key/${seeded.euKeyId}`;
    expect(Object.keys(account.keys).sort()).toEqual([seeded.dataKey, euKeyRef, seeded.trailKey].sort());
    expect(account.keys[seeded.dataKey]?.referencedBy.sort()).toEqual(
      ["s3://fa-data", ...seeded.resourceArns.filter((arn) => /:(dataset|predictor)\//.test(arn))].sort(),
    );
    expect(account.keys[seeded.dataKey]?.rotation).toEqual({ ok: true, value: { enabled: true } });
    expect(account.keys[euKeyRef]?.region).toBe("eu-west-1");
    expect(account.keys[euKeyRef]?.metadata).toMatchObject({ ok: true, value: { arn: seeded.euKeyArn } });
    expect(account.keys[seeded.trailKey]?.referencedBy).toEqual([seeded.trailArn]);

    expect(Object.keys(account.roles)).toEqual([seeded.roleArn]);
    expect(account.roles[seeded.roleArn]?.role).toMatchObject({
      ok: true,
      value: { name: "ForecastAccess" },
    });
    expect(account.roles[seeded.roleArn]?.referencedBy.length).toBe(IMPORT_JOBS + 3);

    expect(account.trails[seeded.trailArn]).toMatchObject({
      isMultiRegion: true,
      status: { ok: true, value: { isLogging: true } },
    });
    expect(account.iam.summary.ok).toBe(true);
    expect(account.iam.credentialReport.ok).toBe(true);
    expect(account.s3.publicAccessBlock).toEqual({ ok: true, value: null });

    const forecastCalls = Object.fromEntries(
      Object.entries(
        minimumForecastCalls(
          {
            dataset: 1,
            "dataset-group": 1,
            "dataset-import-job": IMPORT_JOBS,
            predictor: 1,
            forecast: 1,
            "forecast-export-job": 1,
          },
          { autoPredictors: 1 },
        ),
      ).map(([operation, n]) => [`forecast:${operation}`, n]),
    );
    const { calls, retries } = counter.snapshot();
    expect(calls).toEqual({
      // One GetResources page; it lists nothing (nothing is tagged), and every resource was created moments
      // ago, inside the tag index's grace window, so each still takes its ListTagsForResource.
      "resourcegroupstaggingapi:GetResources": 1,
      ...forecastCalls,
      "cloudtrail:DescribeTrails": 1,
      "cloudtrail:GetEventSelectors": 1,
      "cloudtrail:GetTrailStatus": 1,
      "cloudtrail:LookupEvents": 1,
      "iam:GenerateCredentialReport": 1,
      "iam:GetAccountAuthorizationDetails": 1,
      "iam:GetAccountSummary": 1,
      "iam:GetCredentialReport": 1,
      "kms:DescribeKey": 3,
      "kms:GetKeyPolicy": 3,
      "kms:GetKeyRotationStatus": 3,
      "macie2:GetMacieSession": 1,
      "s3:GetBucketEncryption": 2,
      "s3:GetBucketLocation": 2,
      "s3:GetBucketPolicy": 2,
      "s3:GetPublicAccessBlock": 2,
      "s3control:GetPublicAccessBlock": 1,
      "sts:GetCallerIdentity": 1,
    });
    // moto answers the unimplemented LookupEvents with a server error, which the SDK retries once.
    const { "cloudtrail:LookupEvents": _lookupRetries, ...otherRetries } = retries;
    expect(otherRetries).toEqual({});
    expect(progress.at(-1)).toMatchObject({ phase: "done", accountId: MOTO_ACCOUNT_ID });
  });

  it("reports every control input as failed for an account whose credentials cannot be obtained", async () => {
    factory = createClientFactory({
      requireFips: false,
      sessionName: "integration",
      credentials: MOTO_CREDENTIALS,
      region: REGION,
      requestHandler: motoRequestHandler(),
      maxAttempts: 1,
    });

    const inventory = await collectInventory({
      // The role's account differs from the configured id: the factory refuses before calling anything.
      accounts: [{ id: "111111111111", roleArn: "arn:aws:iam::222222222222:role/audit" }],
      regions: [REGION],
      factory,
      lookbackDays: 7,
      maxEvents: 100,
      concurrency: 4,
    });

    const account = inventory.accounts[0];
    const error = { ok: false, error: { code: "AccountMismatch", action: "sts:AssumeRole" } };
    expect(account?.accountId).toBe("111111111111");
    expect(account?.iam.summary).toMatchObject(error);
    expect(account?.regions[0]?.forecast.predictor).toMatchObject(error);
    expect(account?.regions[0]?.forecastApiEvents).toMatchObject(error);
    expect(account?.buckets).toEqual({});
  });
});

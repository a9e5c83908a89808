/**
 * One account (moto's 123456789012, us-east-1) with a secure and an insecure side of everything the catalog
 * checks: Forecast resources in the emulator, and the S3 buckets, KMS keys, IAM roles and CloudTrail trail they
 * lead to in moto. Seeded through the services' own APIs (moto) and the emulator's seeding API.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  AttachRolePolicyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { ForecastEmulator } from "./forecast-emulator/index.js";
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, type MotoServer, motoClientConfig } from "./moto.js";

export const SCENARIO_REGION = "us-east-1";
export const SCENARIO_ACCOUNT = MOTO_ACCOUNT_ID;
export const SECURE_BUCKET = "fa-secure-data";
export const INSECURE_BUCKET = "fa-plain-data";
export const TRAIL_BUCKET = "fa-trail-logs";
export const TRAIL_NAME = "org-trail";
export const CONSOLE_USER = "analyst";
/** A tag value that must never reach any output, masked or not. */
export const EMAIL_TAG = { Key: "owner", Value: "jane.doe@example.com" } as const;
/** A dataset group name with a phone-like digit run. */
export const PHONE_GROUP_NAME = "retail_4155550123";
/** A pre-signed URL pasted as an import path. */
export const PRESIGNED_PATH = `s3://${INSECURE_BUCKET}/input/sales.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=9f0e1d2c3b4a`;

export interface Scenario {
  keys: { rotating: string; static: string; doomed: string };
  roles: { scoped: string; broad: string };
  forecast: {
    secureDataset: string;
    plainDataset: string;
    group: string;
    secureImport: string;
    presignedImport: string;
    autoPredictor: string;
    legacyPredictor: string;
    forecast: string;
    plainExport: string;
    cmkExport: string;
  };
  trailArn: string;
  consoleUserArn: string;
}

/** The SDK's standard variables that send every call of the CLI to moto, and Forecast's to the emulator. */
export function scenarioEnv(
  moto: MotoServer,
  emulator: ForecastEmulator,
): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: SCENARIO_REGION,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_FORECAST: emulator.url,
    AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: emulator.url,
    AWS_EC2_METADATA_DISABLED: "true",
    FORECAST_AUDIT_CONFIG: undefined,
    DATABASE_URL: undefined,
  };
}

/** Writes `forecast-audit.yml` into `dir` and returns its path. */
export async function writeScenarioConfig(
  dir: string,
  yaml = `regions: [${SCENARIO_REGION}]\n`,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, "forecast-audit.yml");
  await writeFile(path, yaml);
  return path;
}

const document = (statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statement });

async function seedKeys(kms: KMSClient): Promise<Scenario["keys"]> {
  const create = async (description: string) => {
    const metadata = (await kms.send(new CreateKeyCommand({ Description: description }))).KeyMetadata;
    return { arn: metadata?.Arn ?? "", id: metadata?.KeyId ?? "" };
  };
  const rotating = await create("forecast data, rotated");
  await kms.send(new EnableKeyRotationCommand({ KeyId: rotating.id }));
  const fixed = await create("forecast exports, never rotated");
  const doomed = await create("forecast imports, being deleted");
  // moto answers ScheduleKeyDeletion with a server error when given the key ARN; the key id works.
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.id, PendingWindowInDays: 7 }));
  return { rotating: rotating.arn, static: fixed.arn, doomed: doomed.arn };
}

async function seedBuckets(s3: S3Client, key: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: SECURE_BUCKET }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: SECURE_BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key } }],
      },
    }),
  );
  const resources = [`arn:aws:s3:::${SECURE_BUCKET}`, `arn:aws:s3:::${SECURE_BUCKET}/*`];
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: SECURE_BUCKET,
      Policy: document([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: resources,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOldTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: resources,
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
      ]),
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: SECURE_BUCKET,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );

  await s3.send(new CreateBucketCommand({ Bucket: INSECURE_BUCKET }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: INSECURE_BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
}

async function seedIam(iam: IAMClient): Promise<Scenario["roles"] & { consoleUserArn: string }> {
  const scopedTrust = document([
    {
      Effect: "Allow",
      Principal: { Service: "forecast.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": MOTO_ACCOUNT_ID } },
    },
  ]);
  const scoped =
    (
      await iam.send(
        new CreateRoleCommand({ RoleName: "ForecastScoped", AssumeRolePolicyDocument: scopedTrust }),
      )
    ).Role?.Arn ?? "";
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: "ForecastScoped",
      PolicyName: "forecast-data",
      PolicyDocument: document([
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
          Resource: [`arn:aws:s3:::${SECURE_BUCKET}`, `arn:aws:s3:::${SECURE_BUCKET}/*`],
        },
        {
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: `arn:aws:kms:${SCENARIO_REGION}:${MOTO_ACCOUNT_ID}:key/*`,
        },
      ]),
    }),
  );

  const openTrust = document([
    { Effect: "Allow", Principal: { Service: "forecast.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
  const broad =
    (
      await iam.send(
        new CreateRoleCommand({ RoleName: "ForecastBroad", AssumeRolePolicyDocument: openTrust }),
      )
    ).Role?.Arn ?? "";
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: "ForecastBroad",
      PolicyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    }),
  );

  const consoleUserArn = (await iam.send(new CreateUserCommand({ UserName: CONSOLE_USER }))).User?.Arn ?? "";
  await iam.send(
    new CreateLoginProfileCommand({ UserName: CONSOLE_USER, Password: "Corr3ct-Horse-Battery!" }),
  );
  return { scoped, broad, consoleUserArn };
}

async function seedTrail(cloudtrail: CloudTrailClient): Promise<string> {
  const trail = await cloudtrail.send(
    new CreateTrailCommand({
      Name: TRAIL_NAME,
      S3BucketName: TRAIL_BUCKET,
      IsMultiRegionTrail: true,
      EnableLogFileValidation: false,
    }),
  );
  // AWS gives a new trail an all-management-events selector; moto gives it none, so it is set explicitly.
  await cloudtrail.send(
    new PutEventSelectorsCommand({
      TrailName: TRAIL_NAME,
      EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
    }),
  );
  await cloudtrail.send(new StartLoggingCommand({ Name: TRAIL_NAME }));
  return trail.TrailARN ?? "";
}

function seedForecast(
  emulator: ForecastEmulator,
  keys: Scenario["keys"],
  roles: Scenario["roles"],
): Scenario["forecast"] {
  const state = emulator.state;
  const secureDataset = state.createDataset({
    DatasetName: "sales_secure",
    EncryptionConfig: { KMSKeyArn: keys.rotating, RoleArn: roles.scoped },
  });
  const plainDataset = state.createDataset({ DatasetName: "sales_plain", Tags: [{ ...EMAIL_TAG }] });
  const group = state.createDatasetGroup({
    DatasetGroupName: PHONE_GROUP_NAME,
    DatasetArns: [secureDataset, plainDataset],
  });
  const secureImport = state.createDatasetImportJob({
    DatasetImportJobName: "load_secure",
    DatasetArn: secureDataset,
    DataSource: {
      S3Config: { Path: `s3://${SECURE_BUCKET}/input/`, RoleArn: roles.scoped, KMSKeyArn: keys.doomed },
    },
  });
  const presignedImport = state.createDatasetImportJob({
    DatasetImportJobName: "load_presigned",
    DatasetArn: plainDataset,
    DataSource: { S3Config: { Path: PRESIGNED_PATH, RoleArn: roles.broad } },
  });
  const autoPredictor = state.createAutoPredictor({
    PredictorName: "demand_auto",
    DataConfig: { DatasetGroupArn: group },
    EncryptionConfig: { KMSKeyArn: keys.rotating, RoleArn: roles.scoped },
  });
  const legacyPredictor = state.createPredictor({
    PredictorName: "demand_legacy",
    InputDataConfig: { DatasetGroupArn: group },
  });
  const forecast = state.createForecast({ ForecastName: "weekly", PredictorArn: autoPredictor });
  const plainExport = state.createForecastExportJob({
    ForecastExportJobName: "export_plain",
    ForecastArn: forecast,
    Destination: { S3Config: { Path: `s3://${INSECURE_BUCKET}/exports/`, RoleArn: roles.broad } },
  });
  const cmkExport = state.createForecastExportJob({
    ForecastExportJobName: "export_cmk",
    ForecastArn: forecast,
    Destination: {
      S3Config: {
        Path: `s3://${INSECURE_BUCKET}/exports_cmk/`,
        RoleArn: roles.broad,
        KMSKeyArn: keys.static,
      },
    },
  });
  return {
    secureDataset,
    plainDataset,
    group,
    secureImport,
    presignedImport,
    autoPredictor,
    legacyPredictor,
    forecast,
    plainExport,
    cmkExport,
  };
}

/**
 * Seeds the scenario into a freshly reset moto (started with `awsManagedPolicies`, for AmazonS3FullAccess) and
 * Forecast emulator.
 */
export async function seedScenario(moto: MotoServer, emulator: ForecastEmulator): Promise<Scenario> {
  const config = motoClientConfig(moto, SCENARIO_REGION);
  const kms = new KMSClient(config);
  const s3 = new S3Client(config);
  const iam = new IAMClient(config);
  const cloudtrail = new CloudTrailClient(config);
  try {
    const keys = await seedKeys(kms);
    await seedBuckets(s3, keys.rotating);
    const { consoleUserArn, ...roles } = await seedIam(iam);
    const trailArn = await seedTrail(cloudtrail);
    const forecast = seedForecast(emulator, keys, roles);
    return { keys, roles, forecast, trailArn, consoleUserArn };
  } finally {
    for (const client of [kms, s3, iam, cloudtrail]) client.destroy();
  }
}

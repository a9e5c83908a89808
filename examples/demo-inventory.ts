/**
 * The demo inventory: a realistic, partly insecure account that `npm run demo` audits without AWS.
 * `examples/demo-inventory.json` is generated from this file (`npx tsx examples/demo-inventory.ts`), and a
 * unit test keeps the two equal.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AccountInventory,
  type BucketInventory,
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
  type ForecastResourceType,
  type Inventory,
  type KeyInventory,
  type RoleInventory,
  type Tag,
} from "../src/domain/inventory.js";
import { parsePolicyDocument } from "../src/domain/policy-document.js";
import type { CollectError, Slice } from "../src/domain/result.js";

const ACCOUNT = "111122223333";
const US = "us-east-1";
const EU = "eu-west-1";
const fc = (region: string, resource: string) => `arn:aws:forecast:${region}:${ACCOUNT}:${resource}`;
const keyArn = (id: string) => `arn:aws:kms:${US}:${ACCOUNT}:key/${id}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const KEY_DATA = keyArn("0b1c2d3e-1111-4a5b-8c9d-000000000001");
const KEY_NO_ROTATION = keyArn("0b1c2d3e-2222-4a5b-8c9d-000000000002");
const KEY_PENDING_DELETION = keyArn("0b1c2d3e-3333-4a5b-8c9d-000000000003");
const ROLE_SCOPED = roleArn("ForecastDataAccess");
const ROLE_BROAD = roleArn("ForecastLegacyS3Access");

const ok = <T>(value: T): Slice<T> => ({ ok: true, value });
const failed = <T>(error: CollectError): Slice<T> => ({ ok: false, error });
const tags = (...pairs: Array<[string, string]>): Slice<Tag[]> =>
  ok(pairs.map(([key, value]) => ({ key, value })));

function resource(
  type: ForecastResourceType,
  arn: string,
  name: string,
  extra: Partial<Omit<ForecastResource, "type" | "arn" | "name">> = {},
): ForecastResource {
  return {
    type,
    arn,
    name,
    status: "ACTIVE",
    tags: tags(["team", "demand-planning"]),
    config: ok({ s3: [] }),
    ...extra,
  };
}

function forecastInventory(
  resources: ForecastResource[],
  denied: ForecastResourceType[] = [],
): ForecastInventory {
  const inventory = {} as ForecastInventory;
  for (const type of FORECAST_RESOURCE_TYPES) {
    inventory[type] = denied.includes(type)
      ? failed({
          code: "AccessDeniedException",
          message: `User is not authorized to perform: forecast:List${type === "predictor" ? "Predictors" : type}`,
          action: type === "predictor" ? "forecast:ListPredictors" : `forecast:${type}`,
        })
      : ok(resources.filter((r) => r.type === type));
  }
  return inventory;
}

const DG = fc(US, "dataset-group/retail_demand");
const DG_PROMO = fc(US, "dataset-group/promo_call_2125550143");
const PREDICTOR_AUTO = fc(US, "predictor/retail_demand_auto");
const PREDICTOR_V1 = fc(US, "predictor/retail_demand_v1");
const FORECAST = fc(US, "forecast/retail_demand_fc");

const usResources: ForecastResource[] = [
  resource("dataset-group", DG, "retail_demand"),
  resource("dataset-group", DG_PROMO, "promo_call_2125550143"),
  resource("dataset", fc(US, "dataset/retail_demand_target"), "retail_demand_target", {
    config: ok({ kmsKeyArn: KEY_DATA, encryptionRoleArn: ROLE_SCOPED, s3: [] }),
  }),
  resource("dataset", fc(US, "dataset/retail_demand_items"), "retail_demand_items", {
    tags: tags(["owner", "jane.doe@example.com"], ["note", "<!channel> please review"]),
  }),
  resource(
    "dataset-import-job",
    fc(US, "dataset-import-job/retail_demand_target/import_2026_11"),
    "import_2026_11",
    {
      parentArn: fc(US, "dataset/retail_demand_target"),
      config: ok({
        s3: [
          {
            path: "s3://acme-forecast-input/target/2026-11/",
            roleArn: ROLE_SCOPED,
            kmsKeyArn: KEY_DATA,
            usage: "source",
          },
        ],
      }),
    },
  ),
  resource(
    "dataset-import-job",
    fc(US, "dataset-import-job/retail_demand_items/items_backfill"),
    "items_backfill",
    {
      parentArn: fc(US, "dataset/retail_demand_items"),
      config: ok({
        s3: [
          {
            path: "s3://acme-forecast-input/items/backfill.csv?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0f1e2d",
            roleArn: ROLE_BROAD,
            usage: "source",
          },
        ],
      }),
    },
  ),
  resource("predictor", PREDICTOR_AUTO, "retail_demand_auto", {
    parentArn: DG,
    config: ok({ kmsKeyArn: KEY_DATA, encryptionRoleArn: ROLE_SCOPED, isAutoPredictor: true, s3: [] }),
  }),
  resource("predictor", PREDICTOR_V1, "retail_demand_v1", {
    parentArn: DG,
    config: ok({ isAutoPredictor: false, s3: [] }),
  }),
  resource(
    "predictor-backtest-export-job",
    fc(US, "predictor-backtest-export-job/retail_demand_auto/backtest_nov"),
    "backtest_nov",
    {
      parentArn: PREDICTOR_AUTO,
      config: ok({
        s3: [
          {
            path: "s3://acme-forecast-output/backtest/",
            roleArn: ROLE_SCOPED,
            kmsKeyArn: KEY_PENDING_DELETION,
            usage: "destination",
          },
        ],
      }),
    },
  ),
  resource("forecast", FORECAST, "retail_demand_fc", { parentArn: PREDICTOR_AUTO }),
  resource(
    "forecast-export-job",
    fc(US, "forecast-export-job/retail_demand_fc/weekly_export"),
    "weekly_export",
    {
      parentArn: FORECAST,
      config: ok({
        s3: [{ path: "s3://acme-forecast-output/weekly/", roleArn: ROLE_BROAD, usage: "destination" }],
      }),
    },
  ),
  resource("explainability", fc(US, "explainability/retail_demand_explain"), "retail_demand_explain", {
    parentArn: PREDICTOR_AUTO,
  }),
  resource("what-if-analysis", fc(US, "what-if-analysis/holiday_promo"), "holiday_promo", {
    parentArn: FORECAST,
  }),
  resource(
    "monitor",
    fc(US, "predictor/retail_demand_auto/monitor/retail_demand_monitor"),
    "retail_demand_monitor",
    {
      parentArn: PREDICTOR_AUTO,
    },
  ),
];

const secureTlsPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::acme-forecast-input", "arn:aws:s3:::acme-forecast-input/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyTlsBelow12",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::acme-forecast-input", "arn:aws:s3:::acme-forecast-input/*"],
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ],
});

const buckets: Record<string, BucketInventory> = {
  "acme-forecast-input": {
    name: "acme-forecast-input",
    region: ok(US),
    encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_DATA, bucketKeyEnabled: true }),
    policy: ok({ text: secureTlsPolicy, document: parsePolicyDocument(secureTlsPolicy) }),
    publicAccessBlock: ok({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    }),
    referencedBy: [
      fc(US, "dataset-import-job/retail_demand_target/import_2026_11"),
      fc(US, "dataset-import-job/retail_demand_items/items_backfill"),
    ],
    roleArns: [ROLE_SCOPED, ROLE_BROAD],
  },
  "acme-forecast-output": {
    name: "acme-forecast-output",
    region: ok(US),
    encryption: ok({ algorithm: "aws:kms", bucketKeyEnabled: false }),
    policy: ok(null),
    publicAccessBlock: ok({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    }),
    referencedBy: [
      fc(US, "predictor-backtest-export-job/retail_demand_auto/backtest_nov"),
      fc(US, "forecast-export-job/retail_demand_fc/weekly_export"),
    ],
    roleArns: [ROLE_SCOPED, ROLE_BROAD],
  },
};

const keyPolicy = (extra: object[] = []) =>
  parsePolicyDocument(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EnableRoot",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        ...extra,
      ],
    }),
  );

function cmk(
  arn: string,
  state: string,
  rotation: boolean,
  extraPolicy: object[] = [],
  referencedBy: string[] = [],
): KeyInventory {
  const keyId = arn.split("/").at(-1) ?? arn;
  return {
    ref: arn,
    region: US,
    metadata: ok({
      keyId,
      arn,
      keyManager: "CUSTOMER",
      keySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
      keyState: state,
      enabled: state === "Enabled",
      ...(state === "PendingDeletion" ? { deletionDate: "2026-12-05T00:00:00.000Z" } : {}),
      origin: "AWS_KMS",
      multiRegion: false,
    }),
    rotation: ok({ enabled: rotation, rotationPeriodInDays: 365 }),
    policy: ok(keyPolicy(extraPolicy)),
    referencedBy,
  };
}

const keys: Record<string, KeyInventory> = {
  [KEY_DATA]: cmk(
    KEY_DATA,
    "Enabled",
    true,
    [],
    [fc(US, "dataset/retail_demand_target"), "s3://acme-forecast-input"],
  ),
  [KEY_NO_ROTATION]: cmk(
    KEY_NO_ROTATION,
    "Enabled",
    false,
    [{ Sid: "AnyoneCanDecrypt", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }],
    [`arn:aws:cloudtrail:${US}:${ACCOUNT}:trail/org-audit`],
  ),
  [KEY_PENDING_DELETION]: cmk(
    KEY_PENDING_DELETION,
    "PendingDeletion",
    false,
    [],
    [fc(US, "predictor-backtest-export-job/retail_demand_auto/backtest_nov")],
  ),
};

const forecastTrust = (withCondition: boolean) =>
  parsePolicyDocument(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "forecast.amazonaws.com" },
          Action: "sts:AssumeRole",
          ...(withCondition ? { Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } } : {}),
        },
      ],
    }),
  );

const scopedRole = {
  kind: "role" as const,
  arn: ROLE_SCOPED,
  name: "ForecastDataAccess",
  trustPolicy: forecastTrust(true),
  attachedPolicies: [],
  inlinePolicies: [
    {
      name: "ForecastBuckets",
      document: parsePolicyDocument(
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
              Resource: [
                "arn:aws:s3:::acme-forecast-input",
                "arn:aws:s3:::acme-forecast-input/*",
                "arn:aws:s3:::acme-forecast-output",
                "arn:aws:s3:::acme-forecast-output/*",
              ],
            },
            { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_DATA },
          ],
        }),
      ),
    },
  ],
};

const broadRole = {
  kind: "role" as const,
  arn: ROLE_BROAD,
  name: "ForecastLegacyS3Access",
  trustPolicy: forecastTrust(false),
  attachedPolicies: [{ arn: "arn:aws:iam::aws:policy/AmazonS3FullAccess", name: "AmazonS3FullAccess" }],
  inlinePolicies: [],
};

const roles: Record<string, RoleInventory> = {
  [ROLE_SCOPED]: {
    arn: ROLE_SCOPED,
    role: ok(scopedRole),
    referencedBy: [fc(US, "dataset/retail_demand_target"), fc(US, "predictor/retail_demand_auto")],
  },
  [ROLE_BROAD]: {
    arn: ROLE_BROAD,
    role: ok(broadRole),
    referencedBy: [fc(US, "dataset-import-job/retail_demand_items/items_backfill")],
  },
};

const TRAIL = `arn:aws:cloudtrail:${US}:${ACCOUNT}:trail/org-audit`;

const account: AccountInventory = {
  accountId: ACCOUNT,
  name: "retail-prod",
  partition: "aws",
  regions: [
    {
      region: US,
      forecast: forecastInventory(usResources),
      trailArns: ok([TRAIL]),
      forecastApiEvents: ok({
        since: "2026-11-21T08:00:00.000Z",
        truncated: false,
        events: [
          {
            eventId: "e-1",
            eventName: "CreateDatasetImportJob",
            eventTime: "2026-11-27T10:00:00.000Z",
            tlsVersion: "TLSv1.3",
            hostHeader: "forecast.us-east-1.amazonaws.com",
          },
          {
            eventId: "e-2",
            eventName: "DescribeDataset",
            eventTime: "2026-11-26T11:00:00.000Z",
            tlsVersion: "TLSv1.1",
            hostHeader: "forecast.us-east-1.amazonaws.com",
          },
        ],
      }),
      macie: {
        session: ok({ status: "ENABLED" }),
        automatedDiscovery: ok({ status: "DISABLED" }),
        classificationJobs: ok([
          {
            jobId: "job-1",
            name: "forecast-input-weekly",
            status: "RUNNING",
            jobType: "SCHEDULED",
            buckets: [`${ACCOUNT}/acme-forecast-input`],
            matchesByCriteria: false,
          },
        ]),
      },
    },
    {
      region: EU,
      forecast: forecastInventory(
        [resource("dataset-group", fc(EU, "dataset-group/eu_demand"), "eu_demand")],
        ["predictor"],
      ),
      trailArns: ok([TRAIL]),
      forecastApiEvents: ok({ since: "2026-11-21T08:00:00.000Z", truncated: false, events: [] }),
      macie: { session: ok(null), automatedDiscovery: ok(null), classificationJobs: ok([]) },
    },
  ],
  iam: {
    summary: ok({ accountMfaEnabled: true, accountAccessKeysPresent: false, users: 3 }),
    credentialReport: ok({
      generatedAt: "2026-11-28T08:00:00.000Z",
      rows: [
        {
          user: "<root_account>",
          arn: `arn:aws:iam::${ACCOUNT}:root`,
          passwordEnabled: true,
          passwordLastUsed: "2026-11-18T09:12:00.000Z",
          mfaActive: true,
          accessKey1Active: false,
          accessKey2Active: false,
        },
        {
          user: "maria",
          arn: `arn:aws:iam::${ACCOUNT}:user/maria`,
          passwordEnabled: true,
          passwordLastUsed: "2026-11-27T09:00:00.000Z",
          mfaActive: true,
          accessKey1Active: false,
          accessKey2Active: false,
        },
        {
          user: "forecast-analyst",
          arn: `arn:aws:iam::${ACCOUNT}:user/forecast-analyst`,
          passwordEnabled: true,
          passwordLastUsed: "2026-11-25T15:30:00.000Z",
          mfaActive: false,
          accessKey1Active: true,
          accessKey1LastUsed: "2026-11-27T12:00:00.000Z",
          accessKey2Active: false,
        },
        {
          user: "etl-bot",
          arn: `arn:aws:iam::${ACCOUNT}:user/etl-bot`,
          passwordEnabled: false,
          mfaActive: false,
          accessKey1Active: true,
          accessKey2Active: false,
        },
      ],
    }),
    authorization: ok({
      principals: [
        {
          kind: "user",
          arn: `arn:aws:iam::${ACCOUNT}:user/maria`,
          name: "maria",
          groups: ["Admins"],
          inlinePolicies: [],
          attachedPolicies: [],
        },
        {
          kind: "group",
          arn: `arn:aws:iam::${ACCOUNT}:group/Admins`,
          name: "Admins",
          inlinePolicies: [],
          attachedPolicies: [
            { arn: "arn:aws:iam::aws:policy/AdministratorAccess", name: "AdministratorAccess" },
          ],
        },
        {
          kind: "user",
          arn: `arn:aws:iam::${ACCOUNT}:user/forecast-analyst`,
          name: "forecast-analyst",
          groups: [],
          inlinePolicies: [],
          attachedPolicies: [
            { arn: "arn:aws:iam::aws:policy/AmazonForecastFullAccess", name: "AmazonForecastFullAccess" },
          ],
        },
        {
          kind: "user",
          arn: `arn:aws:iam::${ACCOUNT}:user/etl-bot`,
          name: "etl-bot",
          groups: [],
          inlinePolicies: [],
          attachedPolicies: [],
        },
        scopedRole,
        broadRole,
      ],
      managedPolicies: {},
    }),
  },
  s3: {
    publicAccessBlock: ok(null),
  },
  buckets,
  keys,
  roles,
  trails: {
    [TRAIL]: {
      arn: TRAIL,
      name: "org-audit",
      homeRegion: US,
      isMultiRegion: true,
      isOrganizationTrail: false,
      logFileValidationEnabled: false,
      kmsKeyId: KEY_NO_ROTATION,
      s3BucketName: "acme-cloudtrail-logs",
      status: ok({ isLogging: true }),
      selectors: ok({ managementEvents: "All" }),
    },
  },
};

export function demoInventory(): Inventory {
  return { schemaVersion: 1, collectedAt: "2026-11-28T08:00:00.000Z", accounts: [account] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = new URL("./demo-inventory.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(demoInventory(), null, 2)}\n`);
  process.stdout.write(`wrote ${fileURLToPath(out)}\n`);
}

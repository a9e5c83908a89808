import { ForecastClient, type ForecastClientConfig } from "@aws-sdk/client-forecast";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import pLimit from "p-limit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  collectForecastRegion,
  FORECAST_COLLECTION_PLAN,
  minimumForecastCalls,
  TAG_INDEX_TYPES,
} from "../../src/aws/collectors/forecast.js";
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
  type ForecastResourceType,
} from "../../src/domain/inventory.js";
import {
  type ForecastEmulator,
  type ForecastState,
  seedSyntheticAccount,
  startForecastEmulator,
} from "../support/forecast-emulator/index.js";

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ForecastAccess`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PRESIGNED =
  "s3://data-bucket/prices/p.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request";
const arn = (resource: string) => `arn:aws:forecast:${REGION}:${ACCOUNT}:${resource}`;

function forecastClient(url: string, extra: Partial<ForecastClientConfig> = {}): ForecastClient {
  return new ForecastClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
    ...extra,
  });
}

function collect(client: ForecastClient, concurrency = 8): Promise<ForecastInventory> {
  const limit = pLimit(concurrency);
  return collectForecastRegion(client, { limit: (fn) => limit(fn) });
}

function callCounts(emulator: ForecastEmulator): Record<string, number> {
  return Object.fromEntries(emulator.calls);
}

/** One of everything, some of it well configured and some not. */
function seedMix(state: ForecastState): void {
  const sales = state.createDataset({
    DatasetName: "sales",
    EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
    Tags: [{ Key: "team", Value: "planning" }],
  });
  const prices = state.createDataset({ DatasetName: "prices", DatasetType: "RELATED_TIME_SERIES" });
  const group = state.createDatasetGroup({
    DatasetGroupName: "retail",
    DatasetArns: [sales, prices],
    Tags: [{ Key: "owner", Value: "jane@example.com" }],
  });
  state.createDatasetImportJob({
    DatasetImportJobName: "sales_import",
    DatasetArn: sales,
    DataSource: { S3Config: { Path: "s3://data-bucket/sales/", RoleArn: ROLE, KMSKeyArn: KEY } },
  });
  state.createDatasetImportJob(
    {
      DatasetImportJobName: "prices_import",
      DatasetArn: prices,
      DataSource: { S3Config: { Path: PRESIGNED, RoleArn: ROLE } },
    },
    { status: "CREATE_FAILED", message: "Access denied to the S3 path." },
  );
  const legacy = state.createPredictor({
    PredictorName: "legacy",
    InputDataConfig: { DatasetGroupArn: group },
    EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
  });
  const auto = state.createAutoPredictor({
    PredictorName: "auto",
    DataConfig: { DatasetGroupArn: group },
    MonitorConfig: { MonitorName: "auto_monitor" },
  });
  state.createPredictorBacktestExportJob({
    PredictorBacktestExportJobName: "backtest",
    PredictorArn: legacy,
    Destination: { S3Config: { Path: "s3://exports/backtest/", RoleArn: ROLE, KMSKeyArn: KEY } },
  });
  const forecast = state.createForecast({
    ForecastName: "weekly",
    PredictorArn: auto,
    TimeSeriesSelector: {
      TimeSeriesIdentifiers: {
        DataSource: { S3Config: { Path: "s3://data-bucket/series/", RoleArn: ROLE } },
      },
    },
  });
  state.createForecastExportJob({
    ForecastExportJobName: "weekly_export",
    ForecastArn: forecast,
    Destination: { S3Config: { Path: "s3://exports/weekly/", RoleArn: ROLE } },
  });
  const explainability = state.createExplainability({
    ExplainabilityName: "why",
    ResourceArn: forecast,
    DataSource: { S3Config: { Path: "s3://data-bucket/explain/", RoleArn: ROLE, KMSKeyArn: KEY } },
  });
  state.createExplainabilityExport({
    ExplainabilityExportName: "why_export",
    ExplainabilityArn: explainability,
    Destination: { S3Config: { Path: "s3://exports/why/", RoleArn: ROLE, KMSKeyArn: KEY } },
  });
  const analysis = state.createWhatIfAnalysis({
    WhatIfAnalysisName: "pricing",
    ForecastArn: forecast,
    TimeSeriesSelector: {
      TimeSeriesIdentifiers: { DataSource: { S3Config: { Path: "s3://data-bucket/wia/", RoleArn: ROLE } } },
    },
  });
  const whatIf = state.createWhatIfForecast({
    WhatIfForecastName: "price_up",
    WhatIfAnalysisArn: analysis,
    TimeSeriesReplacementsDataSource: {
      S3Config: { Path: "s3://data-bucket/replace/", RoleArn: ROLE, KMSKeyArn: KEY },
      Schema: { Attributes: [{ AttributeName: "price", AttributeType: "float" }] },
    },
  });
  state.createWhatIfForecastExport({
    WhatIfForecastExportName: "price_up_export",
    WhatIfForecastArns: [whatIf],
    Destination: { S3Config: { Path: "s3://exports/price-up/", RoleArn: ROLE } },
  });
}

const noTags = { ok: true, value: [] } as const;
const config = (value: object) => ({ ok: true, value: { s3: [], ...value } }) as const;
const src = (path: string, kmsKeyArn?: string) => ({
  path,
  roleArn: ROLE,
  usage: "source",
  ...(kmsKeyArn ? { kmsKeyArn } : {}),
});
const dst = (path: string, kmsKeyArn?: string) => ({
  path,
  roleArn: ROLE,
  usage: "destination",
  ...(kmsKeyArn ? { kmsKeyArn } : {}),
});

const EXPECTED_MIX = {
  "dataset-group": [
    {
      type: "dataset-group",
      arn: arn("dataset-group/retail"),
      name: "retail",
      tags: { ok: true, value: [{ key: "owner", value: "jane@example.com" }] },
      config: config({}),
    },
  ],
  dataset: [
    {
      type: "dataset",
      arn: arn("dataset/sales"),
      name: "sales",
      tags: { ok: true, value: [{ key: "team", value: "planning" }] },
      config: config({ kmsKeyArn: KEY, encryptionRoleArn: ROLE }),
    },
    { type: "dataset", arn: arn("dataset/prices"), name: "prices", tags: noTags, config: config({}) },
  ],
  "dataset-import-job": [
    {
      type: "dataset-import-job",
      arn: arn("dataset-import-job/sales/sales_import"),
      name: "sales_import",
      status: "ACTIVE",
      tags: noTags,
      config: config({ s3: [src("s3://data-bucket/sales/", KEY)] }),
    },
    {
      type: "dataset-import-job",
      arn: arn("dataset-import-job/prices/prices_import"),
      name: "prices_import",
      status: "CREATE_FAILED",
      tags: noTags,
      config: config({ s3: [src(PRESIGNED)] }),
    },
  ],
  predictor: [
    {
      type: "predictor",
      arn: arn("predictor/legacy"),
      name: "legacy",
      status: "ACTIVE",
      parentArn: arn("dataset-group/retail"),
      autoPredictor: false,
      tags: noTags,
      config: config({ kmsKeyArn: KEY, encryptionRoleArn: ROLE, isAutoPredictor: false }),
    },
    {
      type: "predictor",
      arn: arn("predictor/auto"),
      name: "auto",
      status: "ACTIVE",
      parentArn: arn("dataset-group/retail"),
      autoPredictor: true,
      tags: noTags,
      config: config({ isAutoPredictor: true }),
    },
  ],
  "predictor-backtest-export-job": [
    {
      type: "predictor-backtest-export-job",
      arn: arn("predictor-backtest-export-job/legacy/backtest"),
      name: "backtest",
      status: "ACTIVE",
      tags: noTags,
      config: config({ s3: [dst("s3://exports/backtest/", KEY)] }),
    },
  ],
  forecast: [
    {
      type: "forecast",
      arn: arn("forecast/weekly"),
      name: "weekly",
      status: "ACTIVE",
      parentArn: arn("predictor/auto"),
      tags: noTags,
      config: config({ s3: [src("s3://data-bucket/series/")] }),
    },
  ],
  "forecast-export-job": [
    {
      type: "forecast-export-job",
      arn: arn("forecast-export-job/weekly/weekly_export"),
      name: "weekly_export",
      status: "ACTIVE",
      tags: noTags,
      config: config({ s3: [dst("s3://exports/weekly/")] }),
    },
  ],
  explainability: [
    {
      type: "explainability",
      arn: arn("explainability/why"),
      name: "why",
      status: "ACTIVE",
      parentArn: arn("forecast/weekly"),
      tags: noTags,
      config: config({ s3: [src("s3://data-bucket/explain/", KEY)] }),
    },
  ],
  "explainability-export": [
    {
      type: "explainability-export",
      arn: arn("explainability-export/why/why_export"),
      name: "why_export",
      status: "ACTIVE",
      tags: noTags,
      config: config({ s3: [dst("s3://exports/why/", KEY)] }),
    },
  ],
  "what-if-analysis": [
    {
      type: "what-if-analysis",
      arn: arn("what-if-analysis/pricing"),
      name: "pricing",
      status: "ACTIVE",
      parentArn: arn("forecast/weekly"),
      tags: noTags,
      config: config({ s3: [src("s3://data-bucket/wia/")] }),
    },
  ],
  "what-if-forecast": [
    {
      type: "what-if-forecast",
      arn: arn("what-if-forecast/pricing/price_up"),
      name: "price_up",
      status: "ACTIVE",
      parentArn: arn("what-if-analysis/pricing"),
      tags: noTags,
      config: config({ s3: [src("s3://data-bucket/replace/", KEY)] }),
    },
  ],
  "what-if-forecast-export": [
    {
      type: "what-if-forecast-export",
      arn: arn("what-if-forecast-export/price_up_export"),
      name: "price_up_export",
      status: "ACTIVE",
      parentArn: arn("what-if-forecast/pricing/price_up"),
      tags: noTags,
      config: config({ s3: [dst("s3://exports/price-up/")] }),
    },
  ],
  monitor: [
    {
      type: "monitor",
      arn: arn("monitor/auto_monitor"),
      name: "auto_monitor",
      status: "ACTIVE",
      parentArn: arn("predictor/auto"),
      tags: noTags,
      config: config({}),
    },
  ],
} satisfies Record<ForecastResourceType, ForecastResource[] | readonly object[]>;

function countsOf(
  expected: Record<ForecastResourceType, readonly unknown[]>,
): Record<ForecastResourceType, number> {
  return Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, expected[t].length])) as Record<
    ForecastResourceType,
    number
  >;
}

describe("Forecast collector against the emulator", () => {
  let emulator: ForecastEmulator;
  let client: ForecastClient;

  beforeAll(async () => {
    emulator = await startForecastEmulator({ accountId: ACCOUNT, region: REGION });
    client = forecastClient(emulator.url);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });
  afterEach(() => emulator.reset());

  it("collects the inventory exactly, in the fewest calls", async () => {
    seedMix(emulator.state);
    const inventory = await collect(client);

    expect(inventory).toEqual(
      Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, { ok: true, value: EXPECTED_MIX[t] }])),
    );
    expect(callCounts(emulator)).toEqual(minimumForecastCalls(countsOf(EXPECTED_MIX), { autoPredictors: 1 }));
    expect(callCounts(emulator)).toMatchObject({
      ListPredictors: 1,
      DescribePredictor: 1,
      DescribeAutoPredictor: 1,
      DescribeDataset: 2,
      ListTagsForResource: 16,
    });
    expect(emulator.calls.has("DescribeDatasetImportJob")).toBe(false);
    expect(emulator.calls.has("DescribeForecastExportJob")).toBe(false);
  });

  it("turns a denied ListPredictors into that slice's error, and still collects the rest", async () => {
    seedMix(emulator.state);
    emulator.setFault("ListPredictors", {
      code: "AccessDeniedException",
      message: "User is not authorized to perform: forecast:ListPredictors",
    });
    const inventory = await collect(client);

    expect(inventory.predictor).toEqual({
      ok: false,
      error: {
        code: "AccessDeniedException",
        message: "User is not authorized to perform: forecast:ListPredictors",
        action: "forecast:ListPredictors",
      },
    });
    for (const type of FORECAST_RESOURCE_TYPES.filter((t) => t !== "predictor")) {
      expect(inventory[type], type).toEqual({ ok: true, value: EXPECTED_MIX[type] });
    }
    // A denial is not retried.
    expect(emulator.calls.get("ListPredictors")).toBe(1);
    expect(emulator.calls.has("DescribePredictor")).toBe(false);
  });

  it("drops a resource that is gone by the time it is described", async () => {
    seedMix(emulator.state);
    emulator.setFault("DescribeDataset", { code: "ResourceNotFoundException", arn: arn("dataset/prices") });
    const inventory = await collect(client);
    expect(inventory.dataset).toEqual({ ok: true, value: [EXPECTED_MIX.dataset[0]] });
  });

  it("collects a synthetic account over many pages in the fewest calls, with the planted problems visible", async () => {
    const account = seedSyntheticAccount(emulator.state, { size: 1500 });
    const inventory = await collect(client, 16);

    const all = FORECAST_RESOURCE_TYPES.flatMap((type) => {
      const slice = inventory[type];
      expect(slice.ok, type).toBe(true);
      return slice.ok ? slice.value : [];
    });
    expect(all).toHaveLength(1500);
    for (const type of FORECAST_RESOURCE_TYPES) {
      const slice = inventory[type];
      expect(slice.ok && slice.value.length, type).toBe(account.counts[type]);
    }
    expect(all.every((r) => r.tags.ok && r.config.ok)).toBe(true);
    expect(callCounts(emulator)).toEqual(
      minimumForecastCalls(account.counts, { autoPredictors: account.autoPredictors }),
    );

    const byArn = new Map(all.map((r) => [r.arn, r]));
    for (const planted of account.insecure.unencrypted) {
      const resource = byArn.get(planted);
      expect(resource?.config.ok && resource.config.value.kmsKeyArn, planted).toBeUndefined();
    }
    for (const planted of account.insecure.credentialPaths) {
      const resource = byArn.get(planted);
      expect(resource?.config.ok && resource.config.value.s3[0]?.path, planted).toContain(
        "X-Amz-Credential=",
      );
    }
    for (const planted of account.insecure.sensitiveTags) {
      const resource = byArn.get(planted);
      expect(resource?.tags.ok && resource.tags.value.some((t) => t.value.endsWith("@example.com"))).toBe(
        true,
      );
    }
    const buckets = new Set(
      all.flatMap((r) => (r.config.ok ? r.config.value.s3.map((l) => new URL(l.path).hostname) : [])),
    );
    expect([...buckets].sort()).toEqual([...account.buckets].sort());
  });
});

describe("Forecast tags through the emulator's GetResources", () => {
  it("reads the same tags as one ListTagsForResource per resource, in ⌈indexed ÷ 100⌉ pages", async () => {
    // Resources an hour old: outside the grace window, so an unlisted one is read as untagged.
    const emulator = await startForecastEmulator({
      accountId: ACCOUNT,
      region: REGION,
      now: () => new Date(Date.now() - 60 * 60 * 1000),
    });
    const client = forecastClient(emulator.url);
    const tagging = new ResourceGroupsTaggingAPIClient({
      endpoint: emulator.url,
      region: REGION,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
    });
    try {
      const account = seedSyntheticAccount(emulator.state, { size: 400 });
      const plain = emulator.state.createDataset({ DatasetName: "untagged" });
      let indexed = 0;
      for (const type of FORECAST_RESOURCE_TYPES) {
        for (const entry of emulator.state.entries(type))
          if (TAG_INDEX_TYPES[type] && entry.everTagged) indexed += 1;
      }
      expect(indexed).toBeGreaterThan(200);

      const perResource = await collect(client);
      emulator.resetCalls();
      const limit = pLimit(8);
      const failures: string[] = [];
      const viaIndex = await collectForecastRegion(client, {
        limit: (fn) => limit(fn),
        tagging,
        onTagIndexFailed: (e) => failures.push(e.code),
      });

      expect(failures).toEqual([]);
      const tagsOf = (inventory: ForecastInventory) =>
        new Map(
          Object.values(inventory).flatMap((slice) =>
            slice.ok ? slice.value.map((r): [string, unknown] => [r.arn, r.tags]) : [],
          ),
        );
      const before = tagsOf(perResource);
      expect(before.size).toBe(account.total + 1);
      expect(tagsOf(viaIndex)).toEqual(before);
      expect(before.get(plain)).toEqual({ ok: true, value: [] });

      const calls = callCounts(emulator);
      expect(calls.GetResources).toBe(Math.ceil(indexed / 100));
      const notIndexed = FORECAST_RESOURCE_TYPES.filter((t) => !TAG_INDEX_TYPES[t]).reduce(
        (n, t) => n + emulator.state.count(t),
        0,
      );
      expect(calls.ListTagsForResource).toBe(notIndexed);
    } finally {
      client.destroy();
      tagging.destroy();
      await emulator.close();
    }
  });
});

describe("Forecast collector under throttling", () => {
  it("still collects everything with adaptive retries when the service throttles", async () => {
    const emulator = await startForecastEmulator({
      accountId: ACCOUNT,
      region: REGION,
      throttle: { ratePerSecond: 50, maxConcurrent: 4 },
    });
    const client = forecastClient(emulator.url, { retryMode: "adaptive", maxAttempts: 10 });
    try {
      const account = seedSyntheticAccount(emulator.state, { size: 150 });
      const inventory = await collect(client, 12);

      for (const type of FORECAST_RESOURCE_TYPES) {
        const slice = inventory[type];
        expect(slice.ok, type).toBe(true);
        if (!slice.ok) continue;
        expect(slice.value, type).toHaveLength(account.counts[type]);
        for (const resource of slice.value) {
          expect(resource.tags.ok, resource.arn).toBe(true);
          expect(resource.config.ok, resource.arn).toBe(true);
        }
      }
      // The test only means something if the service did push back.
      expect(emulator.throttledCalls()).toBeGreaterThan(0);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });

  it("reports throttling that outlives the retries as errors, never as an empty pass", async () => {
    const emulator = await startForecastEmulator({ throttle: { maxConcurrent: 0 } });
    const client = forecastClient(emulator.url, { maxAttempts: 2 });
    try {
      seedMix(emulator.state);
      const inventory = await collect(client);
      for (const type of FORECAST_RESOURCE_TYPES) {
        expect(inventory[type], type).toMatchObject({
          ok: false,
          error: { code: "ThrottlingException", action: `forecast:${FORECAST_COLLECTION_PLAN[type].list}` },
        });
      }
      expect(emulator.totalCalls()).toBe(2 * FORECAST_RESOURCE_TYPES.length);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });
});

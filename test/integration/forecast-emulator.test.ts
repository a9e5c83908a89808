import {
  CreateAutoPredictorCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateExplainabilityCommand,
  CreateExplainabilityExportCommand,
  CreateForecastCommand,
  CreateForecastExportJobCommand,
  CreateMonitorCommand,
  CreatePredictorBacktestExportJobCommand,
  CreatePredictorCommand,
  CreateWhatIfAnalysisCommand,
  CreateWhatIfForecastCommand,
  CreateWhatIfForecastExportCommand,
  DeleteDatasetCommand,
  DeleteForecastExportJobCommand,
  DeletePredictorCommand,
  DescribeAutoPredictorCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeExplainabilityCommand,
  DescribeExplainabilityExportCommand,
  DescribeForecastCommand,
  DescribeForecastExportJobCommand,
  DescribeMonitorCommand,
  DescribePredictorBacktestExportJobCommand,
  DescribePredictorCommand,
  DescribeWhatIfAnalysisCommand,
  DescribeWhatIfForecastCommand,
  DescribeWhatIfForecastExportCommand,
  ForecastClient,
  InvalidInputException,
  InvalidNextTokenException,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListExplainabilitiesCommand,
  ListExplainabilityExportsCommand,
  ListForecastExportJobsCommand,
  ListForecastsCommand,
  ListMonitorsCommand,
  ListPredictorBacktestExportJobsCommand,
  ListPredictorsCommand,
  ListTagsForResourceCommand,
  ListWhatIfAnalysesCommand,
  ListWhatIfForecastExportsCommand,
  ListWhatIfForecastsCommand,
  paginateListDatasets,
  ResourceAlreadyExistsException,
  ResourceInUseException,
  ResourceNotFoundException,
  type S3Config,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-forecast";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FORECAST_RESOURCE_TYPES } from "../../src/domain/inventory.js";
import {
  type ForecastEmulator,
  seedSyntheticAccount,
  startForecastEmulator,
} from "../support/forecast-emulator/index.js";

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const CREATED = new Date("2024-05-01T12:00:00.250Z");
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ForecastAccess`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const s3 = (path: string, withKey = true): S3Config => ({
  Path: path,
  RoleArn: ROLE,
  ...(withKey ? { KMSKeyArn: KEY } : {}),
});
const arn = (resource: string) => `arn:aws:forecast:${REGION}:${ACCOUNT}:${resource}`;

let emulator: ForecastEmulator;
let client: ForecastClient;

beforeAll(async () => {
  emulator = await startForecastEmulator({ accountId: ACCOUNT, region: REGION, now: () => CREATED });
  client = new ForecastClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

beforeEach(() => emulator.reset());

/** Builds one of each resource type through the SDK and returns their ARNs. */
async function createEverything() {
  const dataset = await client.send(
    new CreateDatasetCommand({
      DatasetName: "sales",
      Domain: "RETAIL",
      DatasetType: "TARGET_TIME_SERIES",
      DataFrequency: "D",
      Schema: { Attributes: [{ AttributeName: "item_id", AttributeType: "string" }] },
      EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
      Tags: [{ Key: "team", Value: "planning" }],
    }),
  );
  const group = await client.send(
    new CreateDatasetGroupCommand({
      DatasetGroupName: "retail",
      Domain: "RETAIL",
      DatasetArns: [dataset.DatasetArn ?? ""],
    }),
  );
  const importJob = await client.send(
    new CreateDatasetImportJobCommand({
      DatasetImportJobName: "sales_2024",
      DatasetArn: dataset.DatasetArn,
      DataSource: { S3Config: s3("s3://data-bucket/sales/") },
    }),
  );
  const legacy = await client.send(
    new CreatePredictorCommand({
      PredictorName: "legacy",
      ForecastHorizon: 7,
      PerformAutoML: true,
      InputDataConfig: { DatasetGroupArn: group.DatasetGroupArn },
      FeaturizationConfig: { ForecastFrequency: "D" },
      EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
    }),
  );
  const auto = await client.send(
    new CreateAutoPredictorCommand({
      PredictorName: "auto",
      ForecastHorizon: 14,
      ForecastFrequency: "W",
      DataConfig: { DatasetGroupArn: group.DatasetGroupArn },
      MonitorConfig: { MonitorName: "auto_monitor" },
    }),
  );
  const backtest = await client.send(
    new CreatePredictorBacktestExportJobCommand({
      PredictorBacktestExportJobName: "backtest",
      PredictorArn: legacy.PredictorArn,
      Destination: { S3Config: s3("s3://exports/backtest/") },
    }),
  );
  const forecast = await client.send(
    new CreateForecastCommand({ ForecastName: "weekly", PredictorArn: auto.PredictorArn }),
  );
  const forecastExport = await client.send(
    new CreateForecastExportJobCommand({
      ForecastExportJobName: "weekly_export",
      ForecastArn: forecast.ForecastArn,
      Destination: { S3Config: s3("s3://exports/weekly/", false) },
    }),
  );
  const explainability = await client.send(
    new CreateExplainabilityCommand({
      ExplainabilityName: "why",
      ResourceArn: forecast.ForecastArn,
      ExplainabilityConfig: { TimeSeriesGranularity: "SPECIFIC", TimePointGranularity: "ALL" },
      DataSource: { S3Config: s3("s3://data-bucket/explain/") },
      Schema: { Attributes: [{ AttributeName: "item_id", AttributeType: "string" }] },
    }),
  );
  const explainabilityExport = await client.send(
    new CreateExplainabilityExportCommand({
      ExplainabilityExportName: "why_export",
      ExplainabilityArn: explainability.ExplainabilityArn,
      Destination: { S3Config: s3("s3://exports/why/") },
    }),
  );
  const analysis = await client.send(
    new CreateWhatIfAnalysisCommand({
      WhatIfAnalysisName: "pricing",
      ForecastArn: forecast.ForecastArn,
      TimeSeriesSelector: {
        TimeSeriesIdentifiers: { DataSource: { S3Config: s3("s3://data-bucket/series/") }, Format: "CSV" },
      },
    }),
  );
  const whatIf = await client.send(
    new CreateWhatIfForecastCommand({
      WhatIfForecastName: "price_up",
      WhatIfAnalysisArn: analysis.WhatIfAnalysisArn,
      TimeSeriesReplacementsDataSource: {
        S3Config: s3("s3://data-bucket/replacements/"),
        Schema: { Attributes: [{ AttributeName: "price", AttributeType: "float" }] },
      },
    }),
  );
  const whatIfExport = await client.send(
    new CreateWhatIfForecastExportCommand({
      WhatIfForecastExportName: "price_up_export",
      WhatIfForecastArns: [whatIf.WhatIfForecastArn ?? ""],
      Destination: { S3Config: s3("s3://exports/price-up/") },
    }),
  );
  const auto2 = await client.send(
    new CreateAutoPredictorCommand({
      PredictorName: "auto2",
      DataConfig: { DatasetGroupArn: group.DatasetGroupArn },
    }),
  );
  const monitor = await client.send(
    new CreateMonitorCommand({ MonitorName: "auto2_monitor", ResourceArn: auto2.PredictorArn }),
  );
  return {
    dataset: dataset.DatasetArn,
    group: group.DatasetGroupArn,
    importJob: importJob.DatasetImportJobArn,
    legacy: legacy.PredictorArn,
    auto: auto.PredictorArn,
    auto2: auto2.PredictorArn,
    backtest: backtest.PredictorBacktestExportJobArn,
    forecast: forecast.ForecastArn,
    forecastExport: forecastExport.ForecastExportJobArn,
    explainability: explainability.ExplainabilityArn,
    explainabilityExport: explainabilityExport.ExplainabilityExportArn,
    analysis: analysis.WhatIfAnalysisArn,
    whatIf: whatIf.WhatIfForecastArn,
    whatIfExport: whatIfExport.WhatIfForecastExportArn,
    monitor: monitor.MonitorArn,
  };
}

describe("Forecast emulator through the real SDK", () => {
  it("creates every resource type with the ARN formats Forecast uses", async () => {
    const arns = await createEverything();
    expect(arns).toEqual({
      dataset: arn("dataset/sales"),
      group: arn("dataset-group/retail"),
      importJob: arn("dataset-import-job/sales/sales_2024"),
      legacy: arn("predictor/legacy"),
      auto: arn("predictor/auto"),
      auto2: arn("predictor/auto2"),
      backtest: arn("predictor-backtest-export-job/legacy/backtest"),
      forecast: arn("forecast/weekly"),
      forecastExport: arn("forecast-export-job/weekly/weekly_export"),
      explainability: arn("explainability/why"),
      explainabilityExport: arn("explainability-export/why/why_export"),
      analysis: arn("what-if-analysis/pricing"),
      whatIf: arn("what-if-forecast/pricing/price_up"),
      whatIfExport: arn("what-if-forecast-export/price_up_export"),
      monitor: arn("monitor/auto2_monitor"),
    });
    for (const type of FORECAST_RESOURCE_TYPES) expect(emulator.state.count(type)).toBeGreaterThan(0);
  });

  it("describes each resource with its configuration and timestamps as dates", async () => {
    const a = await createEverything();
    const dataset = await client.send(new DescribeDatasetCommand({ DatasetArn: a.dataset }));
    expect(dataset).toMatchObject({
      DatasetName: "sales",
      DatasetType: "TARGET_TIME_SERIES",
      EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
      Status: "ACTIVE",
      CreationTime: CREATED,
    });
    expect(dataset.CreationTime).toBeInstanceOf(Date);

    const group = await client.send(new DescribeDatasetGroupCommand({ DatasetGroupArn: a.group }));
    expect(group).toMatchObject({ DatasetArns: [a.dataset], Domain: "RETAIL", Status: "ACTIVE" });

    const importJob = await client.send(
      new DescribeDatasetImportJobCommand({ DatasetImportJobArn: a.importJob }),
    );
    expect(importJob).toMatchObject({
      DatasetArn: a.dataset,
      DataSource: { S3Config: s3("s3://data-bucket/sales/") },
    });

    const legacy = await client.send(new DescribePredictorCommand({ PredictorArn: a.legacy }));
    expect(legacy).toMatchObject({
      IsAutoPredictor: false,
      EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE },
      InputDataConfig: { DatasetGroupArn: a.group },
      DatasetImportJobArns: [a.importJob],
    });

    const auto = await client.send(new DescribeAutoPredictorCommand({ PredictorArn: a.auto }));
    expect(auto.EncryptionConfig).toBeUndefined();
    expect(auto).toMatchObject({
      DataConfig: { DatasetGroupArn: a.group },
      ForecastFrequency: "W",
      MonitorInfo: { MonitorArn: arn("monitor/auto_monitor"), Status: "ACTIVE" },
    });

    expect(
      await client.send(
        new DescribePredictorBacktestExportJobCommand({ PredictorBacktestExportJobArn: a.backtest }),
      ),
    ).toMatchObject({ PredictorArn: a.legacy, Destination: { S3Config: s3("s3://exports/backtest/") } });
    expect(await client.send(new DescribeForecastCommand({ ForecastArn: a.forecast }))).toMatchObject({
      PredictorArn: a.auto,
      DatasetGroupArn: a.group,
    });
    const forecastExport = await client.send(
      new DescribeForecastExportJobCommand({ ForecastExportJobArn: a.forecastExport }),
    );
    expect(forecastExport.Destination?.S3Config).toEqual(s3("s3://exports/weekly/", false));
    expect(
      await client.send(new DescribeExplainabilityCommand({ ExplainabilityArn: a.explainability })),
    ).toMatchObject({ ResourceArn: a.forecast, DataSource: { S3Config: s3("s3://data-bucket/explain/") } });
    expect(
      await client.send(
        new DescribeExplainabilityExportCommand({ ExplainabilityExportArn: a.explainabilityExport }),
      ),
    ).toMatchObject({
      ExplainabilityArn: a.explainability,
      Destination: { S3Config: s3("s3://exports/why/") },
    });
    expect(
      await client.send(new DescribeWhatIfAnalysisCommand({ WhatIfAnalysisArn: a.analysis })),
    ).toMatchObject({
      ForecastArn: a.forecast,
      TimeSeriesSelector: {
        TimeSeriesIdentifiers: { DataSource: { S3Config: s3("s3://data-bucket/series/") } },
      },
    });
    expect(
      await client.send(new DescribeWhatIfForecastCommand({ WhatIfForecastArn: a.whatIf })),
    ).toMatchObject({
      WhatIfAnalysisArn: a.analysis,
      TimeSeriesReplacementsDataSource: { S3Config: s3("s3://data-bucket/replacements/") },
    });
    expect(
      await client.send(new DescribeWhatIfForecastExportCommand({ WhatIfForecastExportArn: a.whatIfExport })),
    ).toMatchObject({
      WhatIfForecastArns: [a.whatIf],
      Destination: { S3Config: s3("s3://exports/price-up/") },
    });
    expect(await client.send(new DescribeMonitorCommand({ MonitorArn: a.monitor }))).toMatchObject({
      ResourceArn: a.auto2,
      Status: "ACTIVE",
    });
  });

  it("lists every type with the summary fields the SDK models", async () => {
    const a = await createEverything();
    const groups = await client.send(new ListDatasetGroupsCommand({}));
    expect(groups.DatasetGroups).toEqual([
      {
        DatasetGroupArn: a.group,
        DatasetGroupName: "retail",
        CreationTime: CREATED,
        LastModificationTime: CREATED,
      },
    ]);
    expect((await client.send(new ListDatasetsCommand({}))).Datasets).toEqual([
      {
        DatasetArn: a.dataset,
        DatasetName: "sales",
        DatasetType: "TARGET_TIME_SERIES",
        Domain: "RETAIL",
        CreationTime: CREATED,
        LastModificationTime: CREATED,
      },
    ]);
    const imports = await client.send(new ListDatasetImportJobsCommand({}));
    expect(imports.DatasetImportJobs?.[0]).toMatchObject({
      DatasetImportJobArn: a.importJob,
      DataSource: { S3Config: s3("s3://data-bucket/sales/") },
      Status: "ACTIVE",
    });
    const predictors = (await client.send(new ListPredictorsCommand({}))).Predictors ?? [];
    expect(predictors.map((p) => [p.PredictorName, p.IsAutoPredictor, p.DatasetGroupArn])).toEqual([
      ["legacy", false, a.group],
      ["auto", true, a.group],
      ["auto2", true, a.group],
    ]);
    const backtests = await client.send(new ListPredictorBacktestExportJobsCommand({}));
    expect(backtests.PredictorBacktestExportJobs?.[0]?.Destination?.S3Config).toEqual(
      s3("s3://exports/backtest/"),
    );
    const forecasts = await client.send(new ListForecastsCommand({}));
    expect(forecasts.Forecasts?.[0]).toMatchObject({ PredictorArn: a.auto, CreatedUsingAutoPredictor: true });
    const exports = await client.send(new ListForecastExportJobsCommand({}));
    expect(exports.ForecastExportJobs?.[0]?.Destination?.S3Config).toEqual(s3("s3://exports/weekly/", false));
    const explainabilities = await client.send(new ListExplainabilitiesCommand({}));
    expect(explainabilities.Explainabilities?.[0]).toMatchObject({ ResourceArn: a.forecast });
    expect(explainabilities.Explainabilities?.[0]).not.toHaveProperty("DataSource");
    const explainabilityExports = await client.send(new ListExplainabilityExportsCommand({}));
    expect(explainabilityExports.ExplainabilityExports?.[0]?.Destination?.S3Config).toEqual(
      s3("s3://exports/why/"),
    );
    const analyses = await client.send(new ListWhatIfAnalysesCommand({}));
    expect(analyses.WhatIfAnalyses?.[0]).toMatchObject({ ForecastArn: a.forecast });
    expect(analyses.WhatIfAnalyses?.[0]).not.toHaveProperty("TimeSeriesSelector");
    const whatIfs = await client.send(new ListWhatIfForecastsCommand({}));
    expect(whatIfs.WhatIfForecasts?.[0]).toMatchObject({ WhatIfAnalysisArn: a.analysis });
    const whatIfExports = await client.send(new ListWhatIfForecastExportsCommand({}));
    expect(whatIfExports.WhatIfForecastExports?.[0]).toMatchObject({
      WhatIfForecastArns: [a.whatIf],
      Destination: { S3Config: s3("s3://exports/price-up/") },
    });
    const monitors = await client.send(new ListMonitorsCommand({}));
    expect(monitors.Monitors?.map((m) => m.ResourceArn)).toEqual([a.auto, a.auto2]);
  });

  it("tags, lists tags and untags every resource type", async () => {
    const arns = Object.values(await createEverything());
    for (const resourceArn of arns) {
      await client.send(
        new TagResourceCommand({
          ResourceArn: resourceArn,
          Tags: [
            { Key: "owner", Value: "a@example.com" },
            { Key: "cost-center", Value: "42" },
          ],
        }),
      );
      await client.send(new UntagResourceCommand({ ResourceArn: resourceArn, TagKeys: ["owner"] }));
      const tags = await client.send(new ListTagsForResourceCommand({ ResourceArn: resourceArn }));
      const expected = resourceArn === arn("dataset/sales") ? [{ Key: "team", Value: "planning" }] : [];
      expect(tags.Tags).toEqual([...expected, { Key: "cost-center", Value: "42" }]);
    }
    await expect(
      client.send(
        new TagResourceCommand({ ResourceArn: arn("dataset/sales"), Tags: [{ Key: "aws:x", Value: "y" }] }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it("answers Forecast's errors as the SDK's exception classes", async () => {
    const a = await createEverything();
    await expect(
      client.send(new DescribeDatasetCommand({ DatasetArn: arn("dataset/nope") })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new CreateDatasetGroupCommand({ DatasetGroupName: "retail", Domain: "RETAIL" })),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    await expect(client.send(new DescribePredictorCommand({ PredictorArn: a.auto }))).rejects.toBeInstanceOf(
      InvalidInputException,
    );
    await expect(
      client.send(new DescribeAutoPredictorCommand({ PredictorArn: a.legacy })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    await expect(client.send(new DeletePredictorCommand({ PredictorArn: a.legacy }))).rejects.toBeInstanceOf(
      ResourceInUseException,
    );
    await expect(
      client.send(
        new CreateDatasetCommand({
          DatasetName: "bad-name",
          Domain: "RETAIL",
          DatasetType: "TARGET_TIME_SERIES",
          Schema: {},
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputException);

    await client.send(new DeleteForecastExportJobCommand({ ForecastExportJobArn: a.forecastExport }));
    await expect(
      client.send(new DescribeForecastExportJobCommand({ ForecastExportJobArn: a.forecastExport })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("deletes a dataset out of its dataset groups once nothing depends on it", async () => {
    const state = emulator.state;
    const dataset = state.createDataset({ DatasetName: "lonely" });
    const group = state.createDatasetGroup({ DatasetGroupName: "g", DatasetArns: [dataset] });
    await client.send(new DeleteDatasetCommand({ DatasetArn: dataset }));
    expect(
      (await client.send(new DescribeDatasetGroupCommand({ DatasetGroupArn: group }))).DatasetArns,
    ).toEqual([]);
  });

  it("pages with NextToken and MaxResults, 100 by default", async () => {
    for (let i = 0; i < 250; i += 1) emulator.state.createDataset({ DatasetName: `d${i}` });
    const first = await client.send(new ListDatasetsCommand({}));
    expect(first.Datasets).toHaveLength(100);
    expect(first.NextToken).toBeTypeOf("string");
    const small = await client.send(new ListDatasetsCommand({ MaxResults: 7, NextToken: first.NextToken }));
    expect(small.Datasets?.map((d) => d.DatasetName)).toEqual([
      "d100",
      "d101",
      "d102",
      "d103",
      "d104",
      "d105",
      "d106",
    ]);

    const names: string[] = [];
    emulator.resetCalls();
    for await (const page of paginateListDatasets({ client }, {})) {
      names.push(...(page.Datasets ?? []).map((d) => d.DatasetName ?? ""));
    }
    expect(names).toEqual(Array.from({ length: 250 }, (_, i) => `d${i}`));
    expect(emulator.calls.get("ListDatasets")).toBe(3);

    await expect(client.send(new ListDatasetsCommand({ NextToken: "garbage" }))).rejects.toBeInstanceOf(
      InvalidNextTokenException,
    );
    await expect(
      client.send(new ListDatasetGroupsCommand({ NextToken: first.NextToken })),
    ).rejects.toBeInstanceOf(InvalidNextTokenException);
  });

  it("filters list results", async () => {
    const a = await createEverything();
    const other = emulator.state.createDataset({ DatasetName: "other" });
    emulator.state.createDatasetImportJob({
      DatasetImportJobName: "other_import",
      DatasetArn: other,
      DataSource: { S3Config: s3("s3://data-bucket/other/") },
    });
    const filtered = await client.send(
      new ListDatasetImportJobsCommand({
        Filters: [{ Key: "DatasetArn", Value: a.dataset, Condition: "IS" }],
      }),
    );
    expect(filtered.DatasetImportJobs?.map((j) => j.DatasetImportJobArn)).toEqual([a.importJob]);
  });

  it("injects faults by operation, for a number of calls, and for one ARN", async () => {
    const dataset = emulator.state.createDataset({ DatasetName: "d" });
    const other = emulator.state.createDataset({ DatasetName: "e" });
    emulator.setFault("ListPredictors", { code: "AccessDeniedException", message: "denied", times: 1 });
    const denied = await client.send(new ListPredictorsCommand({})).catch((error: unknown) => error);
    expect(denied).toMatchObject({
      name: "AccessDeniedException",
      message: "denied",
      $metadata: { httpStatusCode: 400 },
    });
    expect((await client.send(new ListPredictorsCommand({}))).Predictors).toEqual([]);

    emulator.setFault("DescribeDataset", { code: "ResourceNotFoundException", arn: other });
    await expect(client.send(new DescribeDatasetCommand({ DatasetArn: other }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await client.send(new DescribeDatasetCommand({ DatasetArn: dataset }))).DatasetName).toBe("d");
    expect(emulator.calls.get("ListPredictors")).toBe(2);
    expect(emulator.calls.get("DescribeDataset")).toBe(2);
    expect(emulator.totalCalls()).toBe(4);
  });

  it("restores the start-up faults on reset", async () => {
    const faulty = await startForecastEmulator({
      faults: { ListDatasets: { code: "InternalServerError", status: 500 } },
    });
    const c = new ForecastClient({
      endpoint: faulty.url,
      region: REGION,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      await expect(c.send(new ListDatasetsCommand({}))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 500 },
      });
      faulty.setFault("ListDatasets", undefined);
      expect((await c.send(new ListDatasetsCommand({}))).Datasets).toEqual([]);
      faulty.reset();
      await expect(c.send(new ListDatasetsCommand({}))).rejects.toMatchObject({
        name: "InternalServerError",
      });
    } finally {
      c.destroy();
      await faulty.close();
    }
  });

  it("throttles beyond the configured rate or concurrency with ThrottlingException", async () => {
    const limited = await startForecastEmulator({ throttle: { ratePerSecond: 0.001 } });
    const closed = await startForecastEmulator({ throttle: { maxConcurrent: 0 } });
    const make = (url: string) =>
      new ForecastClient({
        endpoint: url,
        region: REGION,
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" },
        maxAttempts: 1,
      });
    const [c1, c2] = [make(limited.url), make(closed.url)];
    try {
      expect((await c1.send(new ListDatasetsCommand({}))).Datasets).toEqual([]);
      await expect(c1.send(new ListDatasetsCommand({}))).rejects.toMatchObject({
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
      expect(limited.throttledCalls()).toBe(1);
      await expect(c2.send(new ListDatasetsCommand({}))).rejects.toMatchObject({
        name: "ThrottlingException",
      });
      expect(closed.throttledCalls()).toBe(1);
    } finally {
      c1.destroy();
      c2.destroy();
      await limited.close();
      await closed.close();
    }
  });
});

describe("seedSyntheticAccount", () => {
  it("creates exactly the requested number of resources, of every type, with planted problems", async () => {
    const account = seedSyntheticAccount(emulator.state, { size: 600 });
    expect(account.total).toBe(600);
    expect(emulator.state.count()).toBe(600);
    for (const type of FORECAST_RESOURCE_TYPES) expect(account.counts[type], type).toBeGreaterThan(0);
    expect(Object.values(account.counts).reduce((a, b) => a + b, 0)).toBe(600);
    expect(account.autoPredictors).toBeGreaterThan(0);
    expect(account.autoPredictors).toBeLessThan(account.counts.predictor);
    expect(account.buckets.length).toBeGreaterThanOrEqual(2);
    expect(account.buckets.length).toBeLessThanOrEqual(12);
    expect(account.keyArns.every((k) => k.startsWith(`arn:aws:kms:${REGION}:${ACCOUNT}:key/`))).toBe(true);
    expect(account.roleArns.every((r) => r.startsWith(`arn:aws:iam::${ACCOUNT}:role/`))).toBe(true);
    for (const planted of Object.values(account.insecure)) expect(planted.length).toBeGreaterThan(0);

    const [credentialArn] = account.insecure.credentialPaths;
    const job = await client.send(
      new DescribeDatasetImportJobCommand({ DatasetImportJobArn: credentialArn }),
    );
    expect(job.DataSource?.S3Config?.Path).toContain("X-Amz-Credential=");
    const [taggedArn] = account.insecure.sensitiveTags;
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceArn: taggedArn }));
    expect(tags.Tags?.some((t) => /@example\.com$/.test(t.Value ?? ""))).toBe(true);

    const listed = await client.send(new ListPredictorsCommand({}));
    expect(listed.Predictors).toHaveLength(account.counts.predictor);
    expect(listed.Predictors?.filter((p) => p.IsAutoPredictor)).toHaveLength(account.autoPredictors);
  });

  it("seeds 10,000 resources without HTTP", () => {
    const account = seedSyntheticAccount(emulator.state, { size: 10_000 });
    expect(emulator.state.count()).toBe(10_000);
    expect(account.buckets.length).toBeLessThanOrEqual(12);
    expect(account.keyArns.length).toBeLessThanOrEqual(6);
  });
});

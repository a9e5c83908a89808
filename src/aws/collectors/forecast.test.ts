import {
  DescribeAutoPredictorCommand,
  DescribeDatasetCommand,
  DescribeExplainabilityCommand,
  DescribeForecastCommand,
  DescribePredictorCommand,
  DescribeWhatIfAnalysisCommand,
  DescribeWhatIfForecastCommand,
  ForecastClient,
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
  ResourceNotFoundException,
} from "@aws-sdk/client-forecast";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
} from "../../domain/inventory.js";
import {
  collectForecastRegion,
  FORECAST_AUDIT_ACTIONS,
  FORECAST_COLLECTION_PLAN,
  minimumForecastCalls,
} from "./forecast.js";

const forecast = mockClient(ForecastClient);
const client = new ForecastClient({ region: "us-east-1" });
const P = "arn:aws:forecast:us-east-1:111122223333";
const ROLE = "arn:aws:iam::111122223333:role/ForecastAccess";
const KEY = "arn:aws:kms:us-east-1:111122223333:key/k1";

/** Counts calls through the limiter and how many ran at once, so the tests see that every call used it. */
function countingLimit() {
  const state = { calls: 0, active: 0, peak: 0 };
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    state.calls += 1;
    state.active += 1;
    state.peak = Math.max(state.peak, state.active);
    try {
      return await fn();
    } finally {
      state.active -= 1;
    }
  };
  return { limit, state };
}

function awsError(name: string, message = name) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

const collect = (onProgress?: (done: number, total: number) => void) =>
  collectForecastRegion(client, { limit: countingLimit().limit, ...(onProgress ? { onProgress } : {}) });

function resources(inventory: ForecastInventory, type: keyof ForecastInventory): ForecastResource[] {
  const slice = inventory[type];
  if (!slice.ok) throw new Error(`${type} failed: ${slice.error.code}`);
  return slice.value;
}

/** Every List* answers empty and every resource has no tags, unless a test says otherwise. */
function emptyAccount() {
  for (const command of [
    ListDatasetGroupsCommand,
    ListDatasetsCommand,
    ListDatasetImportJobsCommand,
    ListPredictorsCommand,
    ListPredictorBacktestExportJobsCommand,
    ListForecastsCommand,
    ListForecastExportJobsCommand,
    ListExplainabilitiesCommand,
    ListExplainabilityExportsCommand,
    ListWhatIfAnalysesCommand,
    ListWhatIfForecastsCommand,
    ListWhatIfForecastExportsCommand,
    ListMonitorsCommand,
  ] as const) {
    forecast.on(command).resolves({});
  }
  forecast.on(ListTagsForResourceCommand).resolves({ Tags: [] });
}

beforeEach(() => {
  forecast.reset();
  emptyAccount();
});

describe("collectForecastRegion", () => {
  it("returns an empty, successful slice for every type of an empty region", async () => {
    const inventory = await collect();
    expect(Object.keys(inventory).sort()).toEqual([...FORECAST_RESOURCE_TYPES].sort());
    for (const type of FORECAST_RESOURCE_TYPES) expect(inventory[type]).toEqual({ ok: true, value: [] });
    expect(forecast.calls()).toHaveLength(13);
  });

  it("follows NextToken through every page with the maximum page size", async () => {
    forecast.on(ListDatasetGroupsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
      expect(input.MaxResults).toBe(100);
      const page = input.NextToken === undefined ? 0 : Number(input.NextToken);
      return {
        DatasetGroups: [{ DatasetGroupArn: `${P}:dataset-group/g${page}`, DatasetGroupName: `g${page}` }],
        ...(page < 2 ? { NextToken: String(page + 1) } : {}),
      };
    });
    const inventory = await collect();
    expect(resources(inventory, "dataset-group").map((r) => r.name)).toEqual(["g0", "g1", "g2"]);
    expect(forecast.commandCalls(ListDatasetGroupsCommand)).toHaveLength(3);
    expect(resources(inventory, "dataset-group")[0]).toEqual({
      type: "dataset-group",
      arn: `${P}:dataset-group/g0`,
      name: "g0",
      tags: { ok: true, value: [] },
      config: { ok: true, value: { s3: [] } },
    });
  });

  it("fails a type whose list is denied, and only that type", async () => {
    forecast.on(ListPredictorsCommand).rejects(awsError("AccessDeniedException", "not allowed"));
    forecast
      .on(ListDatasetGroupsCommand)
      .resolves({ DatasetGroups: [{ DatasetGroupArn: `${P}:dataset-group/g` }] });
    const inventory = await collect();
    expect(inventory.predictor).toEqual({
      ok: false,
      error: { code: "AccessDeniedException", message: "not allowed", action: "forecast:ListPredictors" },
    });
    expect(resources(inventory, "dataset-group")).toHaveLength(1);
    for (const type of FORECAST_RESOURCE_TYPES.filter((t) => t !== "predictor"))
      expect(inventory[type].ok).toBe(true);
  });

  it("fails the whole type when a later page fails, rather than report a partial list", async () => {
    forecast
      .on(ListDatasetsCommand)
      .resolvesOnce({ Datasets: [{ DatasetArn: `${P}:dataset/a`, DatasetName: "a" }], NextToken: "t" })
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"));
    forecast.on(DescribeDatasetCommand).resolves({});
    const inventory = await collect();
    expect(inventory.dataset).toEqual({
      ok: false,
      error: { code: "ThrottlingException", message: "Rate exceeded", action: "forecast:ListDatasets" },
    });
  });

  it("turns a throttled describe into that resource's failed config, not a throw and not a pass", async () => {
    forecast.on(ListDatasetsCommand).resolves({
      Datasets: [
        { DatasetArn: `${P}:dataset/a`, DatasetName: "a" },
        { DatasetArn: `${P}:dataset/b`, DatasetName: "b" },
      ],
    });
    forecast
      .on(DescribeDatasetCommand, { DatasetArn: `${P}:dataset/a` })
      .rejects(awsError("ThrottlingException", "Rate exceeded"))
      .on(DescribeDatasetCommand, { DatasetArn: `${P}:dataset/b` })
      .resolves({ EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE } });
    const [a, b] = resources(await collect(), "dataset");
    expect(a?.config).toEqual({
      ok: false,
      error: { code: "ThrottlingException", message: "Rate exceeded", action: "forecast:DescribeDataset" },
    });
    expect(a?.tags).toEqual({ ok: true, value: [] });
    expect(b?.config).toEqual({ ok: true, value: { kmsKeyArn: KEY, encryptionRoleArn: ROLE, s3: [] } });
  });

  it("drops a resource deleted between the list and its describe or tags", async () => {
    forecast.on(ListDatasetsCommand).resolves({
      Datasets: [
        { DatasetArn: `${P}:dataset/gone`, DatasetName: "gone" },
        { DatasetArn: `${P}:dataset/kept`, DatasetName: "kept" },
      ],
    });
    forecast
      .on(DescribeDatasetCommand, { DatasetArn: `${P}:dataset/gone` })
      .rejects(new ResourceNotFoundException({ message: "No resource found", $metadata: {} }))
      .on(DescribeDatasetCommand, { DatasetArn: `${P}:dataset/kept` })
      .resolves({});
    forecast
      .on(ListMonitorsCommand)
      .resolves({ Monitors: [{ MonitorArn: `${P}:monitor/m`, MonitorName: "m" }] });
    forecast
      .on(ListTagsForResourceCommand, { ResourceArn: `${P}:monitor/m` })
      .rejects(new ResourceNotFoundException({ message: "No resource found", $metadata: {} }));
    const inventory = await collect();
    expect(resources(inventory, "dataset").map((r) => r.name)).toEqual(["kept"]);
    expect(resources(inventory, "monitor")).toEqual([]);
  });

  it("keeps a resource whose tags could not be read, with a failed tags slice", async () => {
    forecast
      .on(ListDatasetGroupsCommand)
      .resolves({ DatasetGroups: [{ DatasetGroupArn: `${P}:dataset-group/g` }] });
    forecast.on(ListTagsForResourceCommand).rejects(awsError("AccessDeniedException", "no tags for you"));
    const [group] = resources(await collect(), "dataset-group");
    expect(group?.name).toBe("g");
    expect(group?.tags).toEqual({
      ok: false,
      error: {
        code: "AccessDeniedException",
        message: "no tags for you",
        action: "forecast:ListTagsForResource",
      },
    });
    expect(group?.config).toEqual({ ok: true, value: { s3: [] } });
  });

  it("reads tags as key/value pairs", async () => {
    forecast
      .on(ListDatasetGroupsCommand)
      .resolves({ DatasetGroups: [{ DatasetGroupArn: `${P}:dataset-group/g` }] });
    forecast.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: "owner", Value: "a@example.com" }] });
    const [group] = resources(await collect(), "dataset-group");
    expect(group?.tags).toEqual({ ok: true, value: [{ key: "owner", value: "a@example.com" }] });
  });

  it("describes only the types whose summary lacks the config, with the right predictor call", async () => {
    const s3 = (path: string, key?: string) => ({
      S3Config: { Path: path, RoleArn: ROLE, ...(key ? { KMSKeyArn: key } : {}) },
    });
    forecast
      .on(ListDatasetGroupsCommand)
      .resolves({ DatasetGroups: [{ DatasetGroupArn: `${P}:dataset-group/g` }] });
    forecast.on(ListDatasetsCommand).resolves({ Datasets: [{ DatasetArn: `${P}:dataset/d` }] });
    forecast.on(ListDatasetImportJobsCommand).resolves({
      DatasetImportJobs: [
        {
          DatasetImportJobArn: `${P}:dataset-import-job/d/i`,
          Status: "ACTIVE",
          DataSource: s3("s3://in/x", KEY),
        },
      ],
    });
    forecast.on(ListPredictorsCommand).resolves({
      Predictors: [
        {
          PredictorArn: `${P}:predictor/legacy`,
          IsAutoPredictor: false,
          DatasetGroupArn: `${P}:dataset-group/g`,
        },
        {
          PredictorArn: `${P}:predictor/auto1`,
          IsAutoPredictor: true,
          DatasetGroupArn: `${P}:dataset-group/g`,
        },
        {
          PredictorArn: `${P}:predictor/auto2`,
          IsAutoPredictor: true,
          DatasetGroupArn: `${P}:dataset-group/g`,
        },
      ],
    });
    forecast.on(ListPredictorBacktestExportJobsCommand).resolves({
      PredictorBacktestExportJobs: [
        {
          PredictorBacktestExportJobArn: `${P}:predictor-backtest-export-job/legacy/b`,
          Destination: s3("s3://out/b"),
        },
      ],
    });
    forecast.on(ListForecastsCommand).resolves({
      Forecasts: [{ ForecastArn: `${P}:forecast/f`, PredictorArn: `${P}:predictor/auto1` }],
    });
    forecast.on(ListForecastExportJobsCommand).resolves({
      ForecastExportJobs: [
        { ForecastExportJobArn: `${P}:forecast-export-job/f/e`, Destination: s3("s3://out/f", KEY) },
      ],
    });
    forecast.on(ListExplainabilitiesCommand).resolves({
      Explainabilities: [{ ExplainabilityArn: `${P}:explainability/x`, ResourceArn: `${P}:forecast/f` }],
    });
    forecast.on(ListExplainabilityExportsCommand).resolves({
      ExplainabilityExports: [
        { ExplainabilityExportArn: `${P}:explainability-export/x/e`, Destination: s3("s3://out/x") },
      ],
    });
    forecast.on(ListWhatIfAnalysesCommand).resolves({
      WhatIfAnalyses: [{ WhatIfAnalysisArn: `${P}:what-if-analysis/w`, ForecastArn: `${P}:forecast/f` }],
    });
    forecast.on(ListWhatIfForecastsCommand).resolves({
      WhatIfForecasts: [
        { WhatIfForecastArn: `${P}:what-if-forecast/w/v`, WhatIfAnalysisArn: `${P}:what-if-analysis/w` },
      ],
    });
    forecast.on(ListWhatIfForecastExportsCommand).resolves({
      WhatIfForecastExports: [
        {
          WhatIfForecastExportArn: `${P}:what-if-forecast-export/e`,
          WhatIfForecastArns: [`${P}:what-if-forecast/w/v`],
          Destination: s3("s3://out/w"),
        },
      ],
    });
    forecast.on(ListMonitorsCommand).resolves({
      Monitors: [{ MonitorArn: `${P}:monitor/m`, ResourceArn: `${P}:predictor/auto1` }],
    });
    forecast.on(DescribeDatasetCommand).resolves({ EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE } });
    forecast.on(DescribePredictorCommand).resolves({ EncryptionConfig: { KMSKeyArn: KEY, RoleArn: ROLE } });
    forecast.on(DescribeAutoPredictorCommand).resolves({});
    forecast.on(DescribeForecastCommand).resolves({
      TimeSeriesSelector: { TimeSeriesIdentifiers: { DataSource: s3("s3://in/series") } },
    });
    forecast.on(DescribeExplainabilityCommand).resolves({ DataSource: s3("s3://in/explain") });
    forecast.on(DescribeWhatIfAnalysisCommand).resolves({
      TimeSeriesSelector: { TimeSeriesIdentifiers: { DataSource: s3("s3://in/wia") } },
    });
    forecast.on(DescribeWhatIfForecastCommand).resolves({
      TimeSeriesReplacementsDataSource: { ...s3("s3://in/replace", KEY), Schema: {} },
    });

    const { limit, state } = countingLimit();
    const inventory = await collectForecastRegion(client, { limit });

    const counts: Record<string, number> = {};
    for (const call of forecast.calls()) {
      const name = call.args[0].constructor.name.replace(/Command$/, "");
      counts[name] = (counts[name] ?? 0) + 1;
    }
    const oneOfEach = Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, 1]));
    expect(counts).toEqual(minimumForecastCalls({ ...oneOfEach, predictor: 3 }, { autoPredictors: 2 }));
    expect(counts).toEqual({
      ListDatasetGroups: 1,
      ListDatasets: 1,
      ListDatasetImportJobs: 1,
      ListPredictors: 1,
      ListPredictorBacktestExportJobs: 1,
      ListForecasts: 1,
      ListForecastExportJobs: 1,
      ListExplainabilities: 1,
      ListExplainabilityExports: 1,
      ListWhatIfAnalyses: 1,
      ListWhatIfForecasts: 1,
      ListWhatIfForecastExports: 1,
      ListMonitors: 1,
      DescribeDataset: 1,
      DescribePredictor: 1,
      DescribeAutoPredictor: 2,
      DescribeForecast: 1,
      DescribeExplainability: 1,
      DescribeWhatIfAnalysis: 1,
      DescribeWhatIfForecast: 1,
      ListTagsForResource: 15,
    });
    expect(state.calls).toBe(forecast.calls().length);

    const config = (type: keyof ForecastInventory) => resources(inventory, type).map((r) => r.config);
    const src = (path: string, key?: string) => ({
      path,
      roleArn: ROLE,
      usage: "source",
      ...(key ? { kmsKeyArn: key } : {}),
    });
    const dst = (path: string, key?: string) => ({
      path,
      roleArn: ROLE,
      usage: "destination",
      ...(key ? { kmsKeyArn: key } : {}),
    });
    expect(config("dataset")).toEqual([
      { ok: true, value: { kmsKeyArn: KEY, encryptionRoleArn: ROLE, s3: [] } },
    ]);
    expect(config("dataset-import-job")).toEqual([{ ok: true, value: { s3: [src("s3://in/x", KEY)] } }]);
    expect(config("predictor")).toEqual([
      { ok: true, value: { kmsKeyArn: KEY, encryptionRoleArn: ROLE, s3: [], isAutoPredictor: false } },
      { ok: true, value: { s3: [], isAutoPredictor: true } },
      { ok: true, value: { s3: [], isAutoPredictor: true } },
    ]);
    expect(config("predictor-backtest-export-job")).toEqual([
      { ok: true, value: { s3: [dst("s3://out/b")] } },
    ]);
    expect(config("forecast")).toEqual([{ ok: true, value: { s3: [src("s3://in/series")] } }]);
    expect(config("forecast-export-job")).toEqual([{ ok: true, value: { s3: [dst("s3://out/f", KEY)] } }]);
    expect(config("explainability")).toEqual([{ ok: true, value: { s3: [src("s3://in/explain")] } }]);
    expect(config("explainability-export")).toEqual([{ ok: true, value: { s3: [dst("s3://out/x")] } }]);
    expect(config("what-if-analysis")).toEqual([{ ok: true, value: { s3: [src("s3://in/wia")] } }]);
    expect(config("what-if-forecast")).toEqual([{ ok: true, value: { s3: [src("s3://in/replace", KEY)] } }]);
    expect(config("what-if-forecast-export")).toEqual([{ ok: true, value: { s3: [dst("s3://out/w")] } }]);
    expect(config("monitor")).toEqual([{ ok: true, value: { s3: [] } }]);

    const parents = (type: keyof ForecastInventory) => resources(inventory, type).map((r) => r.parentArn);
    expect(parents("predictor")).toEqual(Array(3).fill(`${P}:dataset-group/g`));
    expect(parents("forecast")).toEqual([`${P}:predictor/auto1`]);
    expect(parents("explainability")).toEqual([`${P}:forecast/f`]);
    expect(parents("what-if-analysis")).toEqual([`${P}:forecast/f`]);
    expect(parents("what-if-forecast")).toEqual([`${P}:what-if-analysis/w`]);
    expect(parents("what-if-forecast-export")).toEqual([`${P}:what-if-forecast/w/v`]);
    expect(parents("monitor")).toEqual([`${P}:predictor/auto1`]);
    expect(parents("dataset-import-job")).toEqual([undefined]);
    expect(resources(inventory, "dataset-import-job")[0]?.status).toBe("ACTIVE");
    // A name missing from a summary falls back to the last part of its ARN.
    expect(resources(inventory, "dataset-import-job")[0]?.name).toBe("i");
  });

  it("reports progress up to every listed resource", async () => {
    forecast.on(ListDatasetGroupsCommand).resolves({
      DatasetGroups: [
        { DatasetGroupArn: `${P}:dataset-group/a` },
        { DatasetGroupArn: `${P}:dataset-group/b` },
      ],
    });
    forecast.on(ListMonitorsCommand).resolves({ Monitors: [{ MonitorArn: `${P}:monitor/m` }] });
    const seen: [number, number][] = [];
    await collect((done, total) => seen.push([done, total]));
    expect(seen.at(-1)).toEqual([3, 3]);
    expect(seen.every(([done, total]) => done <= total)).toBe(true);
  });

  it("stops on a NextToken that repeats, with an error for that type", async () => {
    forecast.on(ListMonitorsCommand).resolves({ Monitors: [], NextToken: "same" });
    const inventory = await collect();
    expect(inventory.monitor).toMatchObject({
      ok: false,
      error: { code: "PaginationLoop", action: "forecast:ListMonitors" },
    });
    expect(forecast.commandCalls(ListMonitorsCommand)).toHaveLength(2);
  });

  it("gives every call an abort signal when timeoutMs is set, and reports the abort as a Timeout", async () => {
    forecast
      .on(ListMonitorsCommand)
      .rejects(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }));
    const inventory = await collectForecastRegion(client, {
      limit: countingLimit().limit,
      timeoutMs: 60_000,
    });
    expect(inventory.monitor).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "forecast:ListMonitors" },
    });
    const args: readonly unknown[] = forecast.commandCalls(ListMonitorsCommand)[0]?.args ?? [];
    const options = args[1];
    expect((options as { abortSignal?: unknown }).abortSignal).toBeInstanceOf(AbortSignal);
  });
});

describe("the collection plan as data", () => {
  it("lists every action the collector calls, once", () => {
    expect([...FORECAST_AUDIT_ACTIONS].sort()).toEqual(
      [
        "forecast:DescribeAutoPredictor",
        "forecast:DescribeDataset",
        "forecast:DescribeExplainability",
        "forecast:DescribeForecast",
        "forecast:DescribePredictor",
        "forecast:DescribeWhatIfAnalysis",
        "forecast:DescribeWhatIfForecast",
        "forecast:ListDatasetGroups",
        "forecast:ListDatasetImportJobs",
        "forecast:ListDatasets",
        "forecast:ListExplainabilities",
        "forecast:ListExplainabilityExports",
        "forecast:ListForecastExportJobs",
        "forecast:ListForecasts",
        "forecast:ListMonitors",
        "forecast:ListPredictorBacktestExportJobs",
        "forecast:ListPredictors",
        "forecast:ListTagsForResource",
        "forecast:ListWhatIfAnalyses",
        "forecast:ListWhatIfForecastExports",
        "forecast:ListWhatIfForecasts",
      ].sort(),
    );
    expect(Object.keys(FORECAST_COLLECTION_PLAN).sort()).toEqual([...FORECAST_RESOURCE_TYPES].sort());
  });

  it("computes the floor of calls from resource counts", () => {
    expect(minimumForecastCalls({})).toMatchObject({ ListDatasets: 1, ListMonitors: 1 });
    expect(minimumForecastCalls({}).ListTagsForResource).toBeUndefined();
    const calls = minimumForecastCalls(
      { dataset: 250, predictor: 100, monitor: 100 },
      { autoPredictors: 60 },
    );
    expect(calls).toMatchObject({
      ListDatasets: 3,
      DescribeDataset: 250,
      ListPredictors: 1,
      DescribePredictor: 40,
      DescribeAutoPredictor: 60,
      ListMonitors: 1,
      ListTagsForResource: 450,
    });
    expect(calls.DescribeMonitor).toBeUndefined();
  });
});

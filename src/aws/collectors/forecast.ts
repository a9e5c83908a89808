/**
 * Collects the Forecast resources of one region into `ForecastInventory`: one paginated `List*` per type, a
 * `Describe*` only where the list summary lacks what the controls read, and `ListTagsForResource` per resource.
 *
 * Calls per resource type (n resources of the type, pages = max(1, ⌈n / 100⌉)) — the floor the benchmark counts:
 *
 * | type                          | list (pages)                    | describe (per resource)                        | why the describe                              |
 * |-------------------------------|---------------------------------|------------------------------------------------|-----------------------------------------------|
 * | dataset-group                 | ListDatasetGroups               | —                                              |                                               |
 * | dataset                       | ListDatasets                    | DescribeDataset                                | `EncryptionConfig`                            |
 * | dataset-import-job            | ListDatasetImportJobs           | — (summary carries `DataSource`)               |                                               |
 * | predictor                     | ListPredictors                  | DescribePredictor / DescribeAutoPredictor      | `EncryptionConfig`; by summary `IsAutoPredictor` |
 * | predictor-backtest-export-job | ListPredictorBacktestExportJobs | — (summary carries `Destination`)              |                                               |
 * | forecast                      | ListForecasts                   | DescribeForecast                               | `TimeSeriesSelector…DataSource` (an S3 input) |
 * | forecast-export-job           | ListForecastExportJobs          | — (summary carries `Destination`)              |                                               |
 * | explainability                | ListExplainabilities            | DescribeExplainability                         | `DataSource`                                  |
 * | explainability-export         | ListExplainabilityExports       | — (summary carries `Destination`)              |                                               |
 * | what-if-analysis              | ListWhatIfAnalyses              | DescribeWhatIfAnalysis                         | `TimeSeriesSelector…DataSource`               |
 * | what-if-forecast              | ListWhatIfForecasts             | DescribeWhatIfForecast                         | `TimeSeriesReplacementsDataSource`            |
 * | what-if-forecast-export       | ListWhatIfForecastExports       | — (summary carries `Destination`)              |                                               |
 * | monitor                       | ListMonitors                    | —                                              |                                               |
 *
 * plus one `ListTagsForResource` per resource of every type. `parentArn` is set only where the summary names
 * the parent (predictor → dataset group, forecast → predictor, explainability → its resource, what-if analysis →
 * forecast, what-if forecast → analysis, what-if export → its first what-if forecast, monitor → predictor).
 *
 * Every call goes through the caller's limiter and `attempt`, so nothing throws: a failed list fails that type's
 * slice, a failed describe or tag read fails that resource's slice, and a resource that is gone by the time it is
 * described (`ResourceNotFoundException`) is dropped. Pages are worked off as they arrive — the next page is
 * listed while the current one is described — so at most two pages per type are in flight at any time.
 */
import {
  type DataDestination,
  type DataSource,
  DescribeAutoPredictorCommand,
  DescribeDatasetCommand,
  DescribeExplainabilityCommand,
  DescribeForecastCommand,
  DescribePredictorCommand,
  DescribeWhatIfAnalysisCommand,
  DescribeWhatIfForecastCommand,
  type EncryptionConfig,
  type ForecastClient,
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
  type S3Config,
} from "@aws-sdk/client-forecast";
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
  type ForecastResourceConfig,
  type ForecastResourceType,
  type S3Location,
  type Tag,
} from "../../domain/inventory.js";
import { failed, ok, type Slice } from "../../domain/result.js";
import { attempt } from "../errors.js";
import type { Limit } from "./limit.js";

export interface ForecastCollectOptions {
  /** The caller's concurrency limiter; every AWS call runs inside it, with the signal it hands out. */
  limit: Limit;
  /** Resources finished (`done`) out of resources listed so far (`total`, which grows as pages arrive). */
  onProgress?: (done: number, total: number) => void;
  /** Aborts one call (with its SDK retries) after this long; it becomes a `Timeout` error. Unset: no limit. */
  timeoutMs?: number;
}

/** Page size of every `List*` call (the API's maximum). */
export const FORECAST_PAGE_SIZE = 100;

/** The operations each type costs, as data: the IAM policy, the docs and the benchmark's floor read this. */
export const FORECAST_COLLECTION_PLAN: Readonly<
  Record<ForecastResourceType, { list: string; describe: readonly string[] }>
> = {
  "dataset-group": { list: "ListDatasetGroups", describe: [] },
  dataset: { list: "ListDatasets", describe: ["DescribeDataset"] },
  "dataset-import-job": { list: "ListDatasetImportJobs", describe: [] },
  predictor: { list: "ListPredictors", describe: ["DescribePredictor", "DescribeAutoPredictor"] },
  "predictor-backtest-export-job": { list: "ListPredictorBacktestExportJobs", describe: [] },
  forecast: { list: "ListForecasts", describe: ["DescribeForecast"] },
  "forecast-export-job": { list: "ListForecastExportJobs", describe: [] },
  explainability: { list: "ListExplainabilities", describe: ["DescribeExplainability"] },
  "explainability-export": { list: "ListExplainabilityExports", describe: [] },
  "what-if-analysis": { list: "ListWhatIfAnalyses", describe: ["DescribeWhatIfAnalysis"] },
  "what-if-forecast": { list: "ListWhatIfForecasts", describe: ["DescribeWhatIfForecast"] },
  "what-if-forecast-export": { list: "ListWhatIfForecastExports", describe: [] },
  monitor: { list: "ListMonitors", describe: [] },
};

export const FORECAST_TAGS_OPERATION = "ListTagsForResource";

/** Every IAM action the Forecast collector needs, as `forecast:Action`. */
export const FORECAST_AUDIT_ACTIONS: readonly string[] = [
  ...new Set(Object.values(FORECAST_COLLECTION_PLAN).flatMap((plan) => [plan.list, ...plan.describe])).add(
    FORECAST_TAGS_OPERATION,
  ),
].map((operation) => `forecast:${operation}`);

/**
 * The fewest calls, by operation, that collecting a region with these resources takes (no retries).
 * `autoPredictors` is how many of the predictors are auto predictors (they take `DescribeAutoPredictor`).
 */
export function minimumForecastCalls(
  counts: Partial<Record<ForecastResourceType, number>>,
  options: { autoPredictors?: number; pageSize?: number } = {},
): Record<string, number> {
  const pageSize = options.pageSize ?? FORECAST_PAGE_SIZE;
  const calls: Record<string, number> = {};
  const add = (operation: string, n: number) => {
    if (n > 0) calls[operation] = (calls[operation] ?? 0) + n;
  };
  for (const type of FORECAST_RESOURCE_TYPES) {
    const n = counts[type] ?? 0;
    const plan = FORECAST_COLLECTION_PLAN[type];
    add(plan.list, Math.max(1, Math.ceil(n / pageSize)));
    if (type === "predictor") {
      const auto = Math.min(n, options.autoPredictors ?? 0);
      add("DescribePredictor", n - auto);
      add("DescribeAutoPredictor", auto);
    } else {
      for (const operation of plan.describe) add(operation, n);
    }
    add(FORECAST_TAGS_OPERATION, n);
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------------

type Send = { abortSignal?: AbortSignal };

/** How to fetch a resource's config when its summary lacks it. Holds only the ARN, not the summary. */
interface Describe {
  action: string;
  run: (client: ForecastClient, send: Send) => Promise<ForecastResourceConfig>;
}

interface Listed {
  arn: string;
  name: string;
  status?: string | undefined;
  parentArn?: string | undefined;
  autoPredictor?: boolean | undefined;
  config: ForecastResourceConfig | Describe;
}

interface Page {
  items: Listed[];
  next?: string | undefined;
}

interface TypeCollector {
  type: ForecastResourceType;
  page: (client: ForecastClient, token: string | undefined, send: Send) => Promise<Page>;
}

function locations(config: S3Config | undefined, usage: S3Location["usage"]): S3Location[] {
  if (!config?.Path) return [];
  const location: S3Location = { path: config.Path, roleArn: config.RoleArn ?? "", usage };
  if (config.KMSKeyArn) location.kmsKeyArn = config.KMSKeyArn;
  return [location];
}

const source = (data: DataSource | undefined): ForecastResourceConfig => ({
  s3: locations(data?.S3Config, "source"),
});
const destination = (data: DataDestination | undefined): ForecastResourceConfig => ({
  s3: locations(data?.S3Config, "destination"),
});

function encrypted(config: EncryptionConfig | undefined, isAutoPredictor?: boolean): ForecastResourceConfig {
  const out: ForecastResourceConfig = { s3: [] };
  if (config?.KMSKeyArn) out.kmsKeyArn = config.KMSKeyArn;
  if (config?.RoleArn) out.encryptionRoleArn = config.RoleArn;
  if (isAutoPredictor !== undefined) out.isAutoPredictor = isAutoPredictor;
  return out;
}

function listed(
  arn: string | undefined,
  name: string | undefined,
  status: string | undefined,
  parentArn: string | undefined,
  config: ForecastResourceConfig | Describe,
): Listed[] {
  return arn ? [{ arn, name: name ?? arn.slice(arn.lastIndexOf("/") + 1), status, parentArn, config }] : [];
}

const NO_CONFIG: ForecastResourceConfig = { s3: [] };

const COLLECTORS: readonly TypeCollector[] = [
  {
    type: "dataset-group",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListDatasetGroupsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.DatasetGroups ?? []).flatMap((s) =>
          listed(s.DatasetGroupArn, s.DatasetGroupName, undefined, undefined, NO_CONFIG),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "dataset",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListDatasetsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.Datasets ?? []).flatMap((s) =>
          listed(s.DatasetArn, s.DatasetName, undefined, undefined, {
            action: "forecast:DescribeDataset",
            run: async (c, o) =>
              encrypted(
                (await c.send(new DescribeDatasetCommand({ DatasetArn: s.DatasetArn }), o)).EncryptionConfig,
              ),
          }),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "dataset-import-job",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListDatasetImportJobsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.DatasetImportJobs ?? []).flatMap((s) =>
          listed(s.DatasetImportJobArn, s.DatasetImportJobName, s.Status, undefined, source(s.DataSource)),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "predictor",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListPredictorsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.Predictors ?? []).flatMap((s) => {
          const PredictorArn = s.PredictorArn;
          // Each Describe answers for its own kind of predictor only, so the summary's flag picks the call.
          const describe: Describe =
            s.IsAutoPredictor === true
              ? {
                  action: "forecast:DescribeAutoPredictor",
                  run: async (c, o) =>
                    encrypted(
                      (await c.send(new DescribeAutoPredictorCommand({ PredictorArn }), o)).EncryptionConfig,
                      true,
                    ),
                }
              : {
                  action: "forecast:DescribePredictor",
                  run: async (c, o) =>
                    encrypted(
                      (await c.send(new DescribePredictorCommand({ PredictorArn }), o)).EncryptionConfig,
                      false,
                    ),
                };
          return listed(PredictorArn, s.PredictorName, s.Status, s.DatasetGroupArn, describe).map((item) => ({
            ...item,
            autoPredictor: s.IsAutoPredictor === true,
          }));
        }),
        next: out.NextToken,
      };
    },
  },
  {
    type: "predictor-backtest-export-job",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListPredictorBacktestExportJobsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.PredictorBacktestExportJobs ?? []).flatMap((s) =>
          listed(
            s.PredictorBacktestExportJobArn,
            s.PredictorBacktestExportJobName,
            s.Status,
            undefined,
            destination(s.Destination),
          ),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "forecast",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListForecastsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.Forecasts ?? []).flatMap((s) =>
          listed(s.ForecastArn, s.ForecastName, s.Status, s.PredictorArn, {
            action: "forecast:DescribeForecast",
            run: async (c, o) => {
              const d = await c.send(new DescribeForecastCommand({ ForecastArn: s.ForecastArn }), o);
              return source(d.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource);
            },
          }),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "forecast-export-job",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListForecastExportJobsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.ForecastExportJobs ?? []).flatMap((s) =>
          listed(
            s.ForecastExportJobArn,
            s.ForecastExportJobName,
            s.Status,
            undefined,
            destination(s.Destination),
          ),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "explainability",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListExplainabilitiesCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.Explainabilities ?? []).flatMap((s) =>
          listed(s.ExplainabilityArn, s.ExplainabilityName, s.Status, s.ResourceArn, {
            action: "forecast:DescribeExplainability",
            run: async (c, o) =>
              source(
                (
                  await c.send(
                    new DescribeExplainabilityCommand({ ExplainabilityArn: s.ExplainabilityArn }),
                    o,
                  )
                ).DataSource,
              ),
          }),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "explainability-export",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListExplainabilityExportsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.ExplainabilityExports ?? []).flatMap((s) =>
          listed(
            s.ExplainabilityExportArn,
            s.ExplainabilityExportName,
            s.Status,
            undefined,
            destination(s.Destination),
          ),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "what-if-analysis",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListWhatIfAnalysesCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.WhatIfAnalyses ?? []).flatMap((s) =>
          listed(s.WhatIfAnalysisArn, s.WhatIfAnalysisName, s.Status, s.ForecastArn, {
            action: "forecast:DescribeWhatIfAnalysis",
            run: async (c, o) => {
              const d = await c.send(
                new DescribeWhatIfAnalysisCommand({ WhatIfAnalysisArn: s.WhatIfAnalysisArn }),
                o,
              );
              return source(d.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource);
            },
          }),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "what-if-forecast",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListWhatIfForecastsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.WhatIfForecasts ?? []).flatMap((s) =>
          listed(s.WhatIfForecastArn, s.WhatIfForecastName, s.Status, s.WhatIfAnalysisArn, {
            action: "forecast:DescribeWhatIfForecast",
            run: async (c, o) => {
              const d = await c.send(
                new DescribeWhatIfForecastCommand({ WhatIfForecastArn: s.WhatIfForecastArn }),
                o,
              );
              return { s3: locations(d.TimeSeriesReplacementsDataSource?.S3Config, "source") };
            },
          }),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "what-if-forecast-export",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListWhatIfForecastExportsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.WhatIfForecastExports ?? []).flatMap((s) =>
          listed(
            s.WhatIfForecastExportArn,
            s.WhatIfForecastExportName,
            s.Status,
            s.WhatIfForecastArns?.[0],
            destination(s.Destination),
          ),
        ),
        next: out.NextToken,
      };
    },
  },
  {
    type: "monitor",
    page: async (client, NextToken, send) => {
      const out = await client.send(
        new ListMonitorsCommand({ NextToken, MaxResults: FORECAST_PAGE_SIZE }),
        send,
      );
      return {
        items: (out.Monitors ?? []).flatMap((s) =>
          listed(s.MonitorArn, s.MonitorName, s.Status, s.ResourceArn, NO_CONFIG),
        ),
        next: out.NextToken,
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------

const GONE = "ResourceNotFoundException";

function isGone(slice: Slice<unknown>): boolean {
  return !slice.ok && slice.error.code === GONE;
}

export async function collectForecastRegion(
  client: ForecastClient,
  options: ForecastCollectOptions,
): Promise<ForecastInventory> {
  let done = 0;
  let total = 0;
  const progress = () => options.onProgress?.(done, total);

  const call = <T>(action: string, fn: (send: Send) => Promise<T>): Promise<Slice<T>> =>
    attempt(action, () =>
      options.limit((signal) => {
        const signals = [
          ...(signal ? [signal] : []),
          ...(options.timeoutMs === undefined ? [] : [AbortSignal.timeout(options.timeoutMs)]),
        ];
        return fn(signals.length === 0 ? {} : { abortSignal: AbortSignal.any(signals) });
      }),
    );

  const finish = async (item: Listed, type: ForecastResourceType): Promise<ForecastResource | undefined> => {
    const tagsCall = call("forecast:ListTagsForResource", async (send) => {
      const out = await client.send(new ListTagsForResourceCommand({ ResourceArn: item.arn }), send);
      return (out.Tags ?? []).map((t): Tag => ({ key: t.Key ?? "", value: t.Value ?? "" }));
    });
    const { config: how } = item;
    const configCall: Promise<Slice<ForecastResourceConfig>> =
      "action" in how ? call(how.action, (send) => how.run(client, send)) : Promise.resolve(ok(how));
    const [tags, config] = await Promise.all([tagsCall, configCall]);
    done += 1;
    progress();
    // Deleted between the list and these calls: it is no longer part of the account.
    if (isGone(tags) || isGone(config)) return undefined;
    const resource: ForecastResource = { type, arn: item.arn, name: item.name, tags, config };
    if (item.status !== undefined) resource.status = item.status;
    if (item.parentArn !== undefined) resource.parentArn = item.parentArn;
    if (item.autoPredictor !== undefined) resource.autoPredictor = item.autoPredictor;
    return resource;
  };

  const collectType = async (collector: TypeCollector): Promise<Slice<ForecastResource[]>> => {
    const { type } = collector;
    const action = `forecast:${FORECAST_COLLECTION_PLAN[type].list}`;
    const resources: ForecastResource[] = [];
    let finishing: Promise<void> = Promise.resolve();
    let token: string | undefined;
    do {
      const previous: string | undefined = token;
      const page = await call(action, (send) => collector.page(client, previous, send));
      await finishing;
      if (!page.ok) return failed(page.error);
      const { items, next } = page.value;
      total += items.length;
      progress();
      finishing = Promise.all(items.map((item) => finish(item, type))).then((finished) => {
        for (const resource of finished) if (resource) resources.push(resource);
      });
      if (next !== undefined && next === previous) {
        await finishing;
        return failed({
          code: "PaginationLoop",
          message: `${action} returned the same NextToken twice.`,
          action,
        });
      }
      token = next;
    } while (token);
    await finishing;
    return ok(resources);
  };

  const slices = await Promise.all(COLLECTORS.map(collectType));
  return Object.fromEntries(COLLECTORS.map((c, i) => [c.type, slices[i]])) as ForecastInventory;
}

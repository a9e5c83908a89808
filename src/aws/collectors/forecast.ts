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
 * plus the tags: one `ListTagsForResource` per resource of every type, except that when the caller hands over a
 * Resource Groups Tagging API client, the seven types of `TAG_INDEX_TYPES` take their tags from paginated
 * `GetResources` (100 a page) under the rule of `tagSource`, falling back to `ListTagsForResource`.
 * `parentArn` is set only where the summary names
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
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
  type ForecastResourceConfig,
  type ForecastResourceType,
  type S3Location,
  type Tag,
} from "../../domain/inventory.js";
import { type CollectError, failed, ok, type Slice } from "../../domain/result.js";
import { attempt } from "../errors.js";
import type { Limit, LimitOptions } from "./limit.js";

export interface ForecastCollectOptions {
  /** The caller's concurrency limiter; every AWS call runs inside it, with the signal it hands out. */
  limit: Limit;
  /** Resources finished (`done`) out of resources listed so far (`total`, which grows as pages arrive). */
  onProgress?: (done: number, total: number) => void;
  /** Aborts one call (with its SDK retries) after this long; it becomes a `Timeout` error. Unset: no limit. */
  timeoutMs?: number;
  /**
   * The region's Resource Groups Tagging API client. Given: the tags of the types in `TAG_INDEX_TYPES` come
   * from paginated `GetResources` under the rule of `tagSource`. Unset: every resource's tags are read with
   * `ListTagsForResource`.
   */
  tagging?: ResourceGroupsTaggingAPIClient;
  /** Called once when `GetResources` fails (denied, throttled out, timed out …); tags then fall back per resource. */
  onTagIndexFailed?: (error: CollectError) => void;
  /** The clock that decides whether a resource is recent (`TAG_INDEX_GRACE_MS`); default `Date.now`. */
  now?: () => number;
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

/**
 * The Forecast types that the Resource Groups Tagging API indexes (AWS's list of resource types supported by
 * Resource Explorer / the Tagging API names exactly these seven), with their `ResourceTypeFilters` strings.
 * The what-if types, explainabilities and monitors are not indexed and always take `ListTagsForResource`.
 */
export const TAG_INDEX_TYPES: Readonly<Partial<Record<ForecastResourceType, string>>> = {
  dataset: "forecast:dataset",
  "dataset-group": "forecast:dataset-group",
  "dataset-import-job": "forecast:dataset-import-job",
  forecast: "forecast:forecast",
  "forecast-export-job": "forecast:forecast-export-job",
  predictor: "forecast:predictor",
  "predictor-backtest-export-job": "forecast:predictor-backtest-export-job",
};

/** `ResourcesPerPage` of `GetResources` (the API's maximum). */
export const TAG_INDEX_PAGE_SIZE = 100;

/**
 * A resource of an indexed type that `GetResources` did not list, created less than this long ago (or with no
 * `CreationTime` in its summary), still has its tags read with `ListTagsForResource`: the Tagging API's index
 * is eventually consistent, and a resource created with tags moments ago may not be in it yet.
 */
export const TAG_INDEX_GRACE_MS = 15 * 60 * 1000;

export const TAG_INDEX_OPERATION = "GetResources";

/** The IAM action `GetResources` needs (the Tagging API's actions are in the `tag` namespace). */
export const TAG_INDEX_ACTION = "tag:GetResources";

/** Every IAM action the Forecast collector needs, as `forecast:Action`. */
export const FORECAST_AUDIT_ACTIONS: readonly string[] = [
  ...new Set(Object.values(FORECAST_COLLECTION_PLAN).flatMap((plan) => [plan.list, ...plan.describe])).add(
    FORECAST_TAGS_OPERATION,
  ),
].map((operation) => `forecast:${operation}`);

/**
 * The fewest calls, by operation, that collecting a region with these resources takes (no retries).
 * `autoPredictors` is how many of the predictors are auto predictors (they take `DescribeAutoPredictor`).
 * With `tagIndex`, the tags of the indexed types come from `GetResources`: `indexed` is how many resources it
 * lists (max(1, ⌈indexed / 100⌉) pages), and no indexed-type resource takes `ListTagsForResource` (the floor
 * assumes every listed-but-untagged resource is older than the grace window).
 */
export function minimumForecastCalls(
  counts: Partial<Record<ForecastResourceType, number>>,
  options: { autoPredictors?: number; pageSize?: number; tagIndex?: { indexed: number } } = {},
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
    if (!(options.tagIndex && TAG_INDEX_TYPES[type])) add(FORECAST_TAGS_OPERATION, n);
  }
  if (options.tagIndex) {
    add(TAG_INDEX_OPERATION, Math.max(1, Math.ceil(options.tagIndex.indexed / TAG_INDEX_PAGE_SIZE)));
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
  /** The summary's `CreationTime`, where it has one (decides the tag-index grace window). */
  created?: Date | undefined;
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
  created?: Date | undefined,
): Listed[] {
  return arn
    ? [{ arn, name: name ?? arn.slice(arn.lastIndexOf("/") + 1), status, parentArn, config, created }]
    : [];
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
          listed(s.DatasetGroupArn, s.DatasetGroupName, undefined, undefined, NO_CONFIG, s.CreationTime),
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
          listed(
            s.DatasetArn,
            s.DatasetName,
            undefined,
            undefined,
            {
              action: "forecast:DescribeDataset",
              run: async (c, o) =>
                encrypted(
                  (await c.send(new DescribeDatasetCommand({ DatasetArn: s.DatasetArn }), o))
                    .EncryptionConfig,
                ),
            },
            s.CreationTime,
          ),
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
          listed(
            s.DatasetImportJobArn,
            s.DatasetImportJobName,
            s.Status,
            undefined,
            source(s.DataSource),
            s.CreationTime,
          ),
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
          return listed(
            PredictorArn,
            s.PredictorName,
            s.Status,
            s.DatasetGroupArn,
            describe,
            s.CreationTime,
          ).map((item) => ({
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
            s.CreationTime,
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
          listed(
            s.ForecastArn,
            s.ForecastName,
            s.Status,
            s.PredictorArn,
            {
              action: "forecast:DescribeForecast",
              run: async (c, o) => {
                const d = await c.send(new DescribeForecastCommand({ ForecastArn: s.ForecastArn }), o);
                return source(d.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource);
              },
            },
            s.CreationTime,
          ),
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
            s.CreationTime,
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
// Tags through the Resource Groups Tagging API

/** Tags by ARN of every indexed-type resource `GetResources` listed, read to the last page. */
export type TagIndex = ReadonlyMap<string, Tag[]>;

const URGENT: LimitOptions = { urgent: true };

type Call = <T>(action: string, fn: (send: Send) => Promise<T>, options?: LimitOptions) => Promise<Slice<T>>;

/**
 * Every page of `GetResources` for the seven indexed types, 100 resources a page. A failed page fails the
 * whole index (a partial index could hide a tagged resource), and so does a pagination token that repeats.
 */
async function readTagIndex(tagging: ResourceGroupsTaggingAPIClient, call: Call): Promise<Slice<TagIndex>> {
  const index = new Map<string, Tag[]>();
  const ResourceTypeFilters = Object.values(TAG_INDEX_TYPES).filter((t): t is string => t !== undefined);
  let token: string | undefined;
  do {
    const previous: string | undefined = token;
    // Urgent: every resource of an indexed type waits for the whole index, one page after the other.
    const page = await call(
      TAG_INDEX_ACTION,
      (send) =>
        tagging.send(
          new GetResourcesCommand({
            ResourceTypeFilters,
            ResourcesPerPage: TAG_INDEX_PAGE_SIZE,
            ...(previous ? { PaginationToken: previous } : {}),
          }),
          send,
        ),
      URGENT,
    );
    if (!page.ok) return failed(page.error);
    for (const mapping of page.value.ResourceTagMappingList ?? []) {
      if (!mapping.ResourceARN) continue;
      index.set(
        mapping.ResourceARN,
        (mapping.Tags ?? []).map((t): Tag => ({ key: t.Key ?? "", value: t.Value ?? "" })),
      );
    }
    // The API ends with an empty token, not an absent one.
    const next = page.value.PaginationToken || undefined;
    if (next !== undefined && next === previous) {
      return failed({
        code: "PaginationLoop",
        message: `${TAG_INDEX_ACTION} returned the same PaginationToken twice.`,
        action: TAG_INDEX_ACTION,
      });
    }
    token = next;
  } while (token);
  return ok(index);
}

/**
 * Where the tags of a resource of an indexed type come from — the whole rule:
 * - no complete index (no tagging client, or any `GetResources` page failed): `ListTagsForResource`;
 * - listed in the index: the index's tags;
 * - not listed, and created `TAG_INDEX_GRACE_MS` ago or more: no tags (`GetResources` lists every resource
 *   that is or was tagged);
 * - not listed, created within the grace window or with no `CreationTime`: `ListTagsForResource`, since the
 *   index may not have caught up with a resource created with tags moments ago.
 */
export function tagSource(
  index: TagIndex | undefined,
  item: { arn: string; created?: Date | undefined },
  nowMs: number,
): { from: "index"; tags: Tag[] } | { from: "resource" } {
  if (index === undefined) return { from: "resource" };
  const tags = index.get(item.arn);
  if (tags !== undefined) return { from: "index", tags };
  if (item.created === undefined || nowMs - item.created.getTime() < TAG_INDEX_GRACE_MS) {
    return { from: "resource" };
  }
  return { from: "index", tags: [] };
}

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

  const call = <T>(action: string, fn: (send: Send) => Promise<T>, how?: LimitOptions): Promise<Slice<T>> =>
    attempt(action, () =>
      options.limit((signal) => {
        const signals = [
          ...(signal ? [signal] : []),
          ...(options.timeoutMs === undefined ? [] : [AbortSignal.timeout(options.timeoutMs)]),
        ];
        return fn(signals.length === 0 ? {} : { abortSignal: AbortSignal.any(signals) });
      }, how),
    );

  const now = options.now ?? Date.now;
  // Started before any listing, so its pages run alongside the lists; every indexed-type resource waits for it.
  const tagIndex: Promise<TagIndex | undefined> = options.tagging
    ? readTagIndex(options.tagging, call).then((index) => {
        if (index.ok) return index.value;
        options.onTagIndexFailed?.(index.error);
        return undefined;
      })
    : Promise.resolve(undefined);

  const listTags = (item: Listed): Promise<Slice<Tag[]>> =>
    call("forecast:ListTagsForResource", async (send) => {
      const out = await client.send(new ListTagsForResourceCommand({ ResourceArn: item.arn }), send);
      return (out.Tags ?? []).map((t): Tag => ({ key: t.Key ?? "", value: t.Value ?? "" }));
    });

  const readTags = async (item: Listed, type: ForecastResourceType): Promise<Slice<Tag[]>> => {
    if (!TAG_INDEX_TYPES[type]) return listTags(item);
    const source = tagSource(await tagIndex, item, now());
    return source.from === "index" ? ok(source.tags) : listTags(item);
  };

  const finish = async (item: Listed, type: ForecastResourceType): Promise<ForecastResource | undefined> => {
    const tagsCall = readTags(item, type);
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
      // Urgent: the type's next page (and the work it brings) waits for this one.
      const page = await call(action, (send) => collector.page(client, previous, send), URGENT);
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

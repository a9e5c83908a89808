/**
 * The emulator's in-memory account: every Forecast resource of one account and region. The `create*` methods
 * take the SDK's `Create*Request` shapes and are shared by the HTTP operations and by tests that seed state
 * directly (10,000 resources in milliseconds, no HTTP).
 */
import type {
  CreateAutoPredictorRequest,
  CreateDatasetGroupRequest,
  CreateDatasetImportJobRequest,
  CreateDatasetRequest,
  CreateExplainabilityExportRequest,
  CreateExplainabilityRequest,
  CreateForecastExportJobRequest,
  CreateForecastRequest,
  CreateMonitorRequest,
  CreatePredictorBacktestExportJobRequest,
  CreatePredictorRequest,
  CreateWhatIfAnalysisRequest,
  CreateWhatIfForecastExportRequest,
  CreateWhatIfForecastRequest,
  DescribeAutoPredictorResponse,
  DescribePredictorResponse,
  Filter,
  S3Config,
  Tag,
} from "@aws-sdk/client-forecast";
import { FORECAST_RESOURCE_TYPES, type ForecastResourceType } from "../../../src/domain/inventory.js";
import { ForecastEmulatorError, invalidInput, notFound } from "./errors.js";
import { type DescriptionByType, type Entry, summarize } from "./resource-types.js";

/** A `Create*Request` whose required fields are `K` and everything else may be left out. */
export type CreateInput<T, K extends keyof T> = { [P in keyof T]?: T[P] } & { [P in K]-?: NonNullable<T[P]> };

/** Seeding only: start a resource in another status than ACTIVE (e.g. `CREATE_FAILED`). */
export interface SeedOptions {
  status?: string;
  message?: string;
}

export interface ForecastStateOptions {
  accountId?: string;
  region?: string;
  partition?: string;
  /** The clock for `CreationTime`; tests may pin it. */
  now?: () => Date;
}

export interface ListOptions {
  filters?: Filter[];
  nextToken?: string;
  maxResults?: number;
}

const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const MAX_TAGS = 50;
const DEFAULT_SCHEMA = {
  Attributes: [
    { AttributeName: "item_id", AttributeType: "string" as const },
    { AttributeName: "timestamp", AttributeType: "timestamp" as const },
    { AttributeName: "target_value", AttributeType: "float" as const },
  ],
};

export class ForecastState {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  private readonly now: () => Date;
  private readonly tables = new Map<ForecastResourceType, Map<string, Entry>>();
  private readonly byArn = new Map<string, Entry>();
  private readonly children = new Map<string, Set<string>>();

  constructor(options: ForecastStateOptions = {}) {
    this.accountId = options.accountId ?? "123456789012";
    this.region = options.region ?? "us-east-1";
    this.partition = options.partition ?? "aws";
    this.now = options.now ?? (() => new Date());
    for (const type of FORECAST_RESOURCE_TYPES) this.tables.set(type, new Map());
  }

  /** `arn:aws:forecast:<region>:<account>:<type>/<id>`; jobs nest under their parent's name, as Forecast does. */
  arn(type: ForecastResourceType, ...path: string[]): string {
    return `arn:${this.partition}:forecast:${this.region}:${this.accountId}:${type}/${path.join("/")}`;
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  get<K extends ForecastResourceType>(type: K, arn: string): Entry<K> {
    const entry = this.tables.get(type)?.get(arn);
    if (!entry) throw notFound(arn);
    return entry as Entry<K>;
  }

  find(arn: string): Entry | undefined {
    return this.byArn.get(arn);
  }

  count(type?: ForecastResourceType): number {
    return type ? (this.tables.get(type)?.size ?? 0) : this.byArn.size;
  }

  entries<K extends ForecastResourceType>(type: K): IterableIterator<Entry<K>> {
    return (this.tables.get(type) as Map<string, Entry<K>>).values();
  }

  /** One page of summaries, in creation order. `NextToken` is opaque and bound to the resource type. */
  list(type: ForecastResourceType, options: ListOptions = {}): { items: object[]; nextToken?: string } {
    const max = options.maxResults ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw invalidInput("MaxResults must be an integer between 1 and 100.");
    }
    const offset = options.nextToken === undefined ? 0 : decodeToken(type, options.nextToken);
    const filters = options.filters ?? [];
    const items: object[] = [];
    let index = 0;
    let next: number | undefined;
    for (const entry of this.tables.get(type)?.values() ?? []) {
      if (filters.length > 0) {
        const summary = summarize(entry);
        if (!filters.every((filter) => matches(summary, entry.description, filter))) continue;
      }
      if (index++ < offset) continue;
      if (items.length === max) {
        next = offset + max;
        break;
      }
      items.push(summarize(entry));
    }
    return next === undefined ? { items } : { items, nextToken: encodeToken(type, next) };
  }

  // -------------------------------------------------------------------------------------------------
  // Tags

  listTags(arn: string): Tag[] {
    const entry = this.byArn.get(arn);
    if (!entry) throw notFound(arn);
    return entry.tags.map((tag) => ({ ...tag }));
  }

  tagResource(arn: string, tags: Tag[]): void {
    const entry = this.byArn.get(arn);
    if (!entry) throw notFound(arn);
    entry.tags = mergeTags(entry.tags, tags);
    if (entry.tags.length > 0) entry.everTagged = true;
  }

  untagResource(arn: string, keys: string[]): void {
    const entry = this.byArn.get(arn);
    if (!entry) throw notFound(arn);
    const drop = new Set(keys);
    entry.tags = entry.tags.filter((tag) => !drop.has(tag.Key ?? ""));
  }

  /**
   * The Resource Groups Tagging API's `GetResources` for Forecast: the resources of `types` that are or were
   * tagged, in creation order, `perPage` at a time. The index is exact (AWS's is eventually consistent).
   */
  tagIndex(
    types: readonly ForecastResourceType[],
    perPage: number,
    token: string | undefined,
  ): { items: Array<{ ResourceARN: string; Tags: Tag[] }>; token: string } {
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      throw invalidInput("ResourcesPerPage must be an integer between 1 and 100.");
    }
    const offset = token ? Number(token.replace(/^t/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidInput("The PaginationToken is invalid.");
    const all = types
      .flatMap((type) => [...(this.tables.get(type)?.values() ?? [])])
      .filter((e) => e.everTagged);
    const items = all
      .slice(offset, offset + perPage)
      .map((e) => ({ ResourceARN: e.arn, Tags: e.tags.map((t) => ({ ...t })) }));
    return { items, token: offset + perPage < all.length ? `t${offset + perPage}` : "" };
  }

  // -------------------------------------------------------------------------------------------------
  // Deleting

  delete(type: ForecastResourceType, arn: string): void {
    const entry = this.get(type, arn);
    const dependents = this.children.get(arn);
    if (dependents && dependents.size > 0) {
      const first = dependents.values().next().value;
      throw new ForecastEmulatorError(
        "ResourceInUseException",
        `Cannot delete ${arn}: it is used by ${first}${dependents.size > 1 ? ` and ${dependents.size - 1} more` : ""}.`,
      );
    }
    this.tables.get(type)?.delete(arn);
    this.byArn.delete(arn);
    this.children.delete(arn);
    for (const parent of entry.parents) this.children.get(parent)?.delete(arn);
    if (type === "dataset") {
      for (const group of this.entries("dataset-group")) {
        const arns = group.description.DatasetArns ?? [];
        if (arns.includes(arn)) group.description.DatasetArns = arns.filter((a) => a !== arn);
      }
    }
  }

  clear(): void {
    for (const table of this.tables.values()) table.clear();
    this.byArn.clear();
    this.children.clear();
  }

  // -------------------------------------------------------------------------------------------------
  // Creating

  createDatasetGroup(
    req: CreateInput<CreateDatasetGroupRequest, "DatasetGroupName">,
    seed?: SeedOptions,
  ): string {
    const arn = this.arn("dataset-group", checkName(req.DatasetGroupName));
    const datasetArns = req.DatasetArns ?? [];
    for (const datasetArn of datasetArns) this.get("dataset", datasetArn);
    return this.insert("dataset-group", arn, req.DatasetGroupName, [], req.Tags, seed, (stamp) => ({
      DatasetGroupName: req.DatasetGroupName,
      DatasetGroupArn: arn,
      DatasetArns: [...datasetArns],
      Domain: req.Domain ?? "CUSTOM",
      ...stamp,
    }));
  }

  updateDatasetGroup(groupArn: string, datasetArns: string[]): void {
    const group = this.get("dataset-group", groupArn);
    for (const datasetArn of datasetArns) this.get("dataset", datasetArn);
    group.description.DatasetArns = [...datasetArns];
    group.description.LastModificationTime = this.now();
  }

  createDataset(req: CreateInput<CreateDatasetRequest, "DatasetName">, seed?: SeedOptions): string {
    const arn = this.arn("dataset", checkName(req.DatasetName));
    return this.insert("dataset", arn, req.DatasetName, [], req.Tags, seed, (stamp) => ({
      DatasetArn: arn,
      DatasetName: req.DatasetName,
      Domain: req.Domain ?? "CUSTOM",
      DatasetType: req.DatasetType ?? "TARGET_TIME_SERIES",
      DataFrequency: req.DataFrequency,
      Schema: req.Schema ?? DEFAULT_SCHEMA,
      EncryptionConfig: req.EncryptionConfig,
      ...stamp,
    }));
  }

  createDatasetImportJob(
    req: CreateInput<CreateDatasetImportJobRequest, "DatasetImportJobName" | "DatasetArn" | "DataSource">,
    seed?: SeedOptions,
  ): string {
    checkS3(req.DataSource.S3Config, "DataSource");
    const dataset = this.get("dataset", req.DatasetArn);
    const arn = this.arn("dataset-import-job", dataset.name, checkName(req.DatasetImportJobName));
    return this.insert(
      "dataset-import-job",
      arn,
      req.DatasetImportJobName,
      [dataset.arn],
      req.Tags,
      seed,
      (stamp) => ({
        DatasetImportJobName: req.DatasetImportJobName,
        DatasetImportJobArn: arn,
        DatasetArn: dataset.arn,
        TimestampFormat: req.TimestampFormat ?? "yyyy-MM-dd",
        TimeZone: req.TimeZone,
        UseGeolocationForTimeZone: req.UseGeolocationForTimeZone ?? false,
        GeolocationFormat: req.GeolocationFormat,
        DataSource: req.DataSource,
        DataSize: 0.01,
        Format: req.Format ?? "CSV",
        ImportMode: req.ImportMode ?? "FULL",
        ...stamp,
      }),
    );
  }

  createPredictor(
    req: CreateInput<CreatePredictorRequest, "PredictorName" | "InputDataConfig">,
    seed?: SeedOptions,
  ): string {
    const group = this.get("dataset-group", req.InputDataConfig.DatasetGroupArn ?? "");
    const arn = this.arn("predictor", checkName(req.PredictorName));
    const description: DescribePredictorResponse = {
      PredictorArn: arn,
      PredictorName: req.PredictorName,
      AlgorithmArn: req.AlgorithmArn,
      ForecastHorizon: req.ForecastHorizon ?? 10,
      ForecastTypes: req.ForecastTypes ?? ["0.1", "0.5", "0.9"],
      PerformAutoML: req.PerformAutoML ?? req.AlgorithmArn === undefined,
      AutoMLOverrideStrategy: req.AutoMLOverrideStrategy,
      PerformHPO: req.PerformHPO ?? false,
      TrainingParameters: req.TrainingParameters,
      EvaluationParameters: req.EvaluationParameters,
      HPOConfig: req.HPOConfig,
      InputDataConfig: req.InputDataConfig,
      FeaturizationConfig: req.FeaturizationConfig ?? { ForecastFrequency: "D" },
      EncryptionConfig: req.EncryptionConfig,
      IsAutoPredictor: false,
      DatasetImportJobArns: this.importJobsOf(group.arn),
      OptimizationMetric: req.OptimizationMetric,
    };
    return this.insert("predictor", arn, req.PredictorName, [group.arn], req.Tags, seed, (stamp) => ({
      ...description,
      ...stamp,
    }));
  }

  createAutoPredictor(
    req: CreateInput<CreateAutoPredictorRequest, "PredictorName">,
    seed?: SeedOptions,
  ): string {
    const arn = this.arn("predictor", checkName(req.PredictorName));
    const reference = req.ReferencePredictorArn
      ? this.get("predictor", req.ReferencePredictorArn)
      : undefined;
    const referenceConfig = reference?.auto
      ? (reference.description as DescribeAutoPredictorResponse)
      : undefined;
    const dataConfig = req.DataConfig ?? referenceConfig?.DataConfig;
    if (!dataConfig?.DatasetGroupArn) {
      throw invalidInput(
        "CreateAutoPredictor needs DataConfig, or a ReferencePredictorArn of an auto predictor.",
      );
    }
    const group = this.get("dataset-group", dataConfig.DatasetGroupArn);
    const description: DescribeAutoPredictorResponse = {
      PredictorArn: arn,
      PredictorName: req.PredictorName,
      ForecastHorizon: req.ForecastHorizon ?? referenceConfig?.ForecastHorizon ?? 10,
      ForecastTypes: req.ForecastTypes ?? referenceConfig?.ForecastTypes ?? ["0.1", "0.5", "0.9"],
      ForecastFrequency: req.ForecastFrequency ?? referenceConfig?.ForecastFrequency ?? "D",
      ForecastDimensions: req.ForecastDimensions,
      DatasetImportJobArns: this.importJobsOf(group.arn),
      DataConfig: dataConfig,
      EncryptionConfig: req.EncryptionConfig ?? referenceConfig?.EncryptionConfig,
      ReferencePredictorSummary: reference ? { Arn: reference.arn, State: "Active" } : undefined,
      OptimizationMetric: req.OptimizationMetric ?? "WAPE",
      TimeAlignmentBoundary: req.TimeAlignmentBoundary,
    };
    const parents = reference ? [group.arn, reference.arn] : [group.arn];
    this.insert("predictor", arn, req.PredictorName, parents, req.Tags, seed, (stamp) => ({
      ...description,
      ...stamp,
    }));
    this.get("predictor", arn).auto = true;
    // CreateAutoPredictor with MonitorConfig starts a monitor for the new predictor, as Forecast does.
    if (req.MonitorConfig?.MonitorName) {
      this.createMonitor({ MonitorName: req.MonitorConfig.MonitorName, ResourceArn: arn });
    }
    return arn;
  }

  createPredictorBacktestExportJob(
    req: CreateInput<
      CreatePredictorBacktestExportJobRequest,
      "PredictorBacktestExportJobName" | "PredictorArn" | "Destination"
    >,
    seed?: SeedOptions,
  ): string {
    checkS3(req.Destination.S3Config, "Destination");
    const predictor = this.get("predictor", req.PredictorArn);
    const arn = this.arn(
      "predictor-backtest-export-job",
      predictor.name,
      checkName(req.PredictorBacktestExportJobName),
    );
    return this.insert(
      "predictor-backtest-export-job",
      arn,
      req.PredictorBacktestExportJobName,
      [predictor.arn],
      req.Tags,
      seed,
      (stamp) => ({
        PredictorBacktestExportJobArn: arn,
        PredictorBacktestExportJobName: req.PredictorBacktestExportJobName,
        PredictorArn: predictor.arn,
        Destination: req.Destination,
        Format: req.Format ?? "CSV",
        ...stamp,
      }),
    );
  }

  createForecast(
    req: CreateInput<CreateForecastRequest, "ForecastName" | "PredictorArn">,
    seed?: SeedOptions,
  ): string {
    checkS3(
      req.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource?.S3Config,
      "TimeSeriesSelector",
      req.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource !== undefined,
    );
    const predictor = this.get("predictor", req.PredictorArn);
    const arn = this.arn("forecast", checkName(req.ForecastName));
    const groupArn = predictor.auto
      ? (predictor.description as DescribeAutoPredictorResponse).DataConfig?.DatasetGroupArn
      : (predictor.description as DescribePredictorResponse).InputDataConfig?.DatasetGroupArn;
    this.insert("forecast", arn, req.ForecastName, [predictor.arn], req.Tags, seed, (stamp) => ({
      ForecastArn: arn,
      ForecastName: req.ForecastName,
      ForecastTypes: req.ForecastTypes ?? predictor.description.ForecastTypes ?? ["0.1", "0.5", "0.9"],
      PredictorArn: predictor.arn,
      DatasetGroupArn: groupArn,
      TimeSeriesSelector: req.TimeSeriesSelector,
      ...stamp,
    }));
    this.get("forecast", arn).auto = predictor.auto;
    return arn;
  }

  createForecastExportJob(
    req: CreateInput<CreateForecastExportJobRequest, "ForecastExportJobName" | "ForecastArn" | "Destination">,
    seed?: SeedOptions,
  ): string {
    checkS3(req.Destination.S3Config, "Destination");
    const forecast = this.get("forecast", req.ForecastArn);
    const arn = this.arn("forecast-export-job", forecast.name, checkName(req.ForecastExportJobName));
    return this.insert(
      "forecast-export-job",
      arn,
      req.ForecastExportJobName,
      [forecast.arn],
      req.Tags,
      seed,
      (stamp) => ({
        ForecastExportJobArn: arn,
        ForecastExportJobName: req.ForecastExportJobName,
        ForecastArn: forecast.arn,
        Destination: req.Destination,
        Format: req.Format ?? "CSV",
        ...stamp,
      }),
    );
  }

  createExplainability(
    req: CreateInput<CreateExplainabilityRequest, "ExplainabilityName" | "ResourceArn">,
    seed?: SeedOptions,
  ): string {
    checkS3(req.DataSource?.S3Config, "DataSource", req.DataSource !== undefined);
    const target = this.byArn.get(req.ResourceArn);
    if (!target || (target.type !== "predictor" && target.type !== "forecast"))
      throw notFound(req.ResourceArn);
    const arn = this.arn("explainability", checkName(req.ExplainabilityName));
    this.insert("explainability", arn, req.ExplainabilityName, [target.arn], req.Tags, seed, (stamp) => ({
      ExplainabilityArn: arn,
      ExplainabilityName: req.ExplainabilityName,
      ResourceArn: target.arn,
      ExplainabilityConfig: req.ExplainabilityConfig ?? {
        TimeSeriesGranularity: "ALL",
        TimePointGranularity: "ALL",
      },
      EnableVisualization: req.EnableVisualization ?? false,
      DataSource: req.DataSource,
      Schema: req.Schema,
      StartDateTime: req.StartDateTime,
      EndDateTime: req.EndDateTime,
      ...stamp,
    }));
    if (target.type === "predictor" && target.auto) {
      const predictor = target.description as DescribeAutoPredictorResponse;
      predictor.ExplainabilityInfo = { ExplainabilityArn: arn, Status: seed?.status ?? "ACTIVE" };
    }
    return arn;
  }

  createExplainabilityExport(
    req: CreateInput<
      CreateExplainabilityExportRequest,
      "ExplainabilityExportName" | "ExplainabilityArn" | "Destination"
    >,
    seed?: SeedOptions,
  ): string {
    checkS3(req.Destination.S3Config, "Destination");
    const explainability = this.get("explainability", req.ExplainabilityArn);
    const arn = this.arn(
      "explainability-export",
      explainability.name,
      checkName(req.ExplainabilityExportName),
    );
    return this.insert(
      "explainability-export",
      arn,
      req.ExplainabilityExportName,
      [explainability.arn],
      req.Tags,
      seed,
      (stamp) => ({
        ExplainabilityExportArn: arn,
        ExplainabilityExportName: req.ExplainabilityExportName,
        ExplainabilityArn: explainability.arn,
        Destination: req.Destination,
        Format: req.Format ?? "CSV",
        ...stamp,
      }),
    );
  }

  createWhatIfAnalysis(
    req: CreateInput<CreateWhatIfAnalysisRequest, "WhatIfAnalysisName" | "ForecastArn">,
    seed?: SeedOptions,
  ): string {
    checkS3(
      req.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource?.S3Config,
      "TimeSeriesSelector",
      req.TimeSeriesSelector?.TimeSeriesIdentifiers?.DataSource !== undefined,
    );
    const forecast = this.get("forecast", req.ForecastArn);
    const arn = this.arn("what-if-analysis", checkName(req.WhatIfAnalysisName));
    return this.insert(
      "what-if-analysis",
      arn,
      req.WhatIfAnalysisName,
      [forecast.arn],
      req.Tags,
      seed,
      (stamp) => ({
        WhatIfAnalysisName: req.WhatIfAnalysisName,
        WhatIfAnalysisArn: arn,
        ForecastArn: forecast.arn,
        TimeSeriesSelector: req.TimeSeriesSelector,
        ...stamp,
      }),
    );
  }

  createWhatIfForecast(
    req: CreateInput<CreateWhatIfForecastRequest, "WhatIfForecastName" | "WhatIfAnalysisArn">,
    seed?: SeedOptions,
  ): string {
    checkS3(
      req.TimeSeriesReplacementsDataSource?.S3Config,
      "TimeSeriesReplacementsDataSource",
      req.TimeSeriesReplacementsDataSource !== undefined,
    );
    const analysis = this.get("what-if-analysis", req.WhatIfAnalysisArn);
    const arn = this.arn("what-if-forecast", analysis.name, checkName(req.WhatIfForecastName));
    const forecast = this.find(analysis.description.ForecastArn ?? "");
    const forecastTypes =
      forecast?.type === "forecast" ? (forecast as Entry<"forecast">).description.ForecastTypes : undefined;
    return this.insert(
      "what-if-forecast",
      arn,
      req.WhatIfForecastName,
      [analysis.arn],
      req.Tags,
      seed,
      (stamp) => ({
        WhatIfForecastName: req.WhatIfForecastName,
        WhatIfForecastArn: arn,
        WhatIfAnalysisArn: analysis.arn,
        TimeSeriesTransformations: req.TimeSeriesTransformations,
        TimeSeriesReplacementsDataSource: req.TimeSeriesReplacementsDataSource,
        ForecastTypes: forecastTypes,
        ...stamp,
      }),
    );
  }

  createWhatIfForecastExport(
    req: CreateInput<
      CreateWhatIfForecastExportRequest,
      "WhatIfForecastExportName" | "WhatIfForecastArns" | "Destination"
    >,
    seed?: SeedOptions,
  ): string {
    checkS3(req.Destination.S3Config, "Destination");
    if (req.WhatIfForecastArns.length === 0) throw invalidInput("WhatIfForecastArns must name at least one.");
    const parents = req.WhatIfForecastArns.map((a) => this.get("what-if-forecast", a).arn);
    const arn = this.arn("what-if-forecast-export", checkName(req.WhatIfForecastExportName));
    return this.insert(
      "what-if-forecast-export",
      arn,
      req.WhatIfForecastExportName,
      parents,
      req.Tags,
      seed,
      (stamp) => ({
        WhatIfForecastExportArn: arn,
        WhatIfForecastExportName: req.WhatIfForecastExportName,
        WhatIfForecastArns: [...parents],
        Destination: req.Destination,
        Format: req.Format ?? "CSV",
        ...stamp,
      }),
    );
  }

  createMonitor(
    req: CreateInput<CreateMonitorRequest, "MonitorName" | "ResourceArn">,
    seed?: SeedOptions,
  ): string {
    const predictor = this.get("predictor", req.ResourceArn);
    if (!predictor.auto) throw invalidInput("Monitors can only be created for auto predictors.");
    const arn = this.arn("monitor", checkName(req.MonitorName));
    this.insert("monitor", arn, req.MonitorName, [predictor.arn], req.Tags, seed, (stamp) => ({
      MonitorName: req.MonitorName,
      MonitorArn: arn,
      ResourceArn: predictor.arn,
      ...stamp,
    }));
    const description = predictor.description as DescribeAutoPredictorResponse;
    description.MonitorInfo = { MonitorArn: arn, Status: seed?.status ?? "ACTIVE" };
    return arn;
  }

  // -------------------------------------------------------------------------------------------------

  private importJobsOf(groupArn: string): string[] {
    const group = this.get("dataset-group", groupArn);
    const jobs: string[] = [];
    for (const datasetArn of group.description.DatasetArns ?? []) {
      for (const child of this.children.get(datasetArn) ?? []) {
        if (this.byArn.get(child)?.type === "dataset-import-job") jobs.push(child);
      }
    }
    return jobs;
  }

  private insert<K extends ForecastResourceType>(
    type: K,
    arn: string,
    name: string,
    parents: string[],
    tags: Tag[] | undefined,
    seed: SeedOptions | undefined,
    describe: (stamp: {
      Status: string;
      Message?: string;
      CreationTime: Date;
      LastModificationTime: Date;
    }) => DescriptionByType[K],
  ): string {
    if (this.byArn.has(arn)) {
      throw new ForecastEmulatorError(
        "ResourceAlreadyExistsException",
        `A resource already exists with the ARN ${arn}.`,
      );
    }
    const checkedTags = mergeTags([], tags ?? []);
    const time = this.now();
    const stamp = {
      Status: seed?.status ?? "ACTIVE",
      ...(seed?.message === undefined ? {} : { Message: seed.message }),
      CreationTime: time,
      LastModificationTime: time,
    };
    const entry: Entry<K> = {
      type,
      arn,
      name,
      parents,
      auto: false,
      tags: checkedTags,
      everTagged: checkedTags.length > 0,
      description: describe(stamp),
    };
    this.tables.get(type)?.set(arn, entry);
    this.byArn.set(arn, entry);
    for (const parent of parents) {
      let set = this.children.get(parent);
      if (!set) {
        set = new Set();
        this.children.set(parent, set);
      }
      set.add(arn);
    }
    return arn;
  }
}

/** Forecast's own validation of `S3Config`; a missing config where one is required is the same error. */
function checkS3(config: S3Config | undefined, field: string, required = true): void {
  if (config === undefined && !required) return;
  if (typeof config?.Path !== "string" || !/^s3:\/\/[a-z0-9].+$/i.test(config.Path)) {
    throw invalidInput(`${field}.S3Config.Path must be an s3:// URL.`);
  }
  if (typeof config.RoleArn !== "string" || config.RoleArn === "") {
    throw invalidInput(`${field}.S3Config.RoleArn is required.`);
  }
}

function checkName(name: string): string {
  if (name.length > 63 || !NAME_PATTERN.test(name)) {
    throw invalidInput(
      `Name ${JSON.stringify(name)} must match [a-zA-Z][a-zA-Z0-9_]* and be at most 63 characters.`,
    );
  }
  return name;
}

function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const merged = new Map(current.map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  for (const tag of added) {
    const key = tag.Key ?? "";
    if (key === "" || key.length > 128 || (tag.Value ?? "").length > 256) {
      throw invalidInput("Tag keys must be 1-128 characters and values at most 256.");
    }
    if (key.toLowerCase().startsWith("aws:")) throw invalidInput("Tag keys starting with aws: are reserved.");
    merged.set(key, tag.Value ?? "");
  }
  if (merged.size > MAX_TAGS) {
    throw new ForecastEmulatorError(
      "LimitExceededException",
      `A resource can have at most ${MAX_TAGS} tags.`,
    );
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

function matches(summary: object, description: object, filter: Filter): boolean {
  const key = filter.Key ?? "";
  const fromSummary: unknown = (summary as Record<string, unknown>)[key];
  const actual = fromSummary ?? (description as Record<string, unknown>)[key];
  const equal = actual === filter.Value;
  return filter.Condition === "IS_NOT" ? !equal : equal;
}

function encodeToken(type: ForecastResourceType, offset: number): string {
  return Buffer.from(JSON.stringify({ t: type, o: offset })).toString("base64url");
}

function decodeToken(type: ForecastResourceType, token: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null) {
      const { t, o } = parsed as { t?: unknown; o?: unknown };
      if (t === type && typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
    }
  } catch {
    // fall through: any malformed token is the same error
  }
  throw new ForecastEmulatorError("InvalidNextTokenException", "The token is not valid.");
}

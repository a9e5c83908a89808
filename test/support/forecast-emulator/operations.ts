/** The Forecast operations the emulator answers: request JSON in, response JSON out, errors thrown. */
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
  Filter,
  Tag,
} from "@aws-sdk/client-forecast";
import { FORECAST_RESOURCE_TYPES, type ForecastResourceType } from "../../../src/domain/inventory.js";
import { ForecastEmulatorError, invalidInput } from "./errors.js";
import { WIRE } from "./resource-types.js";
import type { CreateInput, ForecastState } from "./state.js";

export type Json = Record<string, unknown>;
export type Operation = (state: ForecastState, body: Json) => object;

function requireString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw invalidInput(`${field} is required.`);
  return value;
}

function requireObject(body: Json, field: string): Json {
  const value = body[field];
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalidInput(`${field} is required.`);
  return value as Json;
}

function optionalStringArray(body: Json, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw invalidInput(`${field} must be a list of strings.`);
  }
  return value;
}

function tagsOf(body: Json, field = "Tags"): Tag[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidInput(`${field} must be a list.`);
  return value.map((tag: unknown) => {
    if (typeof tag !== "object" || tag === null) throw invalidInput(`${field} must be a list of tags.`);
    const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
    if (typeof Key !== "string" || typeof Value !== "string")
      throw invalidInput("Each tag needs a Key and a Value.");
    return { Key, Value };
  });
}

type Kind = "string" | "object" | "array";

/**
 * The body, typed as the SDK request `T` once the fields the emulator relies on are checked (curried so that
 * `T` is explicit and the required keys are inferred). Nested shapes are stored as sent, which is what Forecast
 * echoes back from Describe*.
 */
function request<T>() {
  return <K extends keyof T & string>(body: Json, required: Record<K, Kind>): CreateInput<T, K> => {
    for (const [field, kind] of Object.entries(required) as [string, Kind][]) {
      if (kind === "string") requireString(body, field);
      else if (kind === "object") requireObject(body, field);
      else if (!Array.isArray(body[field])) throw invalidInput(`${field} is required.`);
    }
    tagsOf(body);
    return body as unknown as CreateInput<T, K>;
  };
}

const creates: Record<string, Operation> = {
  CreateDatasetGroup: (s, b) => {
    optionalStringArray(b, "DatasetArns");
    return {
      DatasetGroupArn: s.createDatasetGroup(
        request<CreateDatasetGroupRequest>()(b, { DatasetGroupName: "string" }),
      ),
    };
  },
  CreateDataset: (s, b) => ({
    DatasetArn: s.createDataset(request<CreateDatasetRequest>()(b, { DatasetName: "string" })),
  }),
  CreateDatasetImportJob: (s, b) => ({
    DatasetImportJobArn: s.createDatasetImportJob(
      request<CreateDatasetImportJobRequest>()(b, {
        DatasetImportJobName: "string",
        DatasetArn: "string",
        DataSource: "object",
      }),
    ),
  }),
  CreatePredictor: (s, b) => ({
    PredictorArn: s.createPredictor(
      request<CreatePredictorRequest>()(b, { PredictorName: "string", InputDataConfig: "object" }),
    ),
  }),
  CreateAutoPredictor: (s, b) => ({
    PredictorArn: s.createAutoPredictor(
      request<CreateAutoPredictorRequest>()(b, { PredictorName: "string" }),
    ),
  }),
  CreatePredictorBacktestExportJob: (s, b) => ({
    PredictorBacktestExportJobArn: s.createPredictorBacktestExportJob(
      request<CreatePredictorBacktestExportJobRequest>()(b, {
        PredictorBacktestExportJobName: "string",
        PredictorArn: "string",
        Destination: "object",
      }),
    ),
  }),
  CreateForecast: (s, b) => ({
    ForecastArn: s.createForecast(
      request<CreateForecastRequest>()(b, { ForecastName: "string", PredictorArn: "string" }),
    ),
  }),
  CreateForecastExportJob: (s, b) => ({
    ForecastExportJobArn: s.createForecastExportJob(
      request<CreateForecastExportJobRequest>()(b, {
        ForecastExportJobName: "string",
        ForecastArn: "string",
        Destination: "object",
      }),
    ),
  }),
  CreateExplainability: (s, b) => ({
    ExplainabilityArn: s.createExplainability(
      request<CreateExplainabilityRequest>()(b, { ExplainabilityName: "string", ResourceArn: "string" }),
    ),
  }),
  CreateExplainabilityExport: (s, b) => ({
    ExplainabilityExportArn: s.createExplainabilityExport(
      request<CreateExplainabilityExportRequest>()(b, {
        ExplainabilityExportName: "string",
        ExplainabilityArn: "string",
        Destination: "object",
      }),
    ),
  }),
  CreateWhatIfAnalysis: (s, b) => ({
    WhatIfAnalysisArn: s.createWhatIfAnalysis(
      request<CreateWhatIfAnalysisRequest>()(b, { WhatIfAnalysisName: "string", ForecastArn: "string" }),
    ),
  }),
  CreateWhatIfForecast: (s, b) => ({
    WhatIfForecastArn: s.createWhatIfForecast(
      request<CreateWhatIfForecastRequest>()(b, {
        WhatIfForecastName: "string",
        WhatIfAnalysisArn: "string",
      }),
    ),
  }),
  CreateWhatIfForecastExport: (s, b) => {
    optionalStringArray(b, "WhatIfForecastArns");
    return {
      WhatIfForecastExportArn: s.createWhatIfForecastExport(
        request<CreateWhatIfForecastExportRequest>()(b, {
          WhatIfForecastExportName: "string",
          WhatIfForecastArns: "array",
          Destination: "object",
        }),
      ),
    };
  },
  CreateMonitor: (s, b) => ({
    MonitorArn: s.createMonitor(
      request<CreateMonitorRequest>()(b, { MonitorName: "string", ResourceArn: "string" }),
    ),
  }),
};

function filtersOf(body: Json): Filter[] | undefined {
  const value = body.Filters;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidInput("Filters must be a list.");
  return value.map((filter: unknown) => {
    const f = (typeof filter === "object" && filter !== null ? filter : {}) as Json;
    const condition = f.Condition;
    if (
      typeof f.Key !== "string" ||
      typeof f.Value !== "string" ||
      (condition !== "IS" && condition !== "IS_NOT")
    ) {
      throw invalidInput("Each filter needs a Key, a Value and a Condition of IS or IS_NOT.");
    }
    return { Key: f.Key, Value: f.Value, Condition: condition };
  });
}

function listOperation(type: ForecastResourceType): Operation {
  return (state, body) => {
    const token = body.NextToken;
    const max = body.MaxResults;
    if (token !== undefined && typeof token !== "string") throw invalidInput("NextToken must be a string.");
    if (max !== undefined && typeof max !== "number") throw invalidInput("MaxResults must be a number.");
    const filters = filtersOf(body);
    const page = state.list(type, {
      ...(token === undefined ? {} : { nextToken: token }),
      ...(max === undefined ? {} : { maxResults: max }),
      ...(filters === undefined ? {} : { filters }),
    });
    return { [WIRE[type].listNoun]: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  };
}

/** Forecast keeps the two predictor kinds apart: each Describe answers only for its own kind. */
function describePredictor(auto: boolean): Operation {
  return (state, body) => {
    const entry = state.get("predictor", requireString(body, "PredictorArn"));
    if (entry.auto !== auto) {
      throw invalidInput(
        auto
          ? `${entry.arn} is not an auto predictor; use DescribePredictor.`
          : `${entry.arn} is an auto predictor; use DescribeAutoPredictor.`,
      );
    }
    return entry.description;
  };
}

function buildOperations(): Record<string, Operation> {
  const ops: Record<string, Operation> = { ...creates };
  for (const type of FORECAST_RESOURCE_TYPES) {
    const { noun, listNoun, arnField } = WIRE[type];
    ops[`List${listNoun}`] = listOperation(type);
    ops[`Describe${noun}`] = (state, body) => state.get(type, requireString(body, arnField)).description;
    ops[`Delete${noun}`] = (state, body) => {
      state.delete(type, requireString(body, arnField));
      return {};
    };
  }
  ops.DescribePredictor = describePredictor(false);
  ops.DescribeAutoPredictor = describePredictor(true);
  ops.UpdateDatasetGroup = (state, body) => {
    const arns = optionalStringArray(body, "DatasetArns");
    if (!arns) throw invalidInput("DatasetArns is required.");
    state.updateDatasetGroup(requireString(body, "DatasetGroupArn"), arns);
    return {};
  };
  ops.ListTagsForResource = (state, body) => ({ Tags: state.listTags(requireString(body, "ResourceArn")) });
  ops.TagResource = (state, body) => {
    const tags = tagsOf(body);
    if (!tags) throw invalidInput("Tags is required.");
    state.tagResource(requireString(body, "ResourceArn"), tags);
    return {};
  };
  ops.UntagResource = (state, body) => {
    const keys = optionalStringArray(body, "TagKeys");
    if (!keys) throw invalidInput("TagKeys is required.");
    state.untagResource(requireString(body, "ResourceArn"), keys);
    return {};
  };
  // The Resource Groups Tagging API, for Forecast's resources only (what the audit asks it).
  ops.GetResources = (state, body) => {
    const filters = optionalStringArray(body, "ResourceTypeFilters") ?? [];
    const types = TAG_INDEXED.filter((type) => filters.length === 0 || filters.includes(`forecast:${type}`));
    const perPage = body.ResourcesPerPage === undefined ? 50 : Number(body.ResourcesPerPage);
    const token = typeof body.PaginationToken === "string" ? body.PaginationToken : undefined;
    const page = state.tagIndex(types, perPage, token);
    return { ResourceTagMappingList: page.items, PaginationToken: page.token };
  };
  return ops;
}

/** The Forecast types AWS's Tagging API indexes (the what-if types, explainabilities and monitors are not). */
const TAG_INDEXED: readonly ForecastResourceType[] = [
  "dataset",
  "dataset-group",
  "dataset-import-job",
  "forecast",
  "forecast-export-job",
  "predictor",
  "predictor-backtest-export-job",
];

export const OPERATIONS: Readonly<Record<string, Operation>> = buildOperations();

export function runOperation(state: ForecastState, name: string, body: Json): object {
  const operation = OPERATIONS[name];
  if (!operation) throw new ForecastEmulatorError("UnknownOperationException", `Unknown operation ${name}.`);
  return operation(state, body);
}

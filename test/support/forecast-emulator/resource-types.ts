/**
 * Per resource type: what the emulator stores (the `Describe*` response, as the SDK types it), how a `List*`
 * summary is cut from it, and the names of the wire fields, so that operations can be routed generically.
 */
import type {
  DatasetGroupSummary,
  DatasetImportJobSummary,
  DatasetSummary,
  DescribeAutoPredictorResponse,
  DescribeDatasetGroupResponse,
  DescribeDatasetImportJobResponse,
  DescribeDatasetResponse,
  DescribeExplainabilityExportResponse,
  DescribeExplainabilityResponse,
  DescribeForecastExportJobResponse,
  DescribeForecastResponse,
  DescribeMonitorResponse,
  DescribePredictorBacktestExportJobResponse,
  DescribePredictorResponse,
  DescribeWhatIfAnalysisResponse,
  DescribeWhatIfForecastExportResponse,
  DescribeWhatIfForecastResponse,
  ExplainabilityExportSummary,
  ExplainabilitySummary,
  ForecastExportJobSummary,
  ForecastSummary,
  MonitorSummary,
  PredictorBacktestExportJobSummary,
  PredictorSummary,
  Tag,
  WhatIfAnalysisSummary,
  WhatIfForecastExportSummary,
  WhatIfForecastSummary,
} from "@aws-sdk/client-forecast";
import type { ForecastResourceType } from "../../../src/domain/inventory.js";

export type PredictorDescription = DescribePredictorResponse | DescribeAutoPredictorResponse;

export interface DescriptionByType {
  "dataset-group": DescribeDatasetGroupResponse;
  dataset: DescribeDatasetResponse;
  "dataset-import-job": DescribeDatasetImportJobResponse;
  predictor: PredictorDescription;
  "predictor-backtest-export-job": DescribePredictorBacktestExportJobResponse;
  forecast: DescribeForecastResponse;
  "forecast-export-job": DescribeForecastExportJobResponse;
  explainability: DescribeExplainabilityResponse;
  "explainability-export": DescribeExplainabilityExportResponse;
  "what-if-analysis": DescribeWhatIfAnalysisResponse;
  "what-if-forecast": DescribeWhatIfForecastResponse;
  "what-if-forecast-export": DescribeWhatIfForecastExportResponse;
  monitor: DescribeMonitorResponse;
}

/** One stored resource. `parents` are the ARNs it depends on (a parent cannot be deleted while it has children). */
export interface Entry<K extends ForecastResourceType = ForecastResourceType> {
  type: K;
  arn: string;
  name: string;
  parents: string[];
  /** Only predictors: created with `CreateAutoPredictor`. */
  auto: boolean;
  tags: Tag[];
  /** Tagged at any time since creation: the Resource Groups Tagging API lists what is or was tagged. */
  everTagged?: boolean;
  description: DescriptionByType[K];
}

interface TypeWire {
  /** The operation noun: `Create${noun}`, `Describe${noun}`, `Delete${noun}`. */
  noun: string;
  /** `List${listNoun}` and the response's array key. */
  listNoun: string;
  /** The request field that carries the ARN in Describe/Delete. */
  arnField: string;
}

export const WIRE: Record<ForecastResourceType, TypeWire> = {
  "dataset-group": { noun: "DatasetGroup", listNoun: "DatasetGroups", arnField: "DatasetGroupArn" },
  dataset: { noun: "Dataset", listNoun: "Datasets", arnField: "DatasetArn" },
  "dataset-import-job": {
    noun: "DatasetImportJob",
    listNoun: "DatasetImportJobs",
    arnField: "DatasetImportJobArn",
  },
  predictor: { noun: "Predictor", listNoun: "Predictors", arnField: "PredictorArn" },
  "predictor-backtest-export-job": {
    noun: "PredictorBacktestExportJob",
    listNoun: "PredictorBacktestExportJobs",
    arnField: "PredictorBacktestExportJobArn",
  },
  forecast: { noun: "Forecast", listNoun: "Forecasts", arnField: "ForecastArn" },
  "forecast-export-job": {
    noun: "ForecastExportJob",
    listNoun: "ForecastExportJobs",
    arnField: "ForecastExportJobArn",
  },
  explainability: { noun: "Explainability", listNoun: "Explainabilities", arnField: "ExplainabilityArn" },
  "explainability-export": {
    noun: "ExplainabilityExport",
    listNoun: "ExplainabilityExports",
    arnField: "ExplainabilityExportArn",
  },
  "what-if-analysis": { noun: "WhatIfAnalysis", listNoun: "WhatIfAnalyses", arnField: "WhatIfAnalysisArn" },
  "what-if-forecast": { noun: "WhatIfForecast", listNoun: "WhatIfForecasts", arnField: "WhatIfForecastArn" },
  "what-if-forecast-export": {
    noun: "WhatIfForecastExport",
    listNoun: "WhatIfForecastExports",
    arnField: "WhatIfForecastExportArn",
  },
  monitor: { noun: "Monitor", listNoun: "Monitors", arnField: "MonitorArn" },
};

function times(d: { CreationTime?: Date | undefined; LastModificationTime?: Date | undefined }) {
  return { CreationTime: d.CreationTime, LastModificationTime: d.LastModificationTime };
}

/** The `List*` summary of an entry, field for field as the SDK's `*Summary` shapes. */
export function summarize(entry: Entry): object {
  switch (entry.type) {
    case "dataset-group": {
      const d = (entry as Entry<"dataset-group">).description;
      return {
        DatasetGroupArn: d.DatasetGroupArn,
        DatasetGroupName: d.DatasetGroupName,
        ...times(d),
      } satisfies DatasetGroupSummary;
    }
    case "dataset": {
      const d = (entry as Entry<"dataset">).description;
      return {
        DatasetArn: d.DatasetArn,
        DatasetName: d.DatasetName,
        DatasetType: d.DatasetType,
        Domain: d.Domain,
        ...times(d),
      } satisfies DatasetSummary;
    }
    case "dataset-import-job": {
      const d = (entry as Entry<"dataset-import-job">).description;
      return {
        DatasetImportJobArn: d.DatasetImportJobArn,
        DatasetImportJobName: d.DatasetImportJobName,
        DataSource: d.DataSource,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
        ImportMode: d.ImportMode,
      } satisfies DatasetImportJobSummary;
    }
    case "predictor": {
      const d = (entry as Entry<"predictor">).description;
      const auto = entry.auto ? (d as DescribeAutoPredictorResponse) : undefined;
      const legacy = entry.auto ? undefined : (d as DescribePredictorResponse);
      return {
        PredictorArn: d.PredictorArn,
        PredictorName: d.PredictorName,
        DatasetGroupArn: auto?.DataConfig?.DatasetGroupArn ?? legacy?.InputDataConfig?.DatasetGroupArn,
        IsAutoPredictor: entry.auto,
        ReferencePredictorSummary: auto?.ReferencePredictorSummary,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies PredictorSummary;
    }
    case "predictor-backtest-export-job": {
      const d = (entry as Entry<"predictor-backtest-export-job">).description;
      return {
        PredictorBacktestExportJobArn: d.PredictorBacktestExportJobArn,
        PredictorBacktestExportJobName: d.PredictorBacktestExportJobName,
        Destination: d.Destination,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies PredictorBacktestExportJobSummary;
    }
    case "forecast": {
      const d = (entry as Entry<"forecast">).description;
      return {
        ForecastArn: d.ForecastArn,
        ForecastName: d.ForecastName,
        PredictorArn: d.PredictorArn,
        CreatedUsingAutoPredictor: entry.auto,
        DatasetGroupArn: d.DatasetGroupArn,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies ForecastSummary;
    }
    case "forecast-export-job": {
      const d = (entry as Entry<"forecast-export-job">).description;
      return {
        ForecastExportJobArn: d.ForecastExportJobArn,
        ForecastExportJobName: d.ForecastExportJobName,
        Destination: d.Destination,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies ForecastExportJobSummary;
    }
    case "explainability": {
      const d = (entry as Entry<"explainability">).description;
      return {
        ExplainabilityArn: d.ExplainabilityArn,
        ExplainabilityName: d.ExplainabilityName,
        ResourceArn: d.ResourceArn,
        ExplainabilityConfig: d.ExplainabilityConfig,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies ExplainabilitySummary;
    }
    case "explainability-export": {
      const d = (entry as Entry<"explainability-export">).description;
      return {
        ExplainabilityExportArn: d.ExplainabilityExportArn,
        ExplainabilityExportName: d.ExplainabilityExportName,
        Destination: d.Destination,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies ExplainabilityExportSummary;
    }
    case "what-if-analysis": {
      const d = (entry as Entry<"what-if-analysis">).description;
      return {
        WhatIfAnalysisArn: d.WhatIfAnalysisArn,
        WhatIfAnalysisName: d.WhatIfAnalysisName,
        ForecastArn: d.ForecastArn,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies WhatIfAnalysisSummary;
    }
    case "what-if-forecast": {
      const d = (entry as Entry<"what-if-forecast">).description;
      return {
        WhatIfForecastArn: d.WhatIfForecastArn,
        WhatIfForecastName: d.WhatIfForecastName,
        WhatIfAnalysisArn: d.WhatIfAnalysisArn,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies WhatIfForecastSummary;
    }
    case "what-if-forecast-export": {
      const d = (entry as Entry<"what-if-forecast-export">).description;
      return {
        WhatIfForecastExportArn: d.WhatIfForecastExportArn,
        WhatIfForecastArns: d.WhatIfForecastArns,
        WhatIfForecastExportName: d.WhatIfForecastExportName,
        Destination: d.Destination,
        Status: d.Status,
        Message: d.Message,
        ...times(d),
      } satisfies WhatIfForecastExportSummary;
    }
    case "monitor": {
      const d = (entry as Entry<"monitor">).description;
      return {
        MonitorArn: d.MonitorArn,
        MonitorName: d.MonitorName,
        ResourceArn: d.ResourceArn,
        Status: d.Status,
        ...times(d),
      } satisfies MonitorSummary;
    }
  }
}

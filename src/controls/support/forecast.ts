/** Walking the Forecast resources of an account: what is in scope, and which listings failed. */
import type { Evaluation, FindingTarget } from "../../domain/control.js";
import {
  type AccountInventory,
  FORECAST_RESOURCE_TYPES,
  type ForecastResource,
  type ForecastResourceType,
} from "../../domain/inventory.js";
import type { CollectError } from "../../domain/result.js";
import { forecastRegionTarget, forecastTarget } from "./targets.js";
import { quotedName } from "./text.js";
import type { ControlFindings } from "./verdict.js";

export interface ScopedResource {
  region: string;
  resource: ForecastResource;
}

export interface ForecastScope {
  resources: ScopedResource[];
  /** One per region: the first listing of the wanted types that failed there. */
  listingErrors: { region: string; error: CollectError }[];
}

export function forecastScope(
  account: AccountInventory,
  types: readonly ForecastResourceType[] = FORECAST_RESOURCE_TYPES,
): ForecastScope {
  const scope: ForecastScope = { resources: [], listingErrors: [] };
  for (const region of account.regions) {
    let regionError: CollectError | undefined;
    for (const type of types) {
      const listing = region.forecast[type];
      if (!listing.ok) {
        regionError ??= listing.error;
        continue;
      }
      for (const resource of listing.value) scope.resources.push({ region: region.region, resource });
    }
    if (regionError) scope.listingErrors.push({ region: region.region, error: regionError });
  }
  return scope;
}

/** A resource in scope, with the target its finding reports against. */
export interface TargetedResource extends ScopedResource {
  target: FindingTarget;
}

/**
 * Runs `evaluate` over every resource of `types`, and adds one ERROR per region whose listing failed
 * (a resource that could not be listed could still fail the control).
 */
export function evaluateForecastResources(
  account: AccountInventory,
  types: readonly ForecastResourceType[],
  findings: Pick<ControlFindings, "error">,
  evaluate: (item: TargetedResource) => Evaluation | Evaluation[],
): Evaluation[] {
  const scope = forecastScope(account, types);
  const results: Evaluation[] = scope.listingErrors.map(({ region, error }) =>
    findings.error(forecastRegionTarget(account, region), error),
  );
  for (const { region, resource } of scope.resources) {
    const result = evaluate({ region, resource, target: forecastTarget(account, region, resource) });
    // One by one: spreading an array into push() puts every element on the stack.
    if (Array.isArray(result)) for (const r of result) results.push(r);
    else results.push(result);
  }
  return results;
}

export const RESOURCE_LABELS: Record<ForecastResourceType, string> = {
  "dataset-group": "dataset group",
  dataset: "dataset",
  "dataset-import-job": "dataset import job",
  predictor: "predictor",
  "predictor-backtest-export-job": "predictor backtest export job",
  forecast: "forecast",
  "forecast-export-job": "forecast export job",
  explainability: "explainability",
  "explainability-export": "explainability export",
  "what-if-analysis": "what-if analysis",
  "what-if-forecast": "what-if forecast",
  "what-if-forecast-export": "what-if forecast export",
  monitor: "monitor",
};

/** `dataset "retail_sales"` (auto predictors read as `auto predictor`), the name masked. */
export function describeResource(resource: ForecastResource): string {
  // The listing says it, so a predictor reads the same whether or not its Describe succeeded.
  const auto =
    resource.type === "predictor" &&
    (resource.autoPredictor ?? (resource.config.ok && resource.config.value.isAutoPredictor === true));
  return `${auto ? "auto predictor" : RESOURCE_LABELS[resource.type]} ${quotedName(resource.name)}`;
}

/** The `Describe*` action that reads a resource's configuration. */
export const DESCRIBE_ACTIONS: Record<ForecastResourceType, string> = {
  "dataset-group": "forecast:DescribeDatasetGroup",
  dataset: "forecast:DescribeDataset",
  "dataset-import-job": "forecast:DescribeDatasetImportJob",
  predictor: "forecast:DescribePredictor",
  "predictor-backtest-export-job": "forecast:DescribePredictorBacktestExportJob",
  forecast: "forecast:DescribeForecast",
  "forecast-export-job": "forecast:DescribeForecastExportJob",
  explainability: "forecast:DescribeExplainability",
  "explainability-export": "forecast:DescribeExplainabilityExport",
  "what-if-analysis": "forecast:DescribeWhatIfAnalysis",
  "what-if-forecast": "forecast:DescribeWhatIfForecast",
  "what-if-forecast-export": "forecast:DescribeWhatIfForecastExport",
  monitor: "forecast:DescribeMonitor",
};

export const EXPORT_TYPES = [
  "forecast-export-job",
  "predictor-backtest-export-job",
  "explainability-export",
  "what-if-forecast-export",
] as const satisfies readonly ForecastResourceType[];

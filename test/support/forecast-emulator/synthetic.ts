/**
 * Fills a `ForecastState` with a realistic account: dataset groups with their datasets and imports, legacy and
 * auto predictors, forecasts, exports, explainability, what-if analyses and monitors. Most of it is configured
 * well; a deterministic few carry the problems the controls look for, and the returned summary names them.
 * Buckets, keys and roles are only referenced here (their services are emulated elsewhere), from small pools.
 */
import type { S3Config, Tag } from "@aws-sdk/client-forecast";
import { FORECAST_RESOURCE_TYPES, type ForecastResourceType } from "../../../src/domain/inventory.js";
import type { ForecastState } from "./state.js";

export interface SyntheticAccountOptions {
  /** Exactly this many Forecast resources are created (the last family may be cut short). */
  size: number;
  /** Pool sizes; by default a handful, growing slowly with `size`. */
  buckets?: number;
  keys?: number;
  roles?: number;
}

export interface SyntheticAccount {
  total: number;
  counts: Record<ForecastResourceType, number>;
  autoPredictors: number;
  /** Bucket names, key ARNs and role ARNs that some resource references. */
  buckets: string[];
  keyArns: string[];
  roleArns: string[];
  /** The planted problems, by ARN of the resource that carries them. */
  insecure: {
    /** Datasets and predictors without `EncryptionConfig`. */
    unencrypted: string[];
    /** Export jobs whose `S3Config` has no `KMSKeyArn`. */
    exportsWithoutKey: string[];
    /** A tag value that is an e-mail address. */
    sensitiveTags: string[];
    /** A name with a phone-number-like digit run. */
    sensitiveNames: string[];
    /** An S3 path that carries a presigned `X-Amz-Credential`. */
    credentialPaths: string[];
  };
}

class BudgetSpent extends Error {}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** A stable, UUID-shaped key id per index, so runs are reproducible. */
function keyId(n: number): string {
  const hex = (n + 1).toString(16).padStart(12, "0");
  return `1234abcd-12ab-34cd-56ef-${hex}`;
}

export function seedSyntheticAccount(
  state: ForecastState,
  options: SyntheticAccountOptions,
): SyntheticAccount {
  const { accountId, region, partition } = state;
  const poolSize = clamp(Math.ceil(options.size / 1000), 2, 12);
  const buckets = Array.from(
    { length: options.buckets ?? poolSize },
    (_, n) => `forecast-${accountId}-${region}-data-${n + 1}`,
  );
  const keyArns = Array.from(
    { length: options.keys ?? clamp(poolSize, 2, 6) },
    (_, n) => `arn:${partition}:kms:${region}:${accountId}:key/${keyId(n)}`,
  );
  const roleArns = Array.from(
    { length: options.roles ?? 3 },
    (_, n) => `arn:${partition}:iam::${accountId}:role/ForecastDataAccess${n + 1}`,
  );
  const used = { buckets: new Set<string>(), keys: new Set<string>(), roles: new Set<string>() };
  const insecure: SyntheticAccount["insecure"] = {
    unencrypted: [],
    exportsWithoutKey: [],
    sensitiveTags: [],
    sensitiveNames: [],
    credentialPaths: [],
  };
  let remaining = options.size;
  let autoPredictors = 0;
  let serial = 0;

  const pick = <T>(pool: T[], n: number): T => pool[n % pool.length] as T;
  const spend = <T>(create: () => T): T => {
    if (remaining <= 0) throw new BudgetSpent();
    const out = create();
    remaining -= 1;
    return out;
  };
  const s3 = (prefix: string, n: number, withKey = true): S3Config => {
    const bucket = pick(buckets, n);
    const roleArn = pick(roleArns, n);
    used.buckets.add(bucket);
    used.roles.add(roleArn);
    const config: S3Config = { Path: `s3://${bucket}/${prefix}/`, RoleArn: roleArn };
    if (withKey) {
      config.KMSKeyArn = pick(keyArns, n);
      used.keys.add(config.KMSKeyArn);
    }
    return config;
  };
  const encryption = (n: number) => {
    const KMSKeyArn = pick(keyArns, n);
    const RoleArn = pick(roleArns, n);
    used.keys.add(KMSKeyArn);
    used.roles.add(RoleArn);
    return { KMSKeyArn, RoleArn };
  };
  const baseTags = (family: number): Tag[] => [
    { Key: "team", Value: pick(["demand-planning", "supply-chain", "finance"], family) },
    { Key: "environment", Value: family % 4 === 0 ? "staging" : "production" },
  ];
  // Every fifth export leaves out its KMS key.
  const exportDestination = (prefix: string, n: number) => {
    serial += 1;
    const withKey = serial % 5 !== 0;
    const config = s3(prefix, n, withKey);
    return {
      config,
      flag: (arn: string) => {
        if (!withKey) insecure.exportsWithoutKey.push(arn);
      },
    };
  };

  try {
    for (let family = 0; remaining > 0; family += 1) {
      const f = `f${String(family).padStart(5, "0")}`;
      const tags = baseTags(family);

      const datasetTypes = ["TARGET_TIME_SERIES", "RELATED_TIME_SERIES", "ITEM_METADATA"] as const;
      const datasetCount = family % 5 === 0 ? 3 : family % 2 === 0 ? 2 : 1;
      const datasets: { arn: string; name: string }[] = [];
      for (let d = 0; d < datasetCount; d += 1) {
        const name = `${f}_${["sales", "prices", "items"][d]}`;
        const encrypted = (family * 3 + d) % 7 !== 3;
        const arn = spend(() =>
          state.createDataset({
            DatasetName: name,
            Domain: "RETAIL",
            DatasetType: datasetTypes[d],
            DataFrequency: "D",
            ...(encrypted ? { EncryptionConfig: encryption(family + d) } : {}),
            Tags: tags,
          }),
        );
        if (!encrypted) insecure.unencrypted.push(arn);
        datasets.push({ arn, name });
      }

      const leaky = family % 50 === 7;
      const groupName = leaky ? `${f}_store_5550142367` : `${f}_demand`;
      const groupTags =
        family % 40 === 3 ? [...tags, { Key: "owner", Value: `planner${family}@example.com` }] : tags;
      const groupArn = spend(() =>
        state.createDatasetGroup({
          DatasetGroupName: groupName,
          Domain: "RETAIL",
          DatasetArns: datasets.map((d) => d.arn),
          Tags: groupTags,
        }),
      );
      if (leaky) insecure.sensitiveNames.push(groupArn);
      if (groupTags !== tags) insecure.sensitiveTags.push(groupArn);

      for (const [d, dataset] of datasets.entries()) {
        const importNo = family * 3 + d;
        const source = s3(`input/${dataset.name}`, importNo);
        const presigned = importNo % 25 === 11;
        if (presigned) {
          source.Path = `${source.Path}data.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2F${region}%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef`;
        }
        const arn = spend(() =>
          state.createDatasetImportJob({
            DatasetImportJobName: `${dataset.name}_import`,
            DatasetArn: dataset.arn,
            DataSource: { S3Config: source },
            Tags: tags,
          }),
        );
        if (presigned) insecure.credentialPaths.push(arn);
      }

      const auto = family % 3 !== 0;
      const predictorEncrypted = family % 6 !== 5;
      const predictorName = `${f}_${auto ? "auto" : "legacy"}_predictor`;
      const predictorArn = spend(() =>
        auto
          ? state.createAutoPredictor({
              PredictorName: predictorName,
              ForecastHorizon: 14,
              ForecastFrequency: "D",
              DataConfig: { DatasetGroupArn: groupArn },
              ...(predictorEncrypted ? { EncryptionConfig: encryption(family) } : {}),
              Tags: tags,
            })
          : state.createPredictor({
              PredictorName: predictorName,
              ForecastHorizon: 14,
              PerformAutoML: true,
              InputDataConfig: { DatasetGroupArn: groupArn },
              FeaturizationConfig: { ForecastFrequency: "D" },
              ...(predictorEncrypted ? { EncryptionConfig: encryption(family) } : {}),
              Tags: tags,
            }),
      );
      if (auto) autoPredictors += 1;
      if (!predictorEncrypted) insecure.unencrypted.push(predictorArn);

      if (family % 2 === 0) {
        const dest = exportDestination(`backtest/${f}`, family);
        const arn = spend(() =>
          state.createPredictorBacktestExportJob({
            PredictorBacktestExportJobName: `${f}_backtest`,
            PredictorArn: predictorArn,
            Destination: { S3Config: dest.config },
            Tags: tags,
          }),
        );
        dest.flag(arn);
      }

      if (auto && family % 4 === 1) {
        spend(() =>
          state.createMonitor({ MonitorName: `${f}_monitor`, ResourceArn: predictorArn, Tags: tags }),
        );
      }

      const forecastArn = spend(() =>
        state.createForecast({ ForecastName: `${f}_forecast`, PredictorArn: predictorArn, Tags: tags }),
      );
      {
        const dest = exportDestination(`exports/${f}`, family + 1);
        const arn = spend(() =>
          state.createForecastExportJob({
            ForecastExportJobName: `${f}_export`,
            ForecastArn: forecastArn,
            Destination: { S3Config: dest.config },
            Tags: tags,
          }),
        );
        dest.flag(arn);
      }

      if (auto && family % 3 === 1) {
        const explainabilityArn = spend(() =>
          state.createExplainability({
            ExplainabilityName: `${f}_explainability`,
            ResourceArn: forecastArn,
            ExplainabilityConfig: { TimeSeriesGranularity: "SPECIFIC", TimePointGranularity: "ALL" },
            DataSource: { S3Config: s3(`explain/${f}`, family + 2) },
            Schema: { Attributes: [{ AttributeName: "item_id", AttributeType: "string" }] },
            EnableVisualization: true,
            Tags: tags,
          }),
        );
        const dest = exportDestination(`explain-exports/${f}`, family + 3);
        const arn = spend(() =>
          state.createExplainabilityExport({
            ExplainabilityExportName: `${f}_explainability_export`,
            ExplainabilityArn: explainabilityArn,
            Destination: { S3Config: dest.config },
            Tags: tags,
          }),
        );
        dest.flag(arn);
      }

      if (family % 4 === 2) {
        const analysisArn = spend(() =>
          state.createWhatIfAnalysis({
            WhatIfAnalysisName: `${f}_whatif`,
            ForecastArn: forecastArn,
            TimeSeriesSelector: {
              TimeSeriesIdentifiers: {
                DataSource: { S3Config: s3(`whatif/${f}/series`, family + 4) },
                Schema: { Attributes: [{ AttributeName: "item_id", AttributeType: "string" }] },
                Format: "CSV",
              },
            },
            Tags: tags,
          }),
        );
        const whatIfForecastArn = spend(() =>
          state.createWhatIfForecast({
            WhatIfForecastName: `${f}_price_up`,
            WhatIfAnalysisArn: analysisArn,
            TimeSeriesReplacementsDataSource: {
              S3Config: s3(`whatif/${f}/replacements`, family + 5),
              Schema: { Attributes: [{ AttributeName: "price", AttributeType: "float" }] },
              Format: "CSV",
            },
            Tags: tags,
          }),
        );
        const dest = exportDestination(`whatif-exports/${f}`, family + 6);
        const arn = spend(() =>
          state.createWhatIfForecastExport({
            WhatIfForecastExportName: `${f}_whatif_export`,
            WhatIfForecastArns: [whatIfForecastArn],
            Destination: { S3Config: dest.config },
            Tags: tags,
          }),
        );
        dest.flag(arn);
      }
    }
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
  }

  const counts = Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, state.count(t)])) as Record<
    ForecastResourceType,
    number
  >;
  return {
    total: options.size - remaining,
    counts,
    autoPredictors,
    buckets: buckets.filter((b) => used.buckets.has(b)),
    keyArns: keyArns.filter((k) => used.keys.has(k)),
    roleArns: roleArns.filter((r) => used.roles.has(r)),
    insecure,
  };
}

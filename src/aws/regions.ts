/** The regions a scan covers, and where Amazon Forecast (and its FIPS endpoint) is offered. */

export const FORECAST_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "eu-central-1",
  "eu-west-1",
] as const;

export type ForecastRegion = (typeof FORECAST_REGIONS)[number];

export function isForecastRegion(region: string): region is ForecastRegion {
  return (FORECAST_REGIONS as readonly string[]).includes(region);
}

/** What a valid region is, for error messages: every place that takes a region names the same list. */
export const FORECAST_REGIONS_HINT = `an AWS region where Amazon Forecast runs: ${FORECAST_REGIONS.join(", ")}`;

/** A region outside the Forecast list: nothing is scanned or recorded for it. */
export class InvalidRegionError extends Error {
  readonly code = "INVALID_REGION";
  constructor(readonly regions: readonly string[]) {
    super(
      `${regions.map((r) => JSON.stringify(r)).join(", ")} ${regions.length === 1 ? "is not" : "are not"} ${FORECAST_REGIONS_HINT}.`,
    );
    this.name = "InvalidRegionError";
  }
}

/** Throws `InvalidRegionError` naming every region that is not a Forecast region. */
export function assertForecastRegions(regions: readonly string[]): void {
  const invalid = regions.filter((r) => !isForecastRegion(r));
  if (invalid.length > 0) throw new InvalidRegionError(invalid);
}

/** Forecast has `forecast-fips.<region>.amazonaws.com` endpoints only here. */
export const FORECAST_FIPS_REGIONS = ["us-east-1", "us-east-2", "us-west-2"] as const;

export function isForecastFipsRegion(region: string): boolean {
  return (FORECAST_FIPS_REGIONS as readonly string[]).includes(region);
}

/**
 * The regions to scan: `all` means every Forecast region; no setting means the default region of the
 * credentials' configuration. Duplicates are dropped, the configured order is kept. A region Forecast is
 * not offered in (a typo, or a default region elsewhere) throws `InvalidRegionError`: a scan of it would
 * find nothing and be recorded as a clean one.
 */
export function resolveRegions(
  configured: "all" | readonly string[] | undefined,
  defaultRegion: string,
): string[] {
  if (configured === "all") return [...FORECAST_REGIONS];
  const regions =
    configured === undefined || configured.length === 0 ? [defaultRegion] : [...new Set(configured)];
  assertForecastRegions(regions);
  return regions;
}

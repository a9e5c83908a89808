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

/** Forecast has `forecast-fips.<region>.amazonaws.com` endpoints only here. */
export const FORECAST_FIPS_REGIONS = ["us-east-1", "us-east-2", "us-west-2"] as const;

export function isForecastFipsRegion(region: string): boolean {
  return (FORECAST_FIPS_REGIONS as readonly string[]).includes(region);
}

/**
 * The regions to scan: `all` means every Forecast region; no setting means the default region of the
 * credentials' configuration. Duplicates are dropped, the configured order is kept.
 */
export function resolveRegions(
  configured: "all" | readonly string[] | undefined,
  defaultRegion: string,
): string[] {
  if (configured === "all") return [...FORECAST_REGIONS];
  if (configured === undefined || configured.length === 0) return [defaultRegion];
  return [...new Set(configured)];
}

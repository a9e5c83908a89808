/** Option parsers shared by commands: each rejects bad input with a CliError naming the option. */
import { InvalidArgumentError } from "commander";
import { FORECAST_REGIONS_HINT, isForecastRegion } from "../aws/regions.js";
import { isSeverity, SEVERITIES, type Severity } from "../domain/severity.js";

export const FORMATS = ["table", "json", "markdown"] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** What `scan` writes: the three report formats plus OCSF, SARIF and a self-contained HTML page. */
export const SCAN_FORMATS = [...FORMATS, "ocsf", "sarif", "html"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export function parseFormat(value: string): ScanFormat {
  const v = value.toLowerCase();
  if ((SCAN_FORMATS as readonly string[]).includes(v)) return v as ScanFormat;
  throw new InvalidArgumentError(`must be one of ${SCAN_FORMATS.join(", ")}.`);
}

export function parseFailOn(value: string): Severity | "none" {
  const v = value.toLowerCase();
  if (v === "none" || isSeverity(v)) return v;
  throw new InvalidArgumentError(`must be one of ${SEVERITIES.join(", ")}, none.`);
}

export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** `--region`, repeatable or comma-separated: each value must be a Forecast region (the list is in the error). */
export function collectRegions(value: string, previous: string[] | undefined): string[] {
  const regions = collectValues(value, undefined);
  const invalid = regions.filter((r) => !isForecastRegion(r));
  if (invalid.length > 0) {
    throw new InvalidArgumentError(
      `${invalid.map((r) => `"${r}"`).join(", ")}: must be ${FORECAST_REGIONS_HINT}.`,
    );
  }
  return [...(previous ?? []), ...regions];
}

/** The `forecast-audit` command line: one file per command under `commands/`. */
import { Command } from "commander";

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export function buildProgram(version: string): Command {
  const program = new Command("forecast-audit")
    .description("Audit and fix the data-protection controls around Amazon Forecast.")
    .version(version)
    .option(
      "-c, --config <file>",
      "configuration file (default: $FORECAST_AUDIT_CONFIG, else ./forecast-audit.yml)",
    )
    .option("--log-level <level>", "log level: fatal, error, warn, info, debug, trace", "warn")
    .showHelpAfterError()
    .exitOverride();
  return program;
}

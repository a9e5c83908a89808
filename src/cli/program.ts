/** The `forecast-audit` command line: one file per command under `commands/`. */
import { Command } from "commander";
import { registerCollectCommand } from "./commands/collect.js";
import { registerFindingsCommand } from "./commands/findings.js";
import { registerFixCommand } from "./commands/fix.js";
import { registerHistoryCommand } from "./commands/history.js";
import { registerScanCommand } from "./commands/scan.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSuppressCommands } from "./commands/suppress.js";
import type { CliDeps } from "./deps.js";
import { examplesText } from "./help-examples.js";

export function buildProgram(version: string, deps: CliDeps): Command {
  const program = new Command("forecast-audit")
    .description("Audit and fix the data-protection controls around Amazon Forecast.")
    .version(version)
    .option(
      "-c, --config <file>",
      "configuration file (default: $FORECAST_AUDIT_CONFIG, else ./forecast-audit.yml)",
    )
    .option("--log-level <level>", "log level: fatal, error, warn, info, debug, trace, silent", "warn")
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
    .showHelpAfterError()
    .exitOverride();
  registerScanCommand(program, deps);
  registerCollectCommand(program, deps);
  registerFindingsCommand(program, deps);
  registerHistoryCommand(program, deps);
  registerSuppressCommands(program, deps);
  registerFixCommand(program, deps);
  registerServeCommand(program, {
    env: deps.env,
    cwd: deps.cwd,
    createLogger: deps.createLogger,
    stderr: deps.stderr,
    createSlackRuntime:
      deps.createSlackRuntime ??
      (async (context) => {
        const { createSlackRuntime } = await import("../app/slack-runtime.js");
        return createSlackRuntime({ ...context, databaseUrl: deps.env.DATABASE_URL });
      }),
  });
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr });
    const examples = examplesText(command.name());
    if (examples) command.addHelpText("after", examples);
  }
  const examples = examplesText("");
  if (examples) program.addHelpText("after", examples);
  return program;
}

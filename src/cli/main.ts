#!/usr/bin/env node
/** Entry point of the `forecast-audit` binary. */
import { CommanderError } from "commander";
import { EXIT_ERROR } from "./errors.js";
import { buildProgram } from "./program.js";

const program = buildProgram("0.1.0");
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`forecast-audit: ${message}\n`);
    process.exitCode =
      typeof (error as { exitCode?: unknown }).exitCode === "number"
        ? (error as { exitCode: number }).exitCode
        : EXIT_ERROR;
  }
}

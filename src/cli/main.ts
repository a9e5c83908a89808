#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
/**
 * Entry point of the `forecast-audit` binary: exit 0 (nothing fails), 1 (findings fail), 2 (usage or runtime error).
 * The shebang caps V8's young generation at 2 MB per semi-space: a scan allocates mostly short-lived objects
 * (SDK responses), and Node 24's default lets them pile up to a much higher peak RSS (a 10,000-resource scan:
 * 483 → 347 MB, ~7% more CPU; docs/benchmarks.md). `--expose-gc` lets the `scan` command run full collections
 * at chosen points (src/domain/reclaim-memory.ts; no other command does). `env -S` splits the line (Linux
 * coreutils ≥ 8.30, macOS, npm's Windows shims); `node dist/cli/main.js` without the flags works the same,
 * with the default heap.
 */
import { CommanderError } from "commander";
import { createDefaultDeps } from "./default-deps.js";
import { EXIT_ERROR } from "./errors.js";
import { announceEndOfLifeNode } from "./node-support.js";
import { buildProgram } from "./program.js";
import { VERSION } from "./version.js";

announceEndOfLifeNode(process.env, process.version, (text) => process.stderr.write(text));
const deps = createDefaultDeps();
try {
  await buildProgram(VERSION, deps).parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version exit 0; every other parse error is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`forecast-audit: ${message}\n`);
    const code = (error as { exitCode?: unknown }).exitCode;
    process.exitCode = code === 1 || code === 2 ? code : EXIT_ERROR;
  }
}

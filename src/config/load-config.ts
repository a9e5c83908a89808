/**
 * Loads the configuration: `--config FILE`, else `$FORECAST_AUDIT_CONFIG`, else `./forecast-audit.yml` when
 * present, else the defaults. An invalid value stops the program with a message that names the field.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { type Config, configSchema } from "./schema.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly exitCode = 2;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when only defaults apply. */
  path: string | undefined;
}

export const DEFAULT_CONFIG_FILE = "forecast-audit.yml";

export function resolveConfigPath(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  if (env.FORECAST_AUDIT_CONFIG) return resolve(cwd, env.FORECAST_AUDIT_CONFIG);
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

function formatIssues(issues: z.core.$ZodIssue[], source: string): string {
  const lines = issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    return `  ${field}: ${issue.message}`;
  });
  return `invalid configuration in ${source}:\n${lines.join("\n")}`;
}

/** Validates an already-parsed value; throws ConfigError naming every bad field. */
export function parseConfig(value: unknown, source = "configuration"): Config {
  const result = configSchema.safeParse(value ?? {});
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, source));
  return result.data;
}

export function loadConfig(
  options: { path?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const path = resolveConfigPath(options.path, env, options.cwd ?? process.cwd());
  if (!path) return { config: parseConfig({}), path: undefined };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new ConfigError(`cannot read configuration file ${path}: ${code}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message : String(error);
    throw new ConfigError(`configuration file ${path} is not valid YAML: ${detail}`);
  }
  return { config: parseConfig(raw, path), path };
}

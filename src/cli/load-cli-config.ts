/** The configuration for a command, imported on use: YAML and zod are not needed by `--help`. */
import type { LoadedConfig } from "../config/load-config.js";

export async function loadCliConfig(options: {
  path: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<LoadedConfig> {
  const { loadConfig } = await import("../config/load-config.js");
  return loadConfig(options);
}

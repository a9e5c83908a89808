/** `forecast-audit collect --out FILE`: save an inventory to evaluate later with `scan --inventory FILE`. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { writeInventoryFile } from "../../scan/inventory-file.js";
import { explainAwsSetupError, regionDefaultedWarning } from "../aws-setup-errors.js";
import type { CliDeps } from "../deps.js";
import { loadCliConfig } from "../load-cli-config.js";
import { collectRegions, collectValues } from "../options.js";
import { createProgressReporter } from "../progress-reporter.js";
import { selectAccounts } from "./scan.js";

interface CollectOptions {
  out: string;
  account?: string[];
  region?: string[];
  config?: string;
  logLevel: string;
}

export function registerCollectCommand(program: Command, deps: CliDeps): void {
  program
    .command("collect")
    .description(
      "Collect the inventory (no evaluation) and save it as JSON; it holds tag values, so keep it private.",
    )
    .requiredOption("--out <file>", "where to write the inventory (created with mode 0600)")
    .option("--account <id>", "account id or name from the configuration (repeatable)", collectValues)
    .option("--region <region>", "region to collect (repeatable)", collectRegions)
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<CollectOptions>();
      const { config } = await loadCliConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      const logger = deps.createLogger(opts.logLevel);
      const runtime = await deps.createAuditRuntime(config, {
        sessionName: `cli-${deps.localUser}`,
        logger,
        onRegionDefaulted: (region) => deps.stderr(regionDefaultedWarning(region)),
      });
      const progress = createProgressReporter({ isTty: deps.isTty, write: deps.stderr });
      try {
        const scope = {
          accounts: selectAccounts(config, opts.account),
          regions: await runtime.resolveRegions(opts.region),
        };
        const inventory = await runtime.collect(scope, {
          onProgress: (e) => progress.update(e),
          now: deps.now(),
        });
        await writeInventoryFile(resolve(deps.cwd, opts.out), inventory);
        deps.stderr(`wrote the inventory of ${inventory.accounts.length} account(s) to ${opts.out}\n`);
      } catch (error) {
        throw explainAwsSetupError(error, deps.env);
      } finally {
        progress.stop();
        runtime.destroy();
      }
    });
}

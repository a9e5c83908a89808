/** Wires the live AWS side of a scan: the client factory, the region list and the inventory collector. */
import { type ClientFactory, type ClientFactoryOptions, createClientFactory } from "../aws/client-factory.js";
import { collectInventory } from "../aws/collect-inventory.js";
import { resolveRegions } from "../aws/regions.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../logging/logger.js";
import type { CollectFn } from "../scan/run-scan.js";

export interface AuditRuntime {
  factory: ClientFactory;
  collect: CollectFn;
  /** `--region` values win; else the config's `regions` (`all` = every Forecast region); else the SDK default. */
  resolveRegions(cli?: readonly string[]): Promise<string[]>;
  destroy(): void;
}

/** The SDK's HTTP handler warnings (socket pool exhausted …) go to the log, never to the progress output. */
function handlerLogger(logger: Logger) {
  const child = logger.child({ component: "aws-http" });
  const text = (content: unknown[]) => content.map(String).join(" ");
  return {
    debug: (...content: unknown[]) => child.debug(text(content)),
    info: (...content: unknown[]) => child.info(text(content)),
    warn: (...content: unknown[]) => child.warn(text(content)),
    error: (...content: unknown[]) => child.error(text(content)),
  };
}

export function createAuditRuntime(
  config: Config,
  options: { sessionName: string; logger: Logger } & Pick<
    ClientFactoryOptions,
    "callCounter" | "env" | "onRegionDefaulted"
  >,
): AuditRuntime {
  const factory = createClientFactory({
    requireFips: config.requireFips,
    sessionName: options.sessionName,
    concurrencyHint: config.concurrency,
    maxAttempts: config.maxAttempts,
    connectTimeoutMs: config.connectTimeoutSeconds * 1000,
    requestTimeoutMs: config.requestTimeoutSeconds * 1000,
    logger: handlerLogger(options.logger),
    ...(options.callCounter ? { callCounter: options.callCounter } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.onRegionDefaulted ? { onRegionDefaulted: options.onRegionDefaulted } : {}),
  });
  const collect: CollectFn = async (scope, { onProgress, now }) => {
    const log = options.logger.child({ accounts: scope.accounts.map((a) => a.id), regions: scope.regions });
    log.info("collecting inventory");
    const inventory = await collectInventory({
      accounts: scope.accounts,
      regions: scope.regions,
      factory,
      lookbackDays: config.cloudtrailLookbackDays,
      maxEvents: config.cloudtrailMaxEvents,
      concurrency: config.concurrency,
      deadlineMs: config.scanTimeoutMinutes * 60_000,
      now,
      onProgress,
    });
    log.info({ accounts: inventory.accounts.length }, "inventory collected");
    return inventory;
  };
  return {
    factory,
    collect,
    async resolveRegions(cli) {
      if (cli && cli.length > 0) return resolveRegions(cli, "");
      return resolveRegions(config.regions, await factory.defaultRegion());
    },
    destroy: () => factory.destroy(),
  };
}

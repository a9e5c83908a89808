/**
 * Wires the live AWS side of a scan: the client factory, the region list, the accounts of the scan (the
 * configured ones and, with `organization:`, the organization's) and the inventory collector.
 */
import { type ClientFactory, type ClientFactoryOptions, createClientFactory } from "../aws/client-factory.js";
import { collectInventory } from "../aws/collect-inventory.js";
import {
  type DiscoveredOrganization,
  discoverOrganization,
} from "../aws/organizations/discover-organization.js";
import {
  type ResolvedScanAccounts,
  resolveScanAccounts,
} from "../aws/organizations/resolve-scan-accounts.js";
import { resolveRegions } from "../aws/regions.js";
import type { Config } from "../config/schema.js";
import { maskSensitive } from "../domain/sensitive.js";
import type { Logger } from "../logging/logger.js";
import type { ScanProgress } from "../scan/progress.js";
import type { CollectFn, ScanScope } from "../scan/run-scan.js";

export interface AuditRuntime {
  factory: ClientFactory;
  collect: CollectFn;
  /** `--region` values win; else the config's `regions` (`all` = every Forecast region); else the SDK default. */
  resolveRegions(cli?: readonly string[]): Promise<string[]>;
  /** Lists the organization of `organization:` now (throws OrganizationDiscoveryError; undefined without one). */
  discover(): Promise<DiscoveredOrganization | undefined>;
  /**
   * The accounts a scan of `scope` covers: the configured ones and, with `organization:`, the organization's
   * (listed now, once) narrowed by the selection. `collect` resolves its scope this way; a scheduled scan
   * that fans out resolves once for all its parts.
   */
  resolveAccounts(
    scope: Pick<ScanScope, "accounts" | "selection">,
    onProgress?: (event: ScanProgress) => void,
  ): Promise<ResolvedScanAccounts>;
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
  const factoryOptions: ClientFactoryOptions = {
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
  };
  const factory = createClientFactory(factoryOptions);
  const org = config.organization;

  async function discover(): Promise<DiscoveredOrganization | undefined> {
    if (!org) return undefined;
    const client = await factory.organizations({
      roleArn: org.managementRoleArn,
      externalId: org.managementExternalId,
    });
    return discoverOrganization(client, { includeOus: org.includeOus, excludeAccounts: org.excludeAccounts });
  }

  const resolveAccounts: AuditRuntime["resolveAccounts"] = (scope, onProgress) =>
    resolveScanAccounts(
      { accounts: scope.accounts, selection: scope.selection },
      {
        configured: config.accounts,
        organization: org,
        discover: async () => {
          onProgress?.({
            phase: "organization",
            accountId: "organization",
            done: 0,
            total: 1,
            message: "Listing the organization's accounts.",
          });
          const found = await discover();
          if (!found) throw new Error("organization is not configured");
          return found;
        },
      },
    );

  const collect: CollectFn = async (scope, { onProgress, now }) => {
    // The organization is listed once per scan, here (or, for a part of a fanned-out scan, by the slot's job).
    const resolved = scope.resolved
      ? { accounts: [...scope.accounts], notes: [] }
      : await resolveAccounts(scope, onProgress);
    if (resolved.notes.length > 0) {
      const message = resolved.notes.join(" ");
      onProgress({ phase: "organization", accountId: "organization", done: 1, total: 1, message });
    }
    const log = options.logger.child({ accounts: resolved.accounts.length, regions: scope.regions });
    if (resolved.notes.length > 0)
      log.info({ notes: resolved.notes.map(maskSensitive) }, "organization listed");
    log.info("collecting inventory");
    // A factory of its own: each account's clients are closed as soon as the account is collected, which
    // must not touch clients that a fix running at the same time got from the long-lived factory.
    const scanFactory = createClientFactory(factoryOptions);
    try {
      const inventory = await collectInventory({
        accounts: resolved.accounts,
        regions: scope.regions,
        factory: scanFactory,
        lookbackDays: config.cloudtrailLookbackDays,
        maxEvents: config.cloudtrailMaxEvents,
        concurrency: config.concurrency,
        accountConcurrency: config.accountConcurrency,
        deadlineMs: config.scanTimeoutMinutes * 60_000,
        now,
        onProgress,
        // Tags were still read per resource: a note for operators, not an evidence gap.
        onTagIndexFailed: ({ accountId, region, error }) =>
          log.warn(
            { accountId, region, code: error.code, action: error.action },
            "tag:GetResources failed; Forecast tags read per resource",
          ),
      });
      log.info({ collected: inventory.accounts.length }, "inventory collected");
      return inventory;
    } finally {
      scanFactory.destroy();
    }
  };
  return {
    factory,
    collect,
    async resolveRegions(cli) {
      if (cli && cli.length > 0) return resolveRegions(cli, "");
      return resolveRegions(config.regions, await factory.defaultRegion());
    },
    discover,
    resolveAccounts,
    destroy: () => factory.destroy(),
  };
}

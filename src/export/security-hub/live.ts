/** The Security Hub export as `serve` and `scan` run it after a recorded scan; a failure never fails the scan. */
import type { ClientFactory } from "../../aws/client-factory.js";
import { toCollectError } from "../../aws/errors.js";
import type { Config } from "../../config/schema.js";
import { controlById } from "../../controls/catalog.js";
import { parseArn } from "../../domain/arn.js";
import type { Logger } from "../../logging/logger.js";
import { type ExportResult, type ExportStore, exportToSecurityHub } from "./export-findings.js";

export const SECURITY_HUB_EXPORT_FAILED_ACTION = "securityhub.export-failed";

export type SecurityHubExport = (store: ExportStore) => Promise<ExportResult | undefined>;

/** Undefined unless `securityHub.enabled`. */
export function createSecurityHubExport(
  config: Pick<Config, "securityHub">,
  factory: Pick<ClientFactory, "securityHub" | "currentAccount">,
  logger: Logger,
  /** The same clock as the store's: "resolved since the last export" compares the two. */
  now: () => Date = () => new Date(),
): SecurityHubExport | undefined {
  const settings = config.securityHub;
  if (!settings?.enabled) return undefined;
  const log = logger.child({ component: "security-hub" });
  return async (store) => {
    try {
      const client = await factory.securityHub(settings.region, {
        roleArn: settings.roleArn,
        externalId: settings.externalId,
      });
      const role = settings.roleArn ? parseArn(settings.roleArn) : undefined;
      const importer = role ?? (await factory.currentAccount());
      const result = await exportToSecurityHub({
        store,
        client,
        importerAccountId: importer.accountId,
        region: settings.region,
        partition: importer.partition,
        now,
        guidance: (id) => controlById(id)?.guidance,
      });
      log.info(
        { active: result.active, archived: result.archived, refused: result.failed.length },
        "findings exported to Security Hub",
      );
      return result;
    } catch (error) {
      const reason = toCollectError(error, "securityhub:BatchImportFindings");
      log.warn(
        { code: reason.code, action: reason.action },
        "Security Hub export failed; the next scan retries",
      );
      await store
        .appendAudit({ actor: "system", action: SECURITY_HUB_EXPORT_FAILED_ACTION, detail: reason })
        .catch(() => {});
      return undefined;
    }
  };
}

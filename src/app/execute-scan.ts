/**
 * One scan as the product runs it: collect, evaluate, record in the store, save the account directory, export
 * to Security Hub; returns the scan's small summary. The same function runs in `serve`'s worker threads
 * (src/app/scan-worker.ts) and in-process (the CLI's tests, a SQLite process without workers).
 */
import type { Config } from "../config/schema.js";
import type { SecurityHubExport } from "../export/security-hub/live.js";
import type { Logger } from "../logging/logger.js";
import { accountDirectoryEntries } from "../scan/account-directory.js";
import { recordScanResult, toRecordScanInput, triggerLabel } from "../scan/record-scan.js";
import { type CollectFn, runScan, type ScanResult } from "../scan/run-scan.js";
import type { ExecuteScan } from "../scan/scan-coordinator.js";
import { type ScanSummary, summarizeScan } from "../scan/scan-summary.js";
import type { Store } from "../store/types.js";

export interface ExecuteScanDeps {
  config: Config;
  collect: CollectFn;
  store: Store;
  logger: Logger;
  exportFindings?: SecurityHubExport | undefined;
}

export async function executeScan(
  deps: ExecuteScanDeps,
  input: Parameters<ExecuteScan>[0],
): Promise<ScanSummary> {
  const log = deps.logger.child({ scanId: input.scanId });
  const result = await runScan(
    { collect: deps.collect, config: deps.config },
    { scope: input.scope, trigger: input.trigger, onProgress: input.onProgress, scanId: input.scanId },
  );
  // The row was written at the scan's start (running, its heartbeat kept by the Slack thread): complete it.
  const recorded = await recordScanResult(deps.store, toRecordScanInput(result, triggerLabel(input.trigger)));
  log.info({ findings: result.findings.length }, "scan recorded");
  await saveAccountDirectory(deps, result, log);
  await deps.exportFindings?.(deps.store);
  return summarizeScan(result, recorded.scan.counts);
}

/** Names and OU paths for the views; a failure here costs names, never the recorded scan. */
async function saveAccountDirectory(
  deps: Pick<ExecuteScanDeps, "config" | "store">,
  result: ScanResult,
  log: Logger,
): Promise<void> {
  try {
    await deps.store.saveAccounts(
      accountDirectoryEntries(result.inventory, deps.config.accounts, result.startedAt),
    );
  } catch (error) {
    log.warn({ err: error }, "could not record the scan's account names");
  }
}

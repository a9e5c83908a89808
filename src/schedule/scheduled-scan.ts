/**
 * The scheduled scan of every configured account and region. Whatever happens it resolves with a report and
 * leaves it in the audit log (`schedule.scan`), so that the digest can say which account could not be
 * scanned and why, even when the scan failed as a whole.
 */
import type { Config } from "../config/schema.js";
import {
  SCHEDULED_SCAN_ACTION,
  type ScheduledScanReport,
  type UnscannedScope,
} from "../digest/digest-data.js";
import { keyedJobId } from "../jobs/job-queue.js";
import type { Logger } from "../logging/logger.js";
import type { ScanCoordinator } from "../scan/scan-coordinator.js";
import type { Store } from "../store/types.js";

export interface ScheduledScanDeps {
  coordinator: Pick<ScanCoordinator, "start">;
  accounts: Config["accounts"];
  regions: readonly string[];
  store: Pick<Store, "appendAudit" | "getScan" | "listAudit">;
  logger: Logger;
  now?: () => Date;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The id of a slot's scheduled scan: every attempt of the slot's job records the same scan. */
export function scheduledScanId(slot: string): string {
  return keyedJobId("scheduled-scan", slot);
}

async function recordedReport(
  deps: ScheduledScanDeps,
  scanId: string,
): Promise<ScheduledScanReport | undefined> {
  const [entry] = await deps.store.listAudit({ action: SCHEDULED_SCAN_ACTION, target: scanId, limit: 1 });
  return entry?.detail as ScheduledScanReport | undefined;
}

/**
 * Scans the slot once: a retried slot job whose earlier attempt recorded the scan reports that scan (from its
 * report, or from its row when the attempt died before the report) instead of scanning again.
 */
export async function runScheduledScan(deps: ScheduledScanDeps, slot: string): Promise<ScheduledScanReport> {
  const now = deps.now ?? (() => new Date());
  const accounts = deps.accounts.map((a) => a.id);
  const scanId = scheduledScanId(slot);
  const done = await deps.store.getScan(scanId);
  if (done && done.outcome !== "running") {
    const recorded = await recordedReport(deps, scanId);
    if (recorded) return recorded;
    const report: ScheduledScanReport = {
      slot,
      finishedAt: done.finishedAt ?? now().toISOString(),
      // A scan that did not end with results (failed, interrupted) is a failed slot scan.
      outcome: done.outcome === "succeeded" || done.outcome === "partial" ? done.outcome : "failed",
      scanId,
      accounts: done.scope.accounts,
      // Recorded with the scan's outcome (migration 0019), so the rebuilt report names what was not read.
      unscanned: done.unscanned ?? [],
      ...(done.outcome === "succeeded" || done.outcome === "partial"
        ? {}
        : { error: done.error ?? `the scan was ${done.outcome}` }),
    };
    return appendReport(deps, report, slot);
  }
  let report: ScheduledScanReport;
  try {
    // Joins a scan of the same scope already running (someone pressed "scan" a minute before).
    const ticket = deps.coordinator.start(
      { accounts: deps.accounts, regions: [...deps.regions] },
      { kind: "schedule", slot },
      { scanId },
    );
    const result = await ticket.done;
    const unscanned: UnscannedScope[] = result.errors.map((e) => {
      const scope: UnscannedScope = {
        accountId: e.accountId,
        code: e.code,
        action: e.action,
        message: e.message,
      };
      if (e.region) scope.region = e.region;
      return scope;
    });
    report = {
      slot,
      finishedAt: result.finishedAt,
      outcome: unscanned.length > 0 ? "partial" : "succeeded",
      scanId: result.scanId,
      accounts: result.accounts,
      unscanned,
    };
  } catch (error) {
    deps.logger.error({ err: error, slot }, "scheduled scan failed");
    report = {
      slot,
      finishedAt: now().toISOString(),
      outcome: "failed",
      ...((await scanRowExists(deps, scanId)) ? { scanId } : {}),
      accounts,
      unscanned: [],
      error: reason(error),
    };
  }
  return appendReport(deps, report, slot);
}

/**
 * A failure whose scan row was written names it, so that a retried job finds this report (under the scan's
 * id) instead of writing a second one; a failure before the row has no scan to name, and the retry scans.
 */
async function scanRowExists(deps: ScheduledScanDeps, scanId: string): Promise<boolean> {
  try {
    return (await deps.store.getScan(scanId)) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Writes the slot's report once per scan: a report some earlier attempt wrote for the same scan (its job died
 * before it completed) is the one returned, not written again. A store error is logged; the retry of a slot
 * job that ended without its report rebuilds it from the scan's row.
 */
async function appendReport(
  deps: ScheduledScanDeps,
  report: ScheduledScanReport,
  slot: string,
): Promise<ScheduledScanReport> {
  try {
    if (report.scanId) {
      const recorded = await recordedReport(deps, report.scanId);
      if (recorded) return recorded;
    }
    await deps.store.appendAudit({
      actor: "schedule",
      action: SCHEDULED_SCAN_ACTION,
      ...(report.scanId ? { target: report.scanId } : {}),
      detail: report,
    });
  } catch (error) {
    deps.logger.error({ err: error, slot }, "could not record the scheduled scan's report");
  }
  return report;
}

export function describeScanReport(report: ScheduledScanReport): string {
  if (report.outcome === "failed") return `scan failed: ${report.error ?? "unknown error"}`;
  const scan = `scan ${report.scanId ?? "?"} ${report.outcome}`;
  return report.unscanned.length > 0
    ? `${scan}; not scanned: ${report.unscanned.map((u) => (u.region ? `${u.accountId}/${u.region}` : u.accountId)).join(", ")}`
    : scan;
}

/** Maps a scan result to what the store records: the scope actually covered, and the trigger. */
import type { CompletedScan, RecordScanInput, Store } from "../store/types.js";
import type { ScanResult, ScanTrigger } from "./run-scan.js";

export function triggerLabel(trigger: ScanTrigger): string {
  switch (trigger.kind) {
    case "cli":
      return `cli:${trigger.user}`;
    case "slack":
      return `slack:${trigger.userId}`;
    case "schedule":
      return "schedule";
  }
}

export function toRecordScanInput(
  result: ScanResult,
  trigger: string = triggerLabel(result.trigger),
): RecordScanInput {
  return {
    id: result.scanId,
    scope: {
      // The accounts actually scanned: with no configured accounts this is the current credentials' account.
      accounts: result.inventory.accounts.map((a) => a.accountId),
      regions: result.scope.regions,
      controls: result.controlIds,
    },
    trigger,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    findings: result.findings,
    evidence: result.evidence,
  };
}

/**
 * Records a scan's results: completes the scan's row when it exists and is still running (a retried job
 * re-runs a scan whose earlier attempt died after writing it), else writes and completes it.
 */
export async function recordScanResult(
  store: Pick<Store, "getScan" | "recordScan" | "completeScan">,
  input: RecordScanInput,
): Promise<CompletedScan> {
  const existing = input.id === undefined ? undefined : await store.getScan(input.id);
  if (existing?.outcome === "running" && input.id !== undefined) {
    return store.completeScan(input.id, {
      findings: input.findings,
      ...(input.evidence ? { evidence: input.evidence } : {}),
      ...(input.finishedAt ? { finishedAt: input.finishedAt } : {}),
    });
  }
  return store.recordScan(input);
}

/** Maps a scan result to what the store records: the scope actually covered, and the trigger. */
import type { CompletedScan, RecordScanInput, Store } from "../store/types.js";
import type { ScanResult, ScanTrigger } from "./run-scan.js";
import { unscannedScopes } from "./scan-errors.js";

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
    unscanned: unscannedScopes(result.inventory),
  };
}

/**
 * Records a scan's results: completes the scan's row when it exists and is still running (written at the
 * scan's start by the thread that keeps its heartbeat; or left by an earlier attempt of a retried slot job),
 * else writes and completes it.
 */
export async function recordScanResult(
  store: Pick<Store, "getScan" | "recordScan" | "completeScan" | "setScanScope">,
  input: RecordScanInput,
): Promise<CompletedScan> {
  const existing = input.id === undefined ? undefined : await store.getScan(input.id);
  if (existing?.outcome === "running" && input.id !== undefined) {
    // The scope actually covered (accounts resolved when the scan ran) replaces the one known at its start.
    await store.setScanScope(input.id, input.scope);
    return store.completeScan(input.id, {
      findings: input.findings,
      ...(input.evidence ? { evidence: input.evidence } : {}),
      ...(input.finishedAt ? { finishedAt: input.finishedAt } : {}),
      ...(input.unscanned ? { unscanned: input.unscanned } : {}),
    });
  }
  return store.recordScan(input);
}

/** Maps a scan result to what the store records: the scope actually covered, and the trigger. */
import type { RecordScanInput } from "../store/types.js";
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

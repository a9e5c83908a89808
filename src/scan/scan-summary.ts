/**
 * What a finished scan hands back to whoever asked for it (the Slack app, the schedule, a job handler): small
 * and structured-cloneable, so that a scan run in a worker thread returns it across the thread boundary without
 * the inventory, the evidence or the PASS findings (tens of thousands of objects at 10,000 resources).
 */
import type { Finding } from "../domain/finding.js";
import type { ScanCounts } from "../store/types.js";
import type { ScanResult, ScanScope, ScanTrigger } from "./run-scan.js";
import { scopeErrors } from "./scan-errors.js";
import { type FindingSummary, summarizeFindings } from "./summarize.js";

/** An account or region the scan could not read (not a per-control ERROR finding). */
export interface ScanSummaryError {
  accountId: string;
  region?: string;
  /** The collect error's code (`AccessDenied`, `Timeout` …) and the API action it came from. */
  code: string;
  action: string;
  /** One sentence for people (untrusted AWS text: escape before Slack). */
  message: string;
}

export interface ScanSummary {
  scanId: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  startedAt: string;
  finishedAt: string;
  /** The accounts actually scanned (with no configured accounts: the credentials' account). */
  accounts: string[];
  /** Counts of every finding of the scan, PASS included. */
  counts: FindingSummary;
  /** The FAIL and ERROR findings, what a scan's message lists; PASS findings are only counted. */
  notable: Finding[];
  errors: ScanSummaryError[];
  /** The store's lifecycle counts (new, reopened, resolved …) when the scan was recorded. */
  stored?: ScanCounts;
}

export function summarizeScan(result: ScanResult, stored?: ScanCounts): ScanSummary {
  const summary: ScanSummary = {
    scanId: result.scanId,
    scope: result.scope,
    trigger: result.trigger,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    accounts: result.inventory.accounts.map((a) => a.accountId),
    counts: summarizeFindings(result.findings),
    notable: result.findings.filter((f) => f.status !== "PASS"),
    errors: scopeErrors(result.inventory).map((e) => {
      const out: ScanSummaryError = {
        accountId: e.accountId,
        code: e.error.code,
        action: e.error.action,
        message: e.message,
      };
      if (e.region) out.region = e.region;
      return out;
    }),
  };
  if (stored) summary.stored = stored;
  return summary;
}

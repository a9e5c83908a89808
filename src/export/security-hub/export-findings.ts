/**
 * Exports the product's findings to AWS Security Hub after each recorded scan: every failing finding is
 * imported ACTIVE (suppressed ones ARCHIVED), and every finding resolved since the last successful export is
 * imported ARCHIVED, so Security Hub follows the lifecycle (new/reopened → ACTIVE, resolved → ARCHIVED).
 *
 * Imports are upserts by finding id, so an export that failed halfway is simply done again next time: the
 * mark that moves "since" forward is written only after every batch was accepted.
 */
import type { BatchImportFindingsCommandOutput, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { BatchImportFindingsCommand } from "@aws-sdk/client-securityhub";
import { FAILING_LIFECYCLES, type FindingRecord, type Store } from "../../store/types.js";
import { type AsffContext, toAsff } from "./asff.js";

/** The audit action of a successful export; its `detail.startedAt` is where the next one starts. */
export const SECURITY_HUB_EXPORT_ACTION = "securityhub.exported";
/** BatchImportFindings takes at most 100 findings a call. */
const BATCH = 100;

export type ExportStore = Pick<
  Store,
  "listFindings" | "findingsResolvedSince" | "listAccounts" | "listAudit" | "appendAudit"
>;

export interface ExportResult {
  active: number;
  archived: number;
  /** Findings Security Hub refused one by one (`FailedFindings`), with its reason. */
  failed: Array<{ id: string; code: string; message: string }>;
  batches: number;
}

export interface ExportDeps {
  store: ExportStore;
  client: Pick<SecurityHubClient, "send">;
  importerAccountId: string;
  region: string;
  partition: string;
  now: () => Date;
  guidance?: (controlId: string) => string | undefined;
}

async function lastExportStart(store: ExportStore): Promise<string | undefined> {
  const [last] = await store.listAudit({ action: SECURITY_HUB_EXPORT_ACTION, order: "desc", limit: 1 });
  const startedAt = (last?.detail as { startedAt?: unknown } | undefined)?.startedAt;
  return typeof startedAt === "string" ? startedAt : undefined;
}

export async function exportToSecurityHub(deps: ExportDeps): Promise<ExportResult> {
  const startedAt = deps.now().toISOString();
  const since = await lastExportStart(deps.store);
  const [failing, resolved, directory] = await Promise.all([
    deps.store.listFindings({ lifecycle: FAILING_LIFECYCLES, includeSuppressed: true }),
    // The first export has nothing to archive: Security Hub never saw those findings active.
    since ? deps.store.findingsResolvedSince(since, { includeSuppressed: true }) : Promise.resolve([]),
    deps.store.listAccounts(),
  ]);
  const context: AsffContext = {
    importerAccountId: deps.importerAccountId,
    region: deps.region,
    partition: deps.partition,
    now: startedAt,
    accounts: new Map(directory.map((a) => [a.accountId, { name: a.name, ouPath: a.ouPath }])),
    ...(deps.guidance ? { guidance: deps.guidance } : {}),
  };
  const state = (f: FindingRecord) => (f.suppressionId === undefined ? "ACTIVE" : "ARCHIVED");
  const findings = [
    ...failing.map((f) => toAsff(f, state(f), context)),
    ...resolved.map((f) => toAsff(f, "ARCHIVED", context)),
  ];
  const result: ExportResult = {
    active: failing.filter((f) => f.suppressionId === undefined).length,
    archived: resolved.length + failing.filter((f) => f.suppressionId !== undefined).length,
    failed: [],
    batches: 0,
  };
  for (let i = 0; i < findings.length; i += BATCH) {
    const out: BatchImportFindingsCommandOutput = await deps.client.send(
      new BatchImportFindingsCommand({ Findings: findings.slice(i, i + BATCH) }),
    );
    result.batches += 1;
    for (const f of out.FailedFindings ?? []) {
      result.failed.push({ id: f.Id ?? "", code: f.ErrorCode ?? "Unknown", message: f.ErrorMessage ?? "" });
    }
  }
  await deps.store.appendAudit({
    actor: "system",
    action: SECURITY_HUB_EXPORT_ACTION,
    detail: { startedAt, since: since ?? null, ...result, failed: result.failed.slice(0, 20) },
  });
  return result;
}

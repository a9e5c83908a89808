/** The scan use-case: collect the inventory of a scope, evaluate the catalog, return findings. */
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import { CONTROLS } from "../controls/catalog.js";
import type { AccountSelection, ScanAccount } from "../domain/accounts.js";
import type { Control } from "../domain/control.js";
import type { AccountEvidence } from "../domain/evidence.js";
import type { Finding } from "../domain/finding.js";
import type { Inventory } from "../domain/inventory.js";
import { reclaimIfGrown, reclaimMemory } from "../domain/reclaim-memory.js";
import { evaluateInventory } from "./evaluate-inventory.js";
import type { ScanProgress } from "./progress.js";

export type ScanTrigger =
  | { kind: "cli"; user: string }
  | {
      kind: "slack";
      userId: string;
      channelId: string;
      threadTs?: string;
      /** What to type after `/forecast-audit` to ask for the same scan again. */
      command?: string;
    }
  | { kind: "schedule"; slot: string };

export interface ScanScope {
  /**
   * Accounts to scan (empty, with no organization configured: the account of the current credentials). With
   * an organization configured, its active accounts are added unless `selection` narrows the scan.
   */
  accounts: ScanAccount[];
  regions: string[];
  /** Accounts and OUs asked for by id, name or path; resolved against the organization when the scan runs. */
  selection?: AccountSelection;
  /**
   * The accounts are final, already resolved against the organization (one account's part of a fanned-out
   * scan): the collector lists no organization and adds no account.
   */
  resolved?: boolean;
}

export interface ScanResult {
  scanId: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  startedAt: string;
  finishedAt: string;
  inventory: Inventory;
  findings: Finding[];
  /** Per account: where the scan read each control's scope completely, what it saw, what did not apply. */
  evidence: AccountEvidence[];
  /** The controls that were evaluated. */
  controlIds: string[];
}

export type CollectFn = (
  scope: ScanScope,
  options: { onProgress: (event: ScanProgress) => void; now: Date },
) => Promise<Inventory>;

export interface RunScanDeps {
  collect: CollectFn;
  config: Pick<Config, "requireFips">;
  now?: () => Date;
  controls?: readonly Control[];
}

export async function runScan(
  deps: RunScanDeps,
  request: {
    scope: ScanScope;
    trigger: ScanTrigger;
    onProgress?: (event: ScanProgress) => void;
    scanId?: string;
  },
): Promise<ScanResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const onProgress = request.onProgress ?? (() => {});
  const inventory = await deps.collect(request.scope, {
    onProgress: (event) => {
      // A CLI scan collects the SDK's promoted garbage as it goes (src/domain/reclaim-memory.ts).
      reclaimIfGrown();
      onProgress(event);
    },
    now: startedAt,
  });
  // The collection's garbage (SDK responses) goes before evaluation adds the findings (a CLI scan only).
  reclaimMemory();
  return finishScan(deps, { ...request, inventory, startedAt });
}

/** Evaluates an inventory already in hand (a saved `--inventory` file, or a fresh collection). */
export function finishScan(
  deps: Pick<RunScanDeps, "config" | "now" | "controls">,
  input: {
    scope: ScanScope;
    trigger: ScanTrigger;
    inventory: Inventory;
    startedAt: Date;
    scanId?: string;
    evaluateAt?: Date;
  },
): ScanResult {
  const now = deps.now ?? (() => new Date());
  const controls = deps.controls ?? CONTROLS;
  const { findings, evidence } = evaluateInventory(
    input.inventory,
    { requireFips: deps.config.requireFips, now: input.evaluateAt ?? input.startedAt },
    controls,
  );
  return {
    scanId: input.scanId ?? randomUUID(),
    scope: input.scope,
    trigger: input.trigger,
    startedAt: input.startedAt.toISOString(),
    finishedAt: now().toISOString(),
    inventory: input.inventory,
    findings,
    evidence,
    controlIds: controls.map((c) => c.id),
  };
}

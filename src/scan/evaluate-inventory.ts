/** Evaluates the control catalog over a whole inventory: pure, no AWS. */

import { CONTROLS, evaluateAccount } from "../controls/catalog.js";
import type { Control, ControlSettings } from "../domain/control.js";
import type { AccountEvidence } from "../domain/evidence.js";
import type { Finding } from "../domain/finding.js";
import type { Inventory } from "../domain/inventory.js";
import { withSensitiveMemo } from "../domain/sensitive.js";

export interface InventoryEvaluation {
  findings: Finding[];
  /** Per account: what the scan can vouch for beyond its findings (see `AccountEvidence`). */
  evidence: AccountEvidence[];
}

/** One memo of sensitive-data detection for the whole inventory: tags repeat across accounts too. */
export function evaluateInventory(
  inventory: Inventory,
  settings: ControlSettings,
  controls: readonly Control[] = CONTROLS,
): InventoryEvaluation {
  return withSensitiveMemo(() => evaluateAccounts(inventory, settings, controls));
}

function evaluateAccounts(
  inventory: Inventory,
  settings: ControlSettings,
  controls: readonly Control[],
): InventoryEvaluation {
  const out: InventoryEvaluation = { findings: [], evidence: [] };
  for (const account of inventory.accounts) {
    const { findings, evidence } = evaluateAccount(account, settings, controls);
    // A finding names its account the way people do; the key stays the account id.
    const name = account.name;
    for (const finding of findings)
      out.findings.push(name === undefined ? finding : { ...finding, accountName: name });
    out.evidence.push(evidence);
  }
  return out;
}

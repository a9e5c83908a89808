/** Evaluates the control catalog over a whole inventory: pure, no AWS. */

import { CONTROLS, evaluateControls } from "../controls/catalog.js";
import type { Control, ControlSettings } from "../domain/control.js";
import type { Finding } from "../domain/finding.js";
import type { Inventory } from "../domain/inventory.js";

export function evaluateInventory(
  inventory: Inventory,
  settings: ControlSettings,
  controls: readonly Control[] = CONTROLS,
): Finding[] {
  return inventory.accounts.flatMap((account) => {
    const findings = evaluateControls(account, settings, controls);
    // A finding names its account the way people do; the key stays the account id.
    const name = account.name;
    return name === undefined ? findings : findings.map((f) => ({ ...f, accountName: name }));
  });
}

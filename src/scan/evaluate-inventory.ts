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
  return inventory.accounts.flatMap((account) => evaluateControls(account, settings, controls));
}

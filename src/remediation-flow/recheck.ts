/** The proof after a fix: re-evaluate the finding's control over a fresh read and look for its resource. */
import type { Control, ControlSettings } from "../domain/control.js";
import type { Finding } from "../domain/finding.js";
import type { AccountInventory } from "../domain/inventory.js";
import type { Recheck } from "./types.js";

/** Pure: the control's verdict on the finding's resource in `account`. */
export function judgeRecheck(
  control: Control,
  account: AccountInventory,
  finding: Pick<Finding, "resourceArn" | "region">,
  settings: ControlSettings,
): Recheck {
  const at = settings.now.toISOString();
  const results = control.evaluate({ account, settings });
  const match =
    results.find((f) => f.resourceArn === finding.resourceArn && f.region === finding.region) ??
    results.find((f) => f.resourceArn === finding.resourceArn);
  if (!match) {
    return {
      status: "MISSING",
      detail: `${control.id} no longer reports this resource, so the fix could not be confirmed.`,
      at,
    };
  }
  if (match.status === "N/A") return { status: "MISSING", detail: match.detail, at };
  return { status: match.status, detail: match.detail, at };
}

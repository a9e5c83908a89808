/** Root-user controls that judge one flag of the IAM account summary (`iam:GetAccountSummary`). */
import type { Finding } from "../../domain/finding.js";
import type { AccountInventory, AccountSummary } from "../../domain/inventory.js";
import { rootTarget } from "./targets.js";
import type { ControlFindings } from "./verdict.js";

/** One finding against the root user: PASS with `detail.pass` when `holds`, else FAIL with `detail.fail`. */
export function evaluateRootSummary(
  account: AccountInventory,
  findings: ControlFindings,
  holds: (summary: AccountSummary) => boolean,
  detail: { pass: string; fail: string },
): Finding[] {
  const target = rootTarget(account);
  const summary = account.iam.summary;
  if (!summary.ok) return [findings.error(target, summary.error)];
  return [holds(summary.value) ? findings.pass(target, detail.pass) : findings.fail(target, detail.fail)];
}

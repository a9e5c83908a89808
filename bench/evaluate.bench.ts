/**
 * `npx tsx bench/evaluate.bench.ts [--resources N] [--source DIR]`: evaluation alone (`evaluateInventory`, the
 * whole catalog) over `buildLargeAccount(N)` (default 50,000 Forecast resources, all configured securely, so
 * every finding is PASS). Prints the CPU time, findings per status and the process's peak RSS. `--source DIR`
 * evaluates with the `src/` of another checkout (e.g. the commit before a change) over the same inventory,
 * so before and after can be run side by side. No AWS, no store.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildInventory, buildSettings } from "../test/support/inventory-builders.js";
import { buildLargeAccount } from "../test/support/large-inventory.js";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const resources = Number(flag("--resources") ?? 50_000);
const source = flag("--source");
const modulePath = source
  ? pathToFileURL(join(resolve(source), "src/scan/evaluate-inventory.ts")).href
  : "../src/scan/evaluate-inventory.js";
const { evaluateInventory } = (await import(
  modulePath
)) as typeof import("../src/scan/evaluate-inventory.js");

const inventory = buildInventory(buildLargeAccount(resources).account);
const before = process.cpuUsage();
const { findings } = evaluateInventory(inventory, buildSettings());
const cpu = process.cpuUsage(before);
const byStatus = { PASS: 0, FAIL: 0, ERROR: 0 };
for (const f of findings) byStatus[f.status] += 1;
console.log(
  `evaluate ${resources.toLocaleString("en-US")} resources${source ? ` (${source})` : ""}: ` +
    `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, ${findings.length.toLocaleString("en-US")} findings ` +
    `(PASS ${byStatus.PASS}, FAIL ${byStatus.FAIL}, ERROR ${byStatus.ERROR}), ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);

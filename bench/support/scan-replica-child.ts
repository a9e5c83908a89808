/**
 * One replica for `bench:scan:replicas`: the real store, pg-boss job queue and scan fan-out, with a collector
 * that makes BENCH_CALLS sequential "API calls" per account, each taking at least BENCH_CALL_MS (the floor).
 * Run as `node --import tsx bench/support/scan-replica-child.ts <databaseUrl>`; prints "ready".
 */
import { pino } from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { createJobQueue } from "../../src/jobs/open-job-queue.js";
import { ScanFanOut } from "../../src/scan/fan-out.js";
import type { CollectFn } from "../../src/scan/run-scan.js";
import { openStore } from "../../src/store/open-store.js";
import { buildAccount } from "../../test/support/inventory-builders.js";

const [databaseUrl] = process.argv.slice(2);
if (!databaseUrl) throw new Error("usage: scan-replica-child <databaseUrl>");
const calls = Number(process.env.BENCH_CALLS ?? "10");
const callMs = Number(process.env.BENCH_CALL_MS ?? "100");
const config = parseConfig({
  accounts: (process.env.BENCH_ACCOUNTS ?? "").split(",").map((id) => ({ id })),
  jobs: { pollSeconds: 0.5, superviseSeconds: 5 },
});
const logger = pino({ level: "warn" });
const collect: CollectFn = async (scope, { now }) => {
  for (let i = 0; i < calls; i++) await new Promise((r) => setTimeout(r, callMs));
  const accountId = scope.accounts[0]?.id ?? "000000000000";
  return { schemaVersion: 1, collectedAt: now.toISOString(), accounts: [buildAccount({ accountId })] };
};
const store = await openStore({ databaseUrl, poolSize: 4 });
const queue = createJobQueue({ store, databaseUrl, config, logger });
new ScanFanOut({ queue, store, collect, config, logger });
await queue.start();
process.stdout.write("ready\n");
const keepAlive = setInterval(() => {}, 60_000);
process.on("SIGTERM", () => {
  void (async () => {
    clearInterval(keepAlive);
    await queue.stop();
    await store.close();
    process.exit(0);
  })();
});

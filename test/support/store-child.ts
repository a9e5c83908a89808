/**
 * A second process on the same database, for the store suite: it races for a remediation request or a
 * schedule slot like another replica would, or dies by SIGKILL in the middle of a scan commit (`crash`: at
 * its second insert into findings; `crash-between`: after the first short write transaction of a SQLite
 * commit).
 * Run as `node --import tsx test/support/store-child.ts <mode> <databaseUrl> ...`.
 */

import { pathToFileURL } from "node:url";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import type { Finding } from "../../src/domain/finding.js";
import { openStore } from "../../src/store/open-store.js";

/** Kills this process just before the `n`-th multi-row insert into `findings` runs. */
function killOnFindingsInsert(n: number): KyselyPlugin {
  let seen = 0;
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const node = args.node;
      if (node.kind === "InsertQueryNode" && node.into?.table.identifier.name === "findings") {
        seen++;
        if (seen === n) process.kill(process.pid, "SIGKILL");
      }
      return node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}

export function syntheticFindings(
  count: number,
  status: Finding["status"],
  accountId = "111111111111",
): Finding[] {
  return Array.from({ length: count }, (_, i) => ({
    controlId: "kms-key-rotation-enabled",
    status,
    severity: "medium",
    accountId,
    region: "us-east-1",
    resourceArn: `arn:aws:kms:us-east-1:${accountId}:key/k-${i}`,
    resourceType: "kms-key",
    title: "KMS key rotation is enabled",
    detail: status === "FAIL" ? "Rotation is off." : "Rotation is on.",
  }));
}

async function main(): Promise<void> {
  const [mode, databaseUrl, ...rest] = process.argv.slice(2);
  if (!mode || !databaseUrl) throw new Error("usage: store-child <cas|slot|crash> <databaseUrl> ...");
  if (mode === "crash-between") {
    // Dies right after the first short write transaction of a SQLite commit has committed.
    const [scanId, count] = rest;
    const store = await openStore({ databaseUrl });
    (store as { commitObserver?: object }).commitObserver = {
      afterWriteTransaction: () => process.kill(process.pid, "SIGKILL"),
    };
    await store.completeScan(scanId!, { findings: syntheticFindings(Number(count), "PASS") });
    process.stdout.write("committed\n");
    return;
  }
  if (mode === "crash") {
    const [scanId, count] = rest;
    const store = await openStore({ databaseUrl, plugins: [killOnFindingsInsert(2)] });
    await store.completeScan(scanId!, { findings: syntheticFindings(Number(count), "PASS") });
    process.stdout.write("committed\n");
    return;
  }
  const store = await openStore({ databaseUrl, poolSize: 4 });
  // Every racer opens its store first, then all start together when the parent says go.
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  process.stdin.pause();
  const attempts = Number(rest[1] ?? "10");
  let wins = 0;
  if (mode === "cas") {
    const id = rest[0]!;
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        store.transitionRequest(id, "pending", "approved", {
          approver: `child-${process.pid}-${i}`,
          actor: `child-${process.pid}-${i}`,
        }),
      ),
    );
    wins = results.filter(Boolean).length;
  } else if (mode === "slot") {
    const slot = rest[0]!;
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        store.claimSlot("digest", slot, `child-${process.pid}-${i}`),
      ),
    );
    wins = results.filter(Boolean).length;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ wins, pid: process.pid })}\n`);
}

// Only as a script: the suite imports `syntheticFindings` from here too.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

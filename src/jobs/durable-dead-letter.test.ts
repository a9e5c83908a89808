/**
 * The in-process runner's dead letters survive what comes between a job failing for good and its dead letter
 * being handled: a store error there is handled again on the next poll, and a process that stopped there
 * (a kill) has it handled at the next start-up — the `job.dead-lettered` audit entry once, the scan part
 * recorded failed, the fanned-out scan ended.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FanOutStore, ScanFanOut } from "../scan/fan-out.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { JOB_DEAD_LETTERED_ACTION, recordDeadLetter } from "./dead-letter.js";
import { keyedJobId } from "./job-queue.js";
import { LocalJobQueue } from "./local-job-queue.js";

const logger = pino({ level: "silent" });
const GOOD = "111111111111";
const BAD = "222222222222";
const SCAN = "scan-dl";

/** Throws, as a store that failed would, on every insert into `table` while `armed` says so. */
function failInsertsInto(table: string, armed: () => boolean): KyselyPlugin {
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const node = args.node;
      if (node.kind === "InsertQueryNode" && node.into?.table.identifier.name === table && armed()) {
        throw new Error(`injected: the store failed writing ${table}`);
      }
      return node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}

let dir: string;
let url: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fa-dead-letter-"));
  url = `sqlite:${join(dir, "store.db")}`;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * One process: a store, the runner and the scan fan-out, the account BAD failing every attempt. `dies()` true:
 * the process stops (a kill, simulated by a throw) when the dead letter's hook records the part failed.
 */
function processOn(store: Store, pollSeconds = 60, dies: () => boolean = () => false) {
  const queue = new LocalJobQueue({
    table: store.jobs,
    settings: { retryLimit: 0, retryDelaySeconds: 0, pollSeconds },
    onDeadLetter: (letter) => recordDeadLetter(store, letter),
    logger,
  });
  const fanOutStore: FanOutStore = {
    startScan: (input) => store.startScan(input),
    getScan: (id) => store.getScan(id),
    commitScanPart: (scanId, input) => store.commitScanPart(scanId, input),
    failScanPart: async (scanId, accountId, error, finishedAt) => {
      if (dies()) throw new Error("injected: the process was killed here");
      return store.failScanPart(scanId, accountId, error, finishedAt);
    },
    finishScanFromParts: (scanId, options) => store.finishScanFromParts(scanId, options),
    saveAccounts: (entries) => store.saveAccounts(entries),
  };
  const fanOut = new ScanFanOut({
    queue,
    store: fanOutStore,
    collect: async (scope, { now }) => {
      if (scope.accounts.some((a) => a.id === BAD)) throw new Error("AccessDenied: the audit role is gone");
      return { schemaVersion: 1, collectedAt: now.toISOString(), accounts: [] };
    },
    config: { requireFips: false, accounts: [{ id: GOOD }, { id: BAD }] },
    logger,
  });
  return { queue, fanOut };
}

async function deadLetters(store: Store) {
  return store.listAudit({ action: JOB_DEAD_LETTERED_ACTION });
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const request = {
  scanId: SCAN,
  trigger: "schedule",
  accounts: [{ id: GOOD }, { id: BAD }],
  regions: ["us-east-1"],
  slot: "2026-06-01T07:00:00.000Z",
};

describe("a dead letter on SQLite", () => {
  it("is handled on the next poll when the store failed writing its audit entry", async () => {
    let failAudit = false;
    const store = await openStore({
      databaseUrl: url,
      plugins: [failInsertsInto("audit_log", () => failAudit)],
    });
    try {
      const { queue, fanOut } = processOn(store, 0.05);
      await fanOut.start(request);
      // The job's failure is committed; the audit entry right after it fails.
      failAudit = true;
      await queue.start();
      await until(
        async () => (await store.jobs.get(keyedJobId("scan-part", `${SCAN}|${BAD}`)))?.state === "failed",
      );
      await new Promise((r) => setTimeout(r, 20));
      failAudit = false;
      // The next poll handles it: audit entry, part failed, the scan ended.
      await until(async () => (await store.getScan(SCAN))?.outcome !== "running");
      await queue.stop();

      const letters = await deadLetters(store);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.detail).toMatchObject({ kind: "scan-part", accountId: BAD, attempts: 1 });
      const parts = await store.scanParts(SCAN);
      expect(parts.find((p) => p.accountId === BAD)).toMatchObject({ outcome: "failed" });
      expect((await store.getScan(SCAN))?.outcome).toBe("partial");
      expect(await store.jobs.pendingDeadLetters()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("is handled at the next start-up, once, when the process stopped between its audit entry and its hook", async () => {
    const first = await openStore({ databaseUrl: url });
    {
      // The audit entry is written; the process dies as the hook records the part failed.
      const { queue, fanOut } = processOn(first, 60, () => true);
      await fanOut.start(request);
      await queue.start();
      await until(
        async () => (await first.jobs.get(keyedJobId("scan-part", `${SCAN}|${GOOD}`)))?.state === "completed",
      );
      await until(
        async () => (await first.jobs.get(keyedJobId("scan-part", `${SCAN}|${BAD}`)))?.state === "failed",
      );
      await until(async () => (await deadLetters(first)).length === 1);
      await queue.stop();
    }
    expect((await first.scanParts(SCAN)).map((p) => p.accountId)).toEqual([GOOD]);
    expect((await first.getScan(SCAN))?.outcome).toBe("running");
    await first.close();

    // Restart on the same database.
    const second = await openStore({ databaseUrl: url });
    try {
      const { queue } = processOn(second);
      await queue.start();
      await queue.idle();
      await queue.stop();

      expect(await deadLetters(second)).toHaveLength(1);
      const parts = await second.scanParts(SCAN);
      expect(parts.find((p) => p.accountId === BAD)).toMatchObject({ outcome: "failed" });
      expect((await second.getScan(SCAN))?.outcome).toBe("partial");
      expect(await second.listAudit({ action: "schedule.scan", target: SCAN })).toHaveLength(1);
      expect(await second.jobs.pendingDeadLetters()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("of a job whose last attempt was running when the process stopped is handled at the next start-up", async () => {
    const first = await openStore({ databaseUrl: url });
    const id = keyedJobId("scan-part", `${SCAN}|${BAD}`);
    await first.startScan({
      id: SCAN,
      trigger: "schedule",
      scope: { accounts: [BAD], regions: ["us-east-1"], controls: ["kms-key-rotation-enabled"] },
    });
    await first.jobs.insert(
      {
        id,
        kind: "scan-part",
        payload: { scanId: SCAN, accountId: BAD, regions: ["us-east-1"] },
        retryLimit: 0,
      },
      new Date().toISOString(),
    );
    // Claimed, then the process is killed before the attempt ends.
    await first.jobs.claimNext(["scan-part"], new Date().toISOString());
    await first.close();

    const second = await openStore({ databaseUrl: url });
    try {
      const { queue } = processOn(second);
      await queue.start();
      await queue.idle();
      await queue.stop();
      expect(await deadLetters(second)).toHaveLength(1);
      expect((await second.getScan(SCAN))?.outcome).toBe("failed");
      expect(await second.jobs.pendingDeadLetters()).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

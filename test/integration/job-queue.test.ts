/**
 * pg-boss as the job queue: a job that runs longer than its lease keeps it by heartbeating and runs once; a
 * keyed job is sent once however often it is sent.
 */
import { pino } from "pino";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { PgBossJobQueue } from "../../src/jobs/pg-boss-queue.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const logger = pino({ level: "silent" });

describe.skipIf(server === undefined)("the pg-boss job queue", () => {
  it("keeps the lease of a live job longer than the lease by heartbeating, and runs it once", {
    timeout: 60_000,
  }, async () => {
    const db = await createTestDatabase(server!.url);
    onTestFinished(db.drop);
    const settings = {
      ...parseConfig({ jobs: { leaseSeconds: 10, superviseSeconds: 1, pollSeconds: 0.5 } }).jobs,
    };
    const queues = [0, 1].map(
      () => new PgBossJobQueue({ connectionString: db.url, settings, onDeadLetter: async () => {}, logger }),
    );
    const runs: number[] = [];
    queues.forEach((queue, i) => {
      queue.work("long", async () => {
        runs.push(i);
        // Longer than the 10 s lease: only the heartbeat keeps another replica from taking it over.
        await new Promise((r) => setTimeout(r, 14_000));
      });
    });
    for (const queue of queues) await queue.start();
    onTestFinished(async () => {
      for (const queue of queues) await queue.stop();
    });
    const ids = await Promise.all([
      queues[0]!.send("long", { slot: "s" }, { key: "s" }),
      queues[1]!.send("long", { slot: "s" }, { key: "s" }),
    ]);
    expect(ids[0]).toBe(ids[1]);
    for (;;) {
      const state = await queues[0]!.state("long", "s");
      if (state === "completed" || state === "failed") {
        expect(state).toBe("completed");
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(runs).toHaveLength(1);
  });
});

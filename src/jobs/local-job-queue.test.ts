import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { LocalJobQueue } from "./local-job-queue.js";

const logger = pino({ level: "silent" });
let store: Store;

beforeEach(async () => {
  store = await openStore({ databaseUrl: "sqlite::memory:" });
});
afterEach(async () => {
  await store.close();
});

function queueOf(): LocalJobQueue {
  return new LocalJobQueue({
    table: store.jobs,
    settings: { retryLimit: 0, retryDelaySeconds: 0, pollSeconds: 60 },
    onDeadLetter: async () => {},
    logger,
  });
}

describe("LocalJobQueue", () => {
  it("runs the jobs that waiting jobs wait for: places are per kind, so slot jobs never starve their parts", async () => {
    const queue = queueOf();
    let partsRun = 0;
    let mostSlotsAtOnce = 0;
    let slotsNow = 0;
    // A slot job enqueues its part and waits for it to complete (as a fanned-out scan's slot job does).
    queue.work("slot", async (payload) => {
      slotsNow += 1;
      mostSlotsAtOnce = Math.max(mostSlotsAtOnce, slotsNow);
      try {
        const key = String(payload.n);
        await queue.send("part", { n: payload.n }, { key });
        for (;;) {
          if ((await queue.state("part", key)) === "completed") return;
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        slotsNow -= 1;
      }
    });
    queue.work("part", async () => {
      partsRun += 1;
    });
    // More slot jobs than any shared limit of places, all due before their parts: with one pool of places for
    // every kind, the first slot jobs would hold them all while their parts wait behind the other slots.
    for (let n = 0; n < 6; n++) await queue.send("slot", { n }, { key: String(n) });
    await queue.start();
    await queue.idle();
    await queue.stop();

    expect(partsRun).toBe(6);
    for (let n = 0; n < 6; n++) expect(await queue.state("slot", String(n))).toBe("completed");
    expect(mostSlotsAtOnce).toBe(2);
  });
});

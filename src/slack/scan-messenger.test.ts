import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { makeFindings } from "../../test/support/slack-fakes.js";
import type { ScanHandle, ScanOutcome, ScanProgressUpdate } from "./ports.js";
import type { ThrottleClock } from "./progress-throttle.js";
import { type ChatClient, ScanMessenger } from "./scan-messenger.js";
import { createTaskTracker } from "./tasks.js";

/** Virtual time that jumps to each timer's due time when the timer fires (on the next turn of the loop). */
function warpClock(): ThrottleClock {
  let now = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const at = now + ms;
      return setImmediate(() => {
        now = Math.max(now, at);
        fn();
      });
    },
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

function manualHandle(id = "scan-1") {
  const listeners = new Set<(p: ScanProgressUpdate) => void>();
  let finish: (o: ScanOutcome) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const done = new Promise<ScanOutcome>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const handle = (joined: boolean): ScanHandle => ({
    id,
    scope: "accounts=*;regions=*",
    joined,
    onProgress: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    done,
  });
  return {
    handle,
    progress: (done: number, total: number) => {
      for (const l of listeners) l({ done, total, message: `Step ${done}.` });
    },
    finish: (findings = makeFindings(60)) =>
      finish({
        scanId: id,
        findings,
        errors: [],
        startedAt: new Date("2024-05-01T09:00:00Z"),
        finishedAt: new Date("2024-05-01T09:01:00Z"),
        accounts: ["123456789012"],
        regions: ["us-east-1"],
      }),
    fail,
  };
}

interface Call {
  method: "postMessage" | "update";
  at: number;
  args: { channel: string; ts?: string; thread_ts?: string; text: string; blocks: unknown[] };
}

function recordingClient(clock: ThrottleClock, failPost?: string) {
  const calls: Call[] = [];
  let ts = 0;
  const client = {
    chat: {
      postMessage: async (args: Call["args"]) => {
        calls.push({ method: "postMessage", at: clock.now(), args });
        if (failPost) throw Object.assign(new Error(failPost), { data: { ok: false, error: failPost } });
        ts += 1;
        return { ok: true, channel: args.channel, ts: `1700000000.00000${ts}` };
      },
      update: async (args: Call["args"]) => {
        calls.push({ method: "update", at: clock.now(), args });
        return { ok: true, channel: args.channel, ts: args.ts };
      },
    },
  } as unknown as ChatClient;
  return { client, calls };
}

function setup(failPost?: string) {
  const clock = warpClock();
  const { client, calls } = recordingClient(clock, failPost);
  const logger = pino({ level: "silent" });
  const tasks = createTaskTracker(logger);
  const messenger = new ScanMessenger({ client, logger, tasks, clock, progressIntervalMs: 1000 });
  return { messenger, calls, tasks };
}

const request = (channel: string, userId: string) => ({ channel, userId, accounts: [], regions: [] });

describe("ScanMessenger", () => {
  it("edits the message at most once a second, then shows the result and pages the rest into the thread", async () => {
    const { messenger, calls, tasks } = setup();
    const scan = manualHandle();
    expect(await messenger.post(scan.handle(false), request("C1", "U0ALICE"))).toEqual({
      kind: "posted",
      channel: "C1",
      ts: "1700000000.000001",
    });
    for (let i = 1; i <= 200; i += 1) {
      scan.progress(i, 200);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    scan.finish();
    await tasks.idle();

    const edits = calls.filter((c) => c.method === "update");
    const writes = calls.filter((c) => c.method === "update" || !c.args.thread_ts);
    for (let i = 1; i < writes.length; i += 1) {
      expect((writes[i]?.at ?? 0) - (writes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    expect(edits.length).toBeLessThan(20);
    expect(edits.at(-1)?.args.text).toContain("60 failing");
    const thread = calls.filter((c) => c.args.thread_ts);
    expect(thread.length).toBeGreaterThan(0);
    expect(thread.every((c) => c.args.thread_ts === "1700000000.000001")).toBe(true);
    expect(thread.map((c) => c.args.text)).toEqual(
      thread.map((_, i) => expect.stringContaining(`page ${i + 1} of`)),
    );
    expect(calls.indexOf(edits.at(-1) as Call)).toBeLessThan(calls.indexOf(thread[0] as Call));
  });

  it("shares one message per channel between people who join the same scan", async () => {
    const { messenger, calls, tasks } = setup();
    const scan = manualHandle();
    await messenger.post(scan.handle(false), request("C1", "U0ALICE"));
    expect(await messenger.post(scan.handle(true), request("C1", "U0BOB"))).toEqual({
      kind: "already-in-channel",
      ts: "1700000000.000001",
    });
    expect((await messenger.post(scan.handle(true), request("C2", "U0CAROL"))).kind).toBe("posted");
    scan.finish(makeFindings(2));
    await tasks.idle();
    expect(calls.filter((c) => c.method === "postMessage").map((c) => c.args.channel)).toEqual(["C1", "C2"]);
    const finals = calls.filter((c) => c.method === "update" && c.args.text.includes("2 failing"));
    expect(finals.map((c) => c.args.channel).sort()).toEqual(["C1", "C2"]);
    const c1 = JSON.stringify(finals.find((c) => c.args.channel === "C1")?.args.blocks);
    expect(c1).toContain("<@U0ALICE>, <@U0BOB>");
  });

  it("replaces the message with the reason when the scan cannot run", async () => {
    const { messenger, calls, tasks } = setup();
    const scan = manualHandle();
    await messenger.post(scan.handle(false), request("C1", "U0ALICE"));
    scan.fail(new Error("AssumeRole <denied> for role"));
    await tasks.idle();
    const last = calls.at(-1);
    expect(last?.method).toBe("update");
    expect(last?.args.text).toBe("Forecast audit could not run.");
    expect(JSON.stringify(last?.args.blocks)).toContain("AssumeRole &lt;denied&gt; for role");
  });

  it("says why when it cannot post in the channel", async () => {
    const { messenger, tasks } = setup("not_in_channel");
    const scan = manualHandle();
    expect(await messenger.post(scan.handle(false), request("C1", "U0ALICE"))).toEqual({
      kind: "failed",
      error: "not_in_channel",
    });
    scan.finish();
    await tasks.idle();
  });
});

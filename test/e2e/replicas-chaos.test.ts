/**
 * Chaos: replicas of `serve`'s durable work (test/support/replica-child.ts: the real store, job queue,
 * scheduler, scan fan-out and digest) on one database, a scan and a digest every 10 seconds, killed with
 * SIGKILL at chosen points — while a scan part collects, while the digest backs off a Slack rate limit, right
 * after Slack accepted a digest message (between post and record) — and restarted. Then every slot up to the
 * end of the chaos has exactly one scheduled scan and exactly one digest per channel, every job ended (or was
 * dead-lettered and recorded so), and no message was posted twice.
 * PostgreSQL: two replicas, one killed at a time. SQLite: one process, killed and restarted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { scheduledScanId } from "../../src/schedule/scheduled-scan.js";
import { openStore } from "../../src/store/open-store.js";
import { type FakeSlackApi, type RecordedCall, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const CHILD = join(import.meta.dirname, "../support/replica-child.ts");
const ACCOUNTS = ["111111111111", "222222222222", "333333333333"];
const CHANNELS = ["C0ONE", "C0TWO"];
const SLOT_SECONDS = 10;
const CONFIG = {
  accounts: ACCOUNTS.map((id) => ({ id })),
  slack: { digest: { channels: CHANNELS, cron: `*/${SLOT_SECONDS} * * * * *` } },
  schedule: { scanCron: `*/${SLOT_SECONDS} * * * * *`, runMissedOnStart: true },
  jobs: {
    leaseSeconds: 10,
    expireSeconds: 120,
    retryLimit: 6,
    retryDelaySeconds: 1,
    pollSeconds: 0.5,
    superviseSeconds: 1,
    digestWaitsForScanSeconds: 60,
  },
};

type KillPoint = "scan" | "backoff" | "post";

interface LogLine {
  replica: string;
  msg: string;
}

class Replicas {
  readonly #children = new Map<string, ChildProcess>();
  readonly #listeners = new Set<(line: LogLine) => void>();
  readonly exits: string[] = [];
  /** Every JSON line the replicas logged, for the failure messages. */
  readonly lines: string[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly slack: FakeSlackApi,
  ) {}

  async start(name: string): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, name, this.databaseUrl], {
      env: {
        ...process.env,
        CHAOS_CONFIG: JSON.stringify(CONFIG),
        SLACK_API_URL: this.slack.url,
        CHAOS_SCAN_MS: "1500",
        CHAOS_RATE_LIMIT: "0.5",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#children.set(name, child);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL" && code !== 0) this.exits.push(`${name} exited ${code}: ${stderr}`);
    });
    createInterface({ input: child.stdout! }).on("line", (raw) => {
      this.lines.push(raw);
      let line: LogLine;
      try {
        const parsed = JSON.parse(raw) as { msg?: string };
        line = { replica: name, msg: parsed.msg ?? "" };
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(line);
    });
    await this.next((l) => l.replica === name && l.msg === "chaos: ready", 30_000);
  }

  next(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine | undefined> {
    return new Promise((resolve) => {
      const listener = (line: LogLine) => {
        if (!predicate(line)) return;
        this.#listeners.delete(listener);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        resolve(undefined);
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  kill(name: string): void {
    this.#children.get(name)?.kill("SIGKILL");
    this.#children.delete(name);
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.#children.entries()].map(
        ([name, child]) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => this.kill(name), 20_000).unref();
          }),
      ),
    );
    this.#children.clear();
  }
}

/** The next chat.postMessage of a main digest message that Slack accepted, and who posted it. */
async function nextAcceptedMain(slack: FakeSlackApi, timeoutMs: number): Promise<string | undefined> {
  const from = slack.calls.length;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const call = slack.calls
      .slice(from)
      .find(
        (c) => c.method === "chat.postMessage" && c.body.thread_ts === undefined && c.response.ok === true,
      );
    if (call) return call.token?.replace(/^xoxb-/, "");
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

async function victimAt(
  point: KillPoint,
  replicas: Replicas,
  slack: FakeSlackApi,
): Promise<string | undefined> {
  const timeoutMs = 15_000;
  if (point === "post") return nextAcceptedMain(slack, timeoutMs);
  const msg = point === "scan" ? "chaos: collecting" : "Slack call failed; retrying";
  return (await replicas.next((l) => l.msg === msg, timeoutMs))?.replica;
}

interface JobRow {
  name: string;
  slot: string | null;
  state: string;
  id: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);

interface Harness {
  engine: "postgres" | "sqlite";
  available: boolean;
  names: string[];
  chaosMs: number;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
  jobs(url: string): Promise<JobRow[]>;
}

const harnesses: Harness[] = [
  {
    engine: "postgres",
    available: server !== undefined,
    names: ["a", "b"],
    chaosMs: 40_000,
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
    async jobs(url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<JobRow>(
          `select name, data->'payload'->>'slot' as slot, state::text as state, id::text as id
             from pgboss.job where name in ('scan', 'digest', 'scan-part')`,
        );
        return rows;
      } finally {
        await client.end();
      }
    },
  },
  {
    engine: "sqlite",
    available: true,
    names: ["a"],
    chaosMs: 35_000,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-chaos-"));
      return {
        url: `sqlite:${join(dir, "state.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
    async jobs(url) {
      const db = new Database(url.slice("sqlite:".length), { readonly: true, timeout: 10_000 });
      try {
        return db
          .prepare("select kind as name, json_extract(payload, '$.slot') as slot, state, id from jobs")
          .all() as JobRow[];
      } finally {
        db.close();
      }
    },
  },
];

const ENDED = new Set(["completed", "failed"]);

for (const harness of harnesses) {
  describe.skipIf(!harness.available)(`replicas under kill -9 on ${harness.engine}`, () => {
    it("every slot has exactly one scheduled scan and one digest per channel; every job ended; nothing posted twice", {
      timeout: 330_000,
    }, async () => {
      // Message ts from the real clock, so that a history lookup bounded by time finds them (the option is
      // there once the fake keeps messages; without it the fake ignores the argument).
      const start = startFakeSlackApi as (options?: { now?: () => number }) => Promise<FakeSlackApi>;
      const slack = await start({ now: () => Date.now() });
      onTestFinished(() => slack.close());
      const db = await harness.newDatabase();
      onTestFinished(db.cleanup);
      const replicas = new Replicas(db.url, slack);
      onTestFinished(() => replicas.stopAll());
      for (const name of harness.names) await replicas.start(name);

      const kills: { point: KillPoint; victim: string }[] = [];
      const downs: { from: number; to: number }[] = [];
      const plan: KillPoint[] = ["scan", "backoff", "post"];
      // At least chaosMs, and on until every kill point was hit (a loaded machine is slow), within a bound.
      const chaosEnd = Date.now() + harness.chaosMs;
      const hardEnd = chaosEnd + 40_000;
      const covered = () => plan.every((p) => kills.some((k) => k.point === p));
      while (Date.now() < chaosEnd || (!covered() && Date.now() < hardEnd)) {
        // Whichever kill point comes first among those not hit yet (then any).
        const done = new Set(kills.map((k) => k.point));
        const points = plan.filter((p) => !done.has(p));
        const hit = await Promise.race(
          (points.length > 0 ? points : plan).map(async (p) => {
            const v = await victimAt(p, replicas, slack);
            return v ? { point: p, victim: v } : undefined;
          }),
        );
        if (!hit || (Date.now() >= chaosEnd && covered())) continue;
        const { point, victim } = hit;
        const killedAt = Date.now();
        replicas.kill(victim);
        kills.push({ point, victim });
        await sleep(between(300, 2500));
        await replicas.start(victim);
        // With one replica the deployment was down in between (a documented gap: see `excused` below).
        if (harness.names.length === 1) downs.push({ from: killedAt, to: Date.now() });
        await sleep(between(500, 3000));
      }
      // A slot's trigger enqueues at its instant: slots a few seconds old have their jobs (or never will).
      const cutoff = new Date(Date.now() - 3000);

      // Every job of every slot up to the cutoff ends (a killed worker's job after its lease).
      let jobs: JobRow[] = [];
      // Generous: a digest rate-limited past its tries is retried by the queue, each try backing off ~30 s.
      const settleBy = Date.now() + 150_000;
      for (;;) {
        jobs = await harness.jobs(db.url);
        const due = jobs.filter(
          (j) => j.name === "scan-part" || (j.slot !== null && j.slot <= cutoff.toISOString()),
        );
        if (due.every((j) => ENDED.has(j.state)) || Date.now() > settleBy) break;
        await sleep(500);
      }
      await replicas.stopAll();
      expect(replicas.exits).toEqual([]);

      const store = await openStore({ databaseUrl: db.url });
      onTestFinished(() => store.close());
      const slotsOf = (kind: string) =>
        jobs
          .filter((j) => j.name === kind && j.slot !== null && j.slot <= cutoff.toISOString())
          .map((j) => j.slot as string)
          .sort();
      const scanSlots = slotsOf("scan");
      const digestSlots = slotsOf("digest");
      console.info(
        `${harness.engine}: ${scanSlots.length} slots, kills: ${kills.map((k) => `${k.point}@${k.victim}`).join(", ")}`,
      );
      // Kills happened at each point, and the chaos spanned several slots.
      expect(new Set(kills.map((k) => k.point))).toEqual(new Set(plan));
      expect(scanSlots.length).toBeGreaterThanOrEqual(3);

      // No slot was lost: every 10-second slot from the first to the cutoff has its jobs. The one documented
      // gap: while every instance is down, only the most recent missed slot runs at start-up, so a slot that
      // came during a down time followed by another slot before the restart is not run (SQLite only here;
      // on PostgreSQL the other replica is up).
      const grid: string[] = [];
      for (let t = Date.parse(scanSlots[0]!); t <= cutoff.getTime(); t += SLOT_SECONDS * 1000) {
        grid.push(new Date(t).toISOString());
      }
      const excused = (slot: string) =>
        downs.some(
          (d) => Date.parse(slot) >= d.from - 1000 && Date.parse(slot) + SLOT_SECONDS * 1000 <= d.to,
        );
      const required = grid.filter((slot) => !excused(slot));
      console.info(`${harness.engine}: excused slots: ${grid.filter(excused).join(", ") || "none"}`);
      for (const slot of required) {
        expect(scanSlots, `scan of ${slot}`).toContain(slot);
        expect(digestSlots, `digest of ${slot}`).toContain(slot);
      }
      const expected = scanSlots;

      // Every job ended; a failed one was dead-lettered and recorded so.
      const letters = await store.listAudit({ action: "job.dead-lettered", limit: 1000 });
      const recorded = new Set(letters.map((l) => l.target));
      const window = new Set([...scanSlots, ...digestSlots]);
      for (const job of jobs.filter((j) => j.name === "scan-part" || window.has(j.slot ?? ""))) {
        const ended = ENDED.has(job.state);
        expect(
          ended,
          `${job.name} ${job.slot} is ${job.state}${ended ? "" : `\n${replicas.lines.filter((l) => l.includes(job.id) || (job.slot !== null && l.includes(scheduledScanId(job.slot)))).join("\n")}`}`,
        ).toBe(true);
        if (job.state === "failed")
          expect(recorded.has(job.id), `${job.name} ${job.id} failed unrecorded`).toBe(true);
      }

      // Exactly one scheduled scan per slot: its row ended, one report, one part per account.
      const reports = await store.listAudit({ action: "schedule.scan", limit: 1000 });
      for (const slot of expected) {
        const scanId = scheduledScanId(slot);
        const scan = await store.getScan(scanId);
        expect(scan?.outcome, `scan of ${slot}`).toMatch(/^(succeeded|partial|failed)$/);
        expect(
          reports.filter((r) => r.target === scanId),
          `reports of ${slot}`,
        ).toHaveLength(1);
        expect((await store.scanParts(scanId)).map((p) => p.accountId)).toEqual(ACCOUNTS);
      }
      const scheduled = (await store.listScans({ limit: 1000 })).filter((s) => s.trigger === "schedule");
      expect(scheduled.filter((s) => expected.map(scheduledScanId).includes(s.id))).toHaveLength(
        expected.length,
      );

      // Exactly one digest per channel and slot: each main message Slack accepted is the one recorded for
      // its slot and channel, and no thread page was posted twice.
      const posted = await store.listAudit({ action: "digest.posted", limit: 1000 });
      if (process.env.CHAOS_DEBUG) {
        const digestAudit = await store.listAudit({ actionPrefix: "digest.", limit: 1000, order: "asc" });
        console.info(
          JSON.stringify(
            digestAudit.map((a) => [a.action, a.target, a.detail]),
            null,
            0,
          ),
        );
        console.info(JSON.stringify(jobs.filter((j) => j.name === "digest")));
        console.info(
          JSON.stringify(
            slack.calls
              .filter((c) => c.method !== "auth.test")
              .map((c) => [
                c.method,
                c.token,
                c.body.channel,
                c.body.thread_ts,
                c.response.ok,
                c.response.ts,
              ]),
          ),
        );
      }
      const mains = slack.calls.filter(
        (c: RecordedCall) =>
          c.method === "chat.postMessage" && c.body.thread_ts === undefined && c.response.ok === true,
      );
      for (const slot of digestSlots) {
        for (const channel of CHANNELS) {
          const records = posted.filter(
            (p) => p.target === channel && (p.detail as { slot?: string } | undefined)?.slot === slot,
          );
          // On failure, say what was recorded for it instead (a failure, a dead letter, nothing at all).
          const about = (await store.listAudit({ actionPrefix: "digest.", target: channel, limit: 1000 }))
            .filter((a) => (a.detail as { slot?: string } | undefined)?.slot === slot)
            .map((a) => [a.action, a.detail]);
          const job = jobs.find((j) => j.name === "digest" && j.slot === slot);
          const logged = () =>
            replicas.lines.filter((l) => l.includes(slot) || (job !== undefined && l.includes(job.id)));
          expect(
            records,
            `digest of ${slot} in ${channel}: ${JSON.stringify({ job, audit: about })}\n${records.length === 1 ? "" : logged().join("\n")}`,
          ).toHaveLength(1);
        }
      }
      const slotOfTs = new Map(
        posted.map((p) => [
          `${p.target} ${(p.detail as { ts?: string }).ts}`,
          (p.detail as { slot?: string }).slot,
        ]),
      );
      // The replicas stopped gracefully: every main message Slack accepted was recorded (none posted twice
      // after a crash between post and record, none left behind).
      const unrecorded = mains.filter(
        (m) => !slotOfTs.has(`${String(m.body.channel)} ${String(m.response.ts)}`),
      );
      expect(unrecorded.map((m) => `${String(m.body.channel)} ${String(m.response.ts)}`)).toEqual([]);
      const mainsInWindow = mains.filter((m) => {
        const slot = slotOfTs.get(`${String(m.body.channel)} ${String(m.response.ts)}`);
        return slot !== undefined && digestSlots.includes(slot);
      });
      expect(mainsInWindow).toHaveLength(digestSlots.length * CHANNELS.length);
      const pages = slack.calls.filter(
        (c) => c.method === "chat.postMessage" && c.body.thread_ts !== undefined && c.response.ok === true,
      );
      const pageKeys = pages.map((p) => `${String(p.body.thread_ts)} ${JSON.stringify(p.body.text)}`);
      expect(pageKeys.length).toBe(new Set(pageKeys).size);
    });
  });
}

/**
 * The state store on both engines: SQLite (a temp file) and a real PostgreSQL server (TEST_POSTGRES_URL,
 * else a throwaway cluster). In CI a missing PostgreSQL fails this file instead of skipping half of it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  sql,
} from "kysely";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import type { AccountEvidence } from "../../src/domain/evidence.js";
import { type Finding, findingId, findingKey } from "../../src/domain/finding.js";
import type { Severity } from "../../src/domain/severity.js";
import { createKysely } from "../../src/store/connect.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import {
  DuplicatePendingRequestError,
  ScanNotRunningError,
  StoreInputError,
} from "../../src/store/errors.js";
import { MIGRATION_NAMES, migrate } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open-store.js";
import { IllegalTransitionError } from "../../src/store/request-states.js";
import { failingPage } from "../../src/store/scan-commit.js";
import type { Engine, Lifecycle, ScanScope, Store } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { syntheticFindings } from "../support/store-child.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const ACCOUNT = "111111111111";
const REGION = "us-east-1";
const CONTROL = "kms-key-rotation-enabled";
const CHILD = join(import.meta.dirname, "../support/store-child.ts");

interface Harness {
  engine: Engine;
  available: boolean;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const harnesses: Harness[] = [
  {
    engine: "sqlite",
    available: true,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-store-"));
      return {
        url: `sqlite:${join(dir, "nested", "store.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
];

class Clock {
  t = Date.parse("2026-03-01T08:00:00.000Z");
  now = (): Date => new Date(this.t);
  iso(): string {
    return new Date(this.t).toISOString();
  }
  advance(ms: number): string {
    this.t += ms;
    return this.iso();
  }
  hours(n: number): string {
    return this.advance(n * 3_600_000);
  }
  days(n: number): string {
    return this.advance(n * 86_400_000);
  }
}

function finding(resource: string, status: Finding["status"], over: Partial<Finding> = {}): Finding {
  const f: Finding = {
    controlId: CONTROL,
    status,
    severity: "medium",
    accountId: ACCOUNT,
    region: REGION,
    resourceArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${resource}`,
    resourceType: "kms-key",
    title: "KMS key rotation is enabled",
    detail: `${resource} is ${status}.`,
    ...over,
  };
  if (status === "ERROR" && !over.error) {
    f.error = { code: "AccessDenied", message: "denied", action: "kms:GetKeyRotationStatus" };
  }
  return f;
}

const keyOf = (f: Finding) => findingKey(f);

function scopeOf(findings: readonly Finding[], extra: Partial<ScanScope> = {}): ScanScope {
  return {
    accounts: extra.accounts ?? [ACCOUNT],
    regions: extra.regions ?? [REGION],
    controls: extra.controls ?? [...new Set([CONTROL, ...findings.map((f) => f.controlId)])],
  };
}

/** Each history chain starts from nothing and ends where the finding stands now. */
async function expectConsistentHistory(store: Store): Promise<void> {
  for (const f of await store.listFindings({ includeSuppressed: true })) {
    const history = await store.findingHistory(f.key);
    expect(history.length, f.key).toBeGreaterThan(0);
    expect(history[0]!.from).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
    expect(history.at(-1)!.to).toBe(f.lifecycle);
  }
}

interface Racer {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  done: Promise<{ wins: number; code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function spawnChild(args: string[]): Racer {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    cwd: join(import.meta.dirname, "../.."),
    env: { ...process.env },
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let wins = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line === "ready") markReady();
    else if (line.startsWith("{")) wins = (JSON.parse(line) as { wins: number }).wins;
  });
  const done = new Promise<{
    wins: number;
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ wins, code, signal, stderr })));
  return { child, ready, done };
}

/** Throws from inside the commit transaction on the `n`-th multi-row insert into `findings`, once armed. */
function faultOnFindingsInsert(n: number): { plugin: KyselyPlugin; arm(on: boolean): void } {
  let armed = false;
  let seen = 0;
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs) {
      const node = args.node;
      if (armed && node.kind === "InsertQueryNode" && node.into?.table.identifier.name === "findings") {
        seen++;
        if (seen === n) throw new Error("simulated crash in the middle of a scan commit");
      }
      return node;
    },
    async transformResult(args: PluginTransformResultArgs) {
      return args.result;
    },
  };
  return {
    plugin,
    arm: (on) => {
      armed = on;
      seen = 0;
    },
  };
}

describe.each(harnesses)("store on $engine", (h) => {
  const suite = h.available ? describe : describe.skip;

  suite("", () => {
    async function fresh(options: { clock?: Clock; plugins?: KyselyPlugin[] } = {}) {
      const clock = options.clock ?? new Clock();
      const db = await h.newDatabase();
      const stores: Store[] = [];
      const open = async (plugins?: KyselyPlugin[]) => {
        const store = await openStore({
          databaseUrl: db.url,
          now: clock.now,
          ...(plugins ? { plugins } : {}),
        });
        stores.push(store);
        return store;
      };
      const store = await open(options.plugins);
      onTestFinished(async () => {
        for (const s of stores) await s.close().catch(() => {});
        await db.cleanup();
      });
      /** One scan at the next hour: `findings` with a scope that covers them (or `scope`). */
      const scan = async (findings: Finding[], scope?: Partial<ScanScope>, on: Store = store) => {
        clock.hours(1);
        return on.recordScan({ scope: scopeOf(findings, scope), trigger: "cli:tester", findings });
      };
      return { store, clock, url: db.url, open, scan };
    }

    describe("lifecycle", () => {
      type Step =
        | "PASS"
        | "FAIL"
        | "ERROR"
        | "missing"
        | "missing-with-error"
        | "other-region"
        | "other-control";
      const table: Array<[string, Step[], Lifecycle[]]> = [
        ["FAIL the first time → new", ["FAIL"], ["new"]],
        ["FAIL again → open", ["FAIL", "FAIL", "FAIL"], ["new", "open", "open"]],
        ["PASS after FAIL → resolved", ["FAIL", "PASS"], ["new", "resolved"]],
        [
          "FAIL after resolved → reopened, then open",
          ["FAIL", "PASS", "FAIL", "FAIL"],
          ["new", "resolved", "reopened", "open"],
        ],
        ["only ever PASS → passing", ["PASS", "PASS"], ["passing", "passing"]],
        ["FAIL after passing → new", ["PASS", "FAIL"], ["passing", "new"]],
        ["only ever ERROR → unevaluated", ["ERROR", "ERROR"], ["unevaluated", "unevaluated"]],
        ["ERROR never resolves", ["FAIL", "FAIL", "ERROR", "ERROR"], ["new", "open", "open", "open"]],
        ["ERROR never opens a resolved finding", ["FAIL", "PASS", "ERROR"], ["new", "resolved", "resolved"]],
        ["FAIL after ERROR → new", ["ERROR", "FAIL"], ["unevaluated", "new"]],
        [
          "missing from a scan that covers it → resolved",
          ["FAIL", "FAIL", "missing"],
          ["new", "open", "resolved"],
        ],
        [
          "missing while its control errored there → unchanged",
          ["FAIL", "missing-with-error"],
          ["new", "new"],
        ],
        ["missing from a scan of another region → unchanged", ["FAIL", "other-region"], ["new", "new"]],
        ["missing from a scan without its control → unchanged", ["FAIL", "other-control"], ["new", "new"]],
        ["a passing finding that disappears stays passing", ["PASS", "missing"], ["passing", "passing"]],
        ["FAIL after gone → reopened", ["FAIL", "missing", "FAIL"], ["new", "resolved", "reopened"]],
      ];

      it.each(table)("%s", async (_name, steps, expected) => {
        const { store, scan } = await fresh();
        const key = keyOf(finding("k1", "FAIL"));
        const lastStatus: string[] = [];
        for (const [i, step] of steps.entries()) {
          if (step === "PASS" || step === "FAIL" || step === "ERROR") {
            await scan([finding("k1", step)]);
            lastStatus.push(step);
          } else if (step === "missing") {
            await scan([]);
          } else if (step === "missing-with-error") {
            await scan([finding("*", "ERROR")]);
          } else if (step === "other-region") {
            await scan([], { regions: ["eu-west-1"] });
          } else {
            await scan([], { controls: ["s3-bucket-tls-enforced"] });
          }
          const stored = await store.getFinding(key);
          expect(stored?.lifecycle, `after step ${i + 1} (${step})`).toBe(expected[i]);
          expect(stored?.status).toBe(lastStatus.at(-1));
        }
        const history = await store.findingHistory(key);
        const transitions = expected.filter((s, i) => i === 0 || s !== expected[i - 1]);
        expect(history.map((r) => r.to)).toEqual(transitions);
        await expectConsistentHistory(store);
      });

      it("records why a finding resolved, when it last failed and errored, and keeps the FAIL detail on ERROR", async () => {
        const { store, scan, clock } = await fresh();
        await scan([finding("a", "FAIL"), finding("b", "FAIL")]);
        const failedAt = clock.iso();
        await scan([finding("a", "ERROR"), finding("b", "PASS")]);
        const erroredAt = clock.iso();
        const a = await store.getFinding(keyOf(finding("a", "FAIL")));
        expect(a).toMatchObject({
          lifecycle: "new",
          status: "ERROR",
          detail: "a is FAIL.",
          lastFailedAt: failedAt,
          lastErrorAt: erroredAt,
        });
        expect(a?.error?.action).toBe("kms:GetKeyRotationStatus");
        const b = await store.getFinding(keyOf(finding("b", "FAIL")));
        expect(b).toMatchObject({
          lifecycle: "resolved",
          resolvedReason: "pass",
          resolvedAt: erroredAt,
          detail: "b is PASS.",
        });
        expect(b?.error).toBeUndefined();
        await scan([finding("a", "FAIL")]);
        await scan([]);
        const gone = await store.getFinding(keyOf(finding("a", "FAIL")));
        expect(gone).toMatchObject({
          lifecycle: "resolved",
          resolvedReason: "gone",
          resolvedAt: clock.iso(),
        });
      });

      it("moves the last-seen stamps on every scan, and first seen never", async () => {
        const { store, scan, clock } = await fresh();
        const first = await scan([finding("a", "FAIL"), finding("p", "PASS")]);
        const firstAt = clock.iso();
        await scan([finding("a", "FAIL"), finding("p", "PASS")]);
        const third = await scan([finding("a", "FAIL"), finding("p", "PASS")]);
        const a = await store.getFinding(keyOf(finding("a", "FAIL")));
        expect(a).toMatchObject({
          lifecycle: "open",
          firstSeenAt: firstAt,
          lastSeenAt: clock.iso(),
          lastFailedAt: clock.iso(),
          lastScanId: third.scan.id,
        });
        const p = await store.getFinding(keyOf(finding("p", "PASS")));
        expect(p).toMatchObject({
          lifecycle: "passing",
          firstSeenAt: firstAt,
          lastSeenAt: clock.iso(),
          lastScanId: third.scan.id,
        });
        expect(p?.lastFailedAt).toBeUndefined();
        expect(first.scan.id).not.toBe(third.scan.id);
      });

      it("resolves per-principal FAILs that an account-level PASS replaces, and covers global findings from any region", async () => {
        const { store, scan } = await fresh();
        const iam = (who: string, status: Finding["status"]) =>
          finding(who, status, {
            controlId: "iam-forecast-access-least-privilege",
            region: "global",
            resourceArn: `arn:aws:iam::${ACCOUNT}:${who}`,
            resourceType: who === "root" ? "iam-account" : "iam-user",
          });
        await scan([iam("user/alice", "FAIL"), iam("user/bob", "FAIL")]);
        const result = await scan([iam("root", "PASS")]);
        expect(
          result.changes
            .filter((c) => c.to === "resolved")
            .map((c) => c.key)
            .sort(),
        ).toEqual([keyOf(iam("user/alice", "FAIL")), keyOf(iam("user/bob", "FAIL"))].sort());
        expect((await store.getFinding(keyOf(iam("root", "PASS"))))?.lifecycle).toBe("passing");
        expect(result.scan.counts).toMatchObject({ pass: 1, fail: 0, resolved: 2, new: 0 });
      });

      it("counts the scan and marks it partial when a control errored", async () => {
        const { store, scan } = await fresh();
        const first = await scan([
          finding("a", "FAIL", { severity: "high" }),
          finding("b", "FAIL", { severity: "high" }),
          finding("c", "PASS"),
          finding("d", "ERROR"),
        ]);
        expect(first.scan.outcome).toBe("partial");
        expect(first.scan.counts).toMatchObject({
          pass: 1,
          fail: 2,
          error: 1,
          new: 2,
          reopened: 0,
          resolved: 0,
        });
        expect(first.scan.counts?.failBySeverity).toEqual({ critical: 0, high: 2, medium: 0, low: 0 });
        const stored = await store.getScan(first.scan.id);
        expect(stored).toEqual(first.scan);
        const second = await scan([finding("a", "PASS")]);
        expect(second.scan.outcome).toBe("succeeded");
        expect((await store.listScans()).map((s) => s.id)).toEqual([second.scan.id, first.scan.id]);
        await expect(store.completeScan(second.scan.id, { findings: [] })).rejects.toBeInstanceOf(
          ScanNotRunningError,
        );
      });

      it("resolves a finding no longer reported only on the scan's evidence, and keeps the rest marked not re-checked", async () => {
        const { store, clock } = await fresh();
        const EU = "eu-west-1";
        const regions = [REGION, EU];
        const evidenceScan = (findings: Finding[], evidence: Partial<AccountEvidence>) => {
          clock.hours(1);
          return store.recordScan({
            scope: scopeOf(findings, { controls: [CONTROL], regions }),
            trigger: "cli:tester",
            findings,
            evidence: [
              { accountId: ACCOUNT, incomplete: {}, seen: [], reach: {}, notApplicable: [], ...evidence },
            ],
          });
        };
        const eu = (name: string, status: Finding["status"]) =>
          finding(name, status, { region: EU, resourceArn: `arn:aws:kms:${EU}:${ACCOUNT}:key/${name}` });
        await evidenceScan(
          [eu("hidden", "FAIL"), finding("quiet", "FAIL"), finding("err", "FAIL"), finding("gone", "FAIL")],
          {},
        );
        const checkedAt = clock.iso();
        // eu-west-1's listing failed ("hidden" was not re-checked); the control went quiet on "quiet", which
        // the scan saw; "err" could not be read; "gone" is positively gone.
        const second = await evidenceScan([finding("err", "ERROR")], {
          incomplete: { [CONTROL]: [EU] },
          seen: [finding("quiet", "FAIL").resourceArn],
        });
        expect(second.changes).toEqual([
          { key: keyOf(finding("gone", "FAIL")), from: "new", to: "resolved", reason: "gone" },
        ]);
        const get = (f: Finding) => store.getFinding(keyOf(f));
        expect(await get(eu("hidden", "FAIL"))).toMatchObject({
          lifecycle: "new",
          notRecheckedSince: checkedAt,
        });
        expect(await get(finding("quiet", "FAIL"))).toMatchObject({
          lifecycle: "new",
          notRecheckedSince: checkedAt,
          checkedAt,
        });
        expect(await get(finding("err", "FAIL"))).toMatchObject({
          lifecycle: "new",
          status: "ERROR",
          notRecheckedSince: checkedAt,
        });
        // Evaluated again: the mark goes and the check date moves; a PASS resolves.
        await evidenceScan([finding("quiet", "FAIL"), finding("err", "PASS"), eu("hidden", "FAIL")], {});
        const quiet = await get(finding("quiet", "FAIL"));
        expect(quiet).toMatchObject({ lifecycle: "open", checkedAt: clock.iso() });
        expect(quiet?.notRecheckedSince).toBeUndefined();
        expect(await get(finding("err", "FAIL"))).toMatchObject({
          lifecycle: "resolved",
          resolvedReason: "pass",
        });
        expect((await get(eu("hidden", "FAIL")))?.notRecheckedSince).toBeUndefined();
      });
    });

    describe("concurrent scans", () => {
      it("applies the later-started scan's view whichever commits first", async () => {
        for (const order of ["later-first", "earlier-first"] as const) {
          const { store, clock } = await fresh();
          const scope = scopeOf([]);
          const early = await store.startScan({ scope, trigger: "schedule" });
          clock.hours(1);
          const late = await store.startScan({ scope, trigger: "cli:tester" });
          clock.hours(1);
          const earlyFindings = [finding("x", "FAIL"), finding("y", "FAIL")];
          const lateFindings = [finding("x", "PASS"), finding("y", "FAIL"), finding("z", "FAIL")];
          if (order === "later-first") {
            await store.completeScan(late.id, { findings: lateFindings });
            await store.completeScan(early.id, { findings: earlyFindings });
          } else {
            await store.completeScan(early.id, { findings: earlyFindings });
            await store.completeScan(late.id, { findings: lateFindings });
          }
          const x = await store.getFinding(keyOf(finding("x", "PASS")));
          expect(x?.status, order).toBe("PASS");
          expect(x?.lastScanId, order).toBe(late.id);
          expect(["passing", "resolved"]).toContain(x?.lifecycle);
          expect((await store.getFinding(keyOf(finding("z", "FAIL"))))?.lifecycle).toBe("new");
          await expectConsistentHistory(store);
        }
      });

      it("leaves a consistent result when many scans of one scope commit at once", async () => {
        const { store, clock, open } = await fresh();
        const other = await open();
        const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
        let seed = 42;
        const random = () => {
          seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
          return seed / 2 ** 31;
        };
        const scans: { id: string; findings: Finding[] }[] = [];
        for (let i = 0; i < 6; i++) {
          clock.advance(1000);
          const findings = keys
            .filter(() => random() < 0.8)
            .map((k) => finding(k, random() < 0.5 ? "FAIL" : "PASS"));
          const started = await store.startScan({ scope: scopeOf([]), trigger: `racer-${i}` });
          scans.push({ id: started.id, findings });
        }
        // SQLite serialises writers of one file; PostgreSQL gets two pools racing.
        const racers = h.engine === "postgres" ? [store, other] : [store];
        await Promise.all(
          [...scans]
            .reverse()
            .map((s, i) => racers[i % racers.length]!.completeScan(s.id, { findings: s.findings })),
        );
        await expectConsistentHistory(store);
        // Every key ends as the last-started scan that looked at it saw it (or gone, if that scan missed it).
        const last = scans.at(-1)!;
        for (const k of keys) {
          const stored = await store.getFinding(keyOf(finding(k, "FAIL")));
          if (!stored) continue;
          const inLast = last.findings.find((f) => f.resourceArn === finding(k, "FAIL").resourceArn);
          if (inLast) {
            expect(stored.status, k).toBe(inLast.status);
            expect(
              stored.lifecycle === "new" || stored.lifecycle === "open" || stored.lifecycle === "reopened",
            ).toBe(inLast.status === "FAIL");
          } else {
            expect(["resolved", "passing"]).toContain(stored.lifecycle);
          }
        }
        for (const s of scans) expect((await store.getScan(s.id))?.outcome).toBe("succeeded");
      });
    });

    describe("scan rows from their start", () => {
      const SLACK = {
        kind: "slack" as const,
        channel: "C0SCANS",
        user: "U0ALICE",
        command: "scan us-east-1",
      };

      it("records what the scan could not read with its outcome, and nothing when it was not told", async () => {
        const { store } = await fresh();
        const unscanned = [
          {
            accountId: "111111111111",
            region: "eu-west-1",
            code: "AccessDeniedException",
            action: "forecast:ListDatasetGroups",
            message: "Forecast in eu-west-1 of account 111111111111 could not be read",
          },
        ];
        const partial = await store.startScan({ scope: scopeOf([]), trigger: "schedule" });
        const done = await store.completeScan(partial.id, { findings: [finding("a", "FAIL")], unscanned });
        expect(done.scan.unscanned).toEqual(unscanned);
        expect((await store.getScan(partial.id))?.unscanned).toEqual(unscanned);
        const recorded = await store.recordScan({
          scope: scopeOf([]),
          trigger: "schedule",
          findings: [finding("b", "PASS")],
          unscanned: [],
        });
        expect((await store.getScan(recorded.scan.id))?.unscanned).toEqual([]);
        const untold = await store.recordScan({ scope: scopeOf([]), trigger: "cli:bob", findings: [] });
        expect((await store.getScan(untold.scan.id))?.unscanned).toBeUndefined();
      });

      it("writes the row running with a heartbeat, and the audit log in the real order", async () => {
        const { store, clock } = await fresh();
        const started = await store.startScan({
          scope: scopeOf([]),
          trigger: "slack:U0ALICE",
          origin: SLACK,
        });
        expect(await store.getScan(started.id)).toMatchObject({
          outcome: "running",
          heartbeatAt: clock.iso(),
          origin: SLACK,
        });
        expect((await store.listScans()).map((s) => [s.id, s.outcome])).toEqual([[started.id, "running"]]);
        // The scan is not "the last scan" before it ends.
        expect(await store.lastScan()).toBeUndefined();
        const beat = clock.advance(15_000);
        expect(await store.heartbeatScan(started.id, beat)).toBe(true);
        expect((await store.getScan(started.id))?.heartbeatAt).toBe(beat);
        clock.advance(15_000);
        const done = await store.completeScan(started.id, { findings: [finding("a", "FAIL")] });
        expect(done.scan.outcome).toBe("succeeded");
        expect(await store.heartbeatScan(started.id)).toBe(false);
        const log = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
        expect(log.map((e) => e.action)).toEqual(["scan.started", "scan.completed"]);
        expect(log[0]!.at <= log[1]!.at).toBe(true);
        expect(log[0]!.at).toBe(started.startedAt);
      });

      it("stamps scan.started with the scan's start even when it is recorded at the end", async () => {
        const { store, clock } = await fresh();
        const startedAt = clock.iso();
        const finishedAt = clock.advance(60_000);
        clock.advance(60_000); // recorded a minute after the scan ended
        await store.recordScan({ scope: scopeOf([]), trigger: "cli:t", findings: [], startedAt, finishedAt });
        const log = await store.listAudit({ actionPrefix: "scan.", order: "asc" });
        expect(log.map((e) => [e.action, e.at])).toEqual([
          ["scan.started", startedAt],
          ["scan.completed", finishedAt],
        ]);
      });

      it("records the scope a running scan resolved to, and commits against it", async () => {
        const { store } = await fresh();
        const started = await store.startScan({
          scope: { accounts: [], regions: [REGION], controls: [CONTROL] },
          trigger: "cli:t",
        });
        expect(await store.setScanScope(started.id, scopeOf([]))).toBe(true);
        const done = await store.completeScan(started.id, { findings: [finding("a", "FAIL")] });
        expect(done.scan.scope.accounts).toEqual([ACCOUNT]);
        expect(await store.setScanScope(started.id, scopeOf([]))).toBe(false);
      });

      it("marks interrupted only the scans whose heartbeat is older than the lease, across two replicas", async () => {
        const { store: replicaA, clock, open } = await fresh();
        const replicaB = await open();
        const lease = 45_000;
        const live = await replicaA.startScan({
          scope: scopeOf([]),
          trigger: "slack:U0ALICE",
          origin: SLACK,
        });
        const dead = await replicaB.startScan({
          scope: scopeOf([]),
          trigger: "schedule",
          origin: { kind: "schedule", slot: "2026-03-01T08:00:00.000Z" },
        });
        // Replica A keeps its scan alive; replica B's process is gone (no more heartbeats).
        for (let i = 0; i < 8; i++) {
          clock.advance(15_000);
          expect(await replicaA.heartbeatScan(live.id, clock.iso())).toBe(true);
          const cutoff = new Date(clock.t - lease).toISOString();
          // Replica A's own periodic sweep, like a restarted replica B's start-up sweep, spares the live scan.
          const marked = await (i % 2 === 0 ? replicaA : replicaB).markScansInterrupted(cutoff);
          expect(marked.map((s) => s.id)).not.toContain(live.id);
        }
        expect((await replicaA.getScan(dead.id))?.outcome).toBe("interrupted");
        expect((await replicaA.getScan(live.id))?.outcome).toBe("running");
        const interrupted = await replicaA.listAudit({ action: "scan.interrupted" });
        expect(interrupted.map((e) => e.target)).toEqual([dead.id]);
        expect(interrupted[0]!.detail).toMatchObject({ trigger: "schedule", startedAt: dead.startedAt });
        // The live scan commits; the dead one's results are refused (and its heartbeat too).
        await expect(replicaA.completeScan(live.id, { findings: [] })).resolves.toMatchObject({
          scan: { outcome: "succeeded" },
        });
        expect(await replicaB.heartbeatScan(dead.id)).toBe(false);
        await expect(replicaB.completeScan(dead.id, { findings: [] })).rejects.toBeInstanceOf(
          ScanNotRunningError,
        );
        // Nothing left to mark: a second sweep adds no audit entry.
        expect(await replicaB.markScansInterrupted(clock.iso())).toEqual([]);
        expect(await replicaA.listAudit({ action: "scan.interrupted" })).toHaveLength(1);
      });

      it("takes a scan left running before migration 0010 by its start, and never announces it", async () => {
        const db = await h.newDatabase();
        onTestFinished(() => db.cleanup());
        const kysely = await createKysely(parseDatabaseUrl(db.url));
        try {
          await migrate(kysely, h.engine, "0008_account_directory");
          await sql`insert into scans (id, trigger, scope, started_at, outcome)
            values ('old-scan', 'schedule', ${JSON.stringify(scopeOf([]))}, '2026-01-01T00:00:00.000Z', 'running')`.execute(
            kysely,
          );
        } finally {
          await kysely.destroy();
        }
        const clock = new Clock();
        const store = await openStore({ databaseUrl: db.url, now: clock.now });
        try {
          expect(await store.getScan("old-scan")).toMatchObject({
            outcome: "running",
            heartbeatAt: "2026-01-01T00:00:00.000Z",
          });
          expect((await store.markScansInterrupted(clock.iso())).map((s) => s.id)).toEqual(["old-scan"]);
          expect(await store.leaseInterruptedScanAnnouncements("a", clock.iso())).toEqual([]);
        } finally {
          await store.close();
        }
      });

      it("marks one running scan interrupted at once when its process is asked to stop, and only a running one", async () => {
        const { store } = await fresh();
        const stopped = await store.startScan({ scope: scopeOf([]), trigger: "cli:alice" });
        const other = await store.startScan({ scope: scopeOf([]), trigger: "cli:bob" });
        expect(await store.interruptScan(stopped.id, "Ctrl-C (SIGINT)")).toBe(true);
        expect((await store.getScan(stopped.id))?.outcome).toBe("interrupted");
        // Only that scan: another process's scan keeps running.
        expect((await store.getScan(other.id))?.outcome).toBe("running");
        expect(await store.interruptScan(stopped.id, "again")).toBe(false);
        await store.completeScan(other.id, { findings: [] });
        expect(await store.interruptScan(other.id, "SIGTERM")).toBe(false);
        expect((await store.getScan(other.id))?.outcome).not.toBe("interrupted");
        const entries = await store.listAudit({ action: "scan.interrupted" });
        expect(entries.map((e) => [e.target, (e.detail as { reason?: string }).reason])).toEqual([
          [stopped.id, "Ctrl-C (SIGINT)"],
        ]);
      });

      it("hands each interruption to announce out once across replicas, and again once released", async () => {
        const { store: replicaA, clock, open } = await fresh();
        const replicaB = await open();
        const slack = await replicaA.startScan({
          scope: scopeOf([]),
          trigger: "slack:U0ALICE",
          origin: SLACK,
        });
        const cli = await replicaA.startScan({
          scope: scopeOf([]),
          trigger: "cli:alice",
          origin: { kind: "cli", user: "alice" },
        });
        const finished = await replicaA.startScan({
          scope: scopeOf([]),
          trigger: "slack:U0BOB",
          origin: SLACK,
        });
        await replicaA.completeScan(finished.id, { findings: [] });
        clock.advance(60_000);
        expect((await replicaA.markScansInterrupted(clock.iso())).map((s) => s.id).sort()).toEqual(
          [slack.id, cli.id].sort(),
        );
        const stale = new Date(clock.now().getTime() - 15 * 60_000).toISOString();
        const claims = await Promise.all([
          replicaA.leaseInterruptedScanAnnouncements("a", stale),
          replicaB.leaseInterruptedScanAnnouncements("b", stale),
        ]);
        // Only the Slack one has somewhere to be announced; exactly one replica got it.
        expect(claims.flat().map((s) => [s.id, s.origin])).toEqual([[slack.id, SLACK]]);
        const holder = (claims[0] ?? []).length > 0 ? "a" : "b";
        expect(await replicaA.leaseInterruptedScanAnnouncements("a", stale)).toEqual([]);
        await replicaB.settleInterruptedScanAnnouncement(slack.id, holder, false);
        expect((await replicaA.leaseInterruptedScanAnnouncements("a", stale)).map((s) => s.id)).toEqual([
          slack.id,
        ]);
        // The CLI scan shows as interrupted in history.
        expect((await replicaB.getScan(cli.id))?.outcome).toBe("interrupted");
      });
    });

    describe("a crash in the middle of a scan commit", () => {
      it("rolls back a commit that fails after some of its writes, leaving the previous state whole", async () => {
        const fault = faultOnFindingsInsert(2);
        const { store, scan } = await fresh({ plugins: [fault.plugin] });
        const before = syntheticFindings(1000, "FAIL");
        await scan(before);
        const snapshot = await store.listFindings({ includeSuppressed: true });
        const running = await store.startScan({ scope: scopeOf([]), trigger: "cli:tester" });
        fault.arm(true);
        await expect(
          store.completeScan(running.id, { findings: syntheticFindings(1000, "PASS") }),
        ).rejects.toThrow(/simulated crash/);
        fault.arm(false);
        expect(await store.listFindings({ includeSuppressed: true })).toEqual(snapshot);
        expect((await store.getScan(running.id))?.outcome).toBe("running");
        expect(await store.listAudit({ action: "scan.completed" })).toHaveLength(1);
        expect(await store.failScan(running.id, "interrupted by a fault")).toBe(true);
        const next = await scan(syntheticFindings(1000, "PASS"));
        expect(next.scan.counts?.resolved).toBe(1000);
      });

      it("survives a process killed mid-commit (SIGKILL): nothing of the scan is visible", async () => {
        const { store, scan, clock, url } = await fresh();
        await scan(syntheticFindings(1000, "FAIL"));
        const snapshot = await store.listFindings({ includeSuppressed: true });
        const historyBefore = await store.findingHistory(snapshot[0]!.key);
        const running = await store.startScan({ scope: scopeOf([]), trigger: "cli:tester" });
        const result = await spawnChild(["crash", url, running.id, "1000"]).done;
        expect(result.signal, result.stderr).toBe("SIGKILL");
        expect(await store.listFindings({ includeSuppressed: true })).toEqual(snapshot);
        expect(await store.findingHistory(snapshot[0]!.key)).toEqual(historyBefore);
        expect((await store.getScan(running.id))?.outcome).toBe("running");
        // Its heartbeat goes stale: the sweep marks it; its results can no longer be committed.
        expect((await store.markScansInterrupted(clock.hours(1))).map((s) => s.id)).toEqual([running.id]);
        await expect(store.completeScan(running.id, { findings: [] })).rejects.toBeInstanceOf(
          ScanNotRunningError,
        );
        // And no lock was left behind: the next scan commits.
        const next = await scan(syntheticFindings(1000, "PASS"));
        expect(next.scan.counts?.resolved).toBe(1000);
      });

      it("on SQLite, a big commit killed between its short write transactions leaves whole finding moves only, and the next scan finishes them", async () => {
        if (h.engine !== "sqlite") return;
        const { store, scan, clock, url } = await fresh();
        const count = 5_000;
        await scan(syntheticFindings(count, "FAIL"));
        const before = new Map(
          (await store.listFindings({ includeSuppressed: true })).map((f) => [f.key, f.lifecycle]),
        );
        const running = await store.startScan({ scope: scopeOf([]), trigger: "cli:tester" });
        // Dies right after the first short write transaction committed (5,000 moves and their history are
        // more than one transaction's rows).
        const result = await spawnChild(["crash-between", url, running.id, String(count)]).done;
        expect(result.signal, result.stderr).toBe("SIGKILL");

        const after = await store.listFindings({ includeSuppressed: true });
        const moved = after.filter((f) => f.lifecycle === "resolved");
        // Some moves were committed, not all: the commit really was cut between transactions.
        expect(moved.length).toBeGreaterThan(0);
        expect(moved.length).toBeLessThan(count);
        for (const f of after) {
          // Each finding is where it was, or where the killed scan moved it — with the history of that move.
          if (f.lifecycle === "resolved") expect(f.lastScanId).toBe(running.id);
          else expect(f.lifecycle).toBe(before.get(f.key));
        }
        await expectConsistentHistory(store);
        expect((await store.getScan(running.id))?.outcome).toBe("running");
        expect(await store.markScansInterrupted(clock.hours(1))).toHaveLength(1);

        // The dead process's commit lock is taken over at once, and the next scan moves the rest: every
        // finding resolved exactly once, nothing lost, nothing counted twice.
        const next = await scan(syntheticFindings(count, "PASS"));
        expect(next.scan.counts?.resolved).toBe(count - moved.length);
        const final = await store.listFindings({ includeSuppressed: true });
        expect(final.every((f) => f.lifecycle === "resolved")).toBe(true);
        await expectConsistentHistory(store);
        for (const f of final.slice(0, 50)) {
          const resolved = (await store.findingHistory(f.key)).filter((c) => c.to === "resolved");
          expect(resolved, f.key).toHaveLength(1);
        }
      });
    });

    describe("suppressions", () => {
      it("hides a suppressed finding from every report until the suppression expires, without any job", async () => {
        const { store, scan, clock } = await fresh();
        await scan([finding("a", "FAIL", { severity: "high" }), finding("b", "FAIL", { severity: "high" })]);
        const a = keyOf(finding("a", "FAIL"));
        const s = await store.addSuppression({
          findingKey: a,
          reason: "Accepted risk until the migration",
          createdBy: "U123",
          expiresAt: new Date(clock.t + 2 * 86_400_000).toISOString(),
        });
        expect(s.id).toMatch(/^sup-/);
        expect(await store.isSuppressed(a)).toBe(true);
        expect((await store.listFindings()).map((f) => f.key)).toEqual([keyOf(finding("b", "FAIL"))]);
        const all = await store.listFindings({ includeSuppressed: true });
        expect(all.find((f) => f.key === a)?.suppressionId).toBe(s.id);
        expect((await store.stillFailing({ minSeverity: "high" })).map((f) => f.key)).not.toContain(a);
        expect(await store.posture()).toEqual([
          { accountId: ACCOUNT, region: REGION, severity: "high", count: 1 },
        ]);
        expect(await store.suppressionsExpiringWithin(3, clock.now())).toEqual([s]);
        expect(await store.suppressionsExpiringWithin(1, clock.now())).toEqual([]);

        // Still recorded while suppressed.
        await scan([finding("a", "FAIL", { severity: "high" }), finding("b", "FAIL", { severity: "high" })]);
        expect((await store.getFinding(a))?.lifecycle).toBe("open");

        clock.days(3);
        expect(await store.isSuppressed(a)).toBe(false);
        expect((await store.listFindings()).map((f) => f.key).sort()).toEqual(
          [a, keyOf(finding("b", "FAIL"))].sort(),
        );
        expect(await store.listSuppressions()).toEqual([]);
        expect(await store.listSuppressions({ includeExpired: true })).toEqual([s]);
      });

      it("suppresses a control over the resources that match a glob, and can be removed", async () => {
        const { store, scan } = await fresh();
        const bucket = (name: string) =>
          finding(name, "FAIL", {
            controlId: "s3-bucket-tls-enforced",
            region: REGION,
            resourceArn: `arn:aws:s3:::${name}`,
            resourceType: "s3-bucket",
          });
        await scan([
          bucket("forecast-data-1"),
          bucket("forecast-data-2"),
          bucket("other"),
          finding("k", "FAIL"),
        ]);
        const s = await store.addSuppression({
          controlId: "s3-bucket-tls-enforced",
          resourcePattern: "arn:aws:s3:::forecast-data-*",
          reason: "Buckets behind a TLS-only proxy",
          createdBy: "cli:alice",
        });
        expect((await store.listFindings()).map((f) => f.resourceArn).sort()).toEqual(
          ["arn:aws:s3:::other", finding("k", "FAIL").resourceArn].sort(),
        );
        expect(await store.removeSuppression(s.id, "cli:bob")).toBe(true);
        expect(await store.removeSuppression(s.id, "cli:bob")).toBe(false);
        expect(await store.listFindings()).toHaveLength(4);
        const removed = await store.getSuppression(s.id);
        expect(removed).toMatchObject({ removedBy: "cli:bob" });
        expect(
          (await store.listAudit({ target: s.id, order: "asc" })).map((e) => [e.action, e.actor]),
        ).toEqual([
          ["suppression.created", "cli:alice"],
          ["suppression.removed", "cli:bob"],
        ]);
      });

      it("refuses a suppression that is ambiguous, unexplained or already expired", async () => {
        const { store, clock } = await fresh();
        const key = keyOf(finding("a", "FAIL"));
        await expect(
          store.addSuppression({ findingKey: key, controlId: CONTROL, reason: "x", createdBy: "u" }),
        ).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.addSuppression({ reason: "x", createdBy: "u" })).rejects.toBeInstanceOf(
          StoreInputError,
        );
        await expect(store.addSuppression({ findingKey: key, reason: "  ", createdBy: "u" })).rejects.toThrow(
          /reason/,
        );
        await expect(
          store.addSuppression({ findingKey: key, reason: "x", createdBy: "u", expiresAt: clock.iso() }),
        ).rejects.toThrow(/future/);
        expect(await store.listSuppressions({ includeExpired: true, includeRemoved: true })).toEqual([]);
      });
    });

    describe("remediation requests", () => {
      const newRequest = (store: Store, clock: Clock, resource = "a") =>
        store.createRequest({
          findingKey: keyOf(finding(resource, "FAIL")),
          remediationId: "kms-enable-key-rotation",
          plan: { steps: [{ service: "kms", operation: "EnableKeyRotation" }] },
          planFingerprint: "fp-1",
          requester: "U_REQ",
          expiresAt: new Date(clock.t + 3_600_000).toISOString(),
          slackChannel: "C1",
          slackTs: "1.2",
        });

      it("admits one pending request per finding among concurrent inserts from two instances, and a new one once it is decided", async () => {
        const { store, clock, open } = await fresh();
        const replica = h.engine === "postgres" ? await open() : store;
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => newRequest(i % 2 ? replica : store, clock)),
        );
        const made = results.filter((r) => r.status === "fulfilled");
        expect(made).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(DuplicatePendingRequestError);
        }
        const pending = await store.listRequests({ states: ["pending"] });
        expect(pending).toHaveLength(1);
        // One audit entry per request made, none for the refused inserts (their transactions rolled back).
        expect(await store.listAudit({ action: "request.created" })).toHaveLength(1);
        const [winner] = pending;
        await store.transitionRequest(winner!.id, "pending", "rejected", { rejecter: "U_APP" });
        await expect(newRequest(replica, clock)).resolves.toMatchObject({ state: "pending" });
      });

      it("lets exactly one of many concurrent approvals win, then one of many applies", async () => {
        const { store, clock, open } = await fresh();
        const replica = h.engine === "postgres" ? await open() : store;
        const request = await newRequest(store, clock);
        expect(request.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
        const attempts = Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? replica : store).transitionRequest(request.id, "pending", "approved", {
            approver: `U_${i}`,
            actor: `U_${i}`,
          }),
        );
        const wins = await Promise.all(attempts);
        expect(wins.filter(Boolean)).toHaveLength(1);
        const winner = `U_${wins.indexOf(true)}`;
        expect((await store.getRequest(request.id))?.approver).toBe(winner);
        const approvals = await store.listAudit({ target: request.id, action: "request.approved" });
        expect(approvals.map((e) => e.actor)).toEqual([winner]);

        // Without an audit actor the CAS is a single statement; still one winner.
        const applies = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? replica : store).transitionRequest(request.id, ["approved", "failed"], "applying"),
          ),
        );
        expect(applies.filter(Boolean)).toHaveLength(1);

        const outcomes = await Promise.all([
          store.transitionRequest(request.id, "applying", "applied", {
            result: { stepsDone: ["0"] },
            priorState: { rotation: false },
          }),
          replica.transitionRequest(request.id, "applying", "failed", {
            result: { stepsDone: [], error: "boom" },
          }),
          store.transitionRequest(request.id, "applying", "interrupted"),
        ]);
        expect(outcomes.filter(Boolean)).toHaveLength(1);
        const final = await store.getRequest(request.id);
        expect(final?.state).toBe(["applied", "failed", "interrupted"][outcomes.indexOf(true)]);
        expect(final).toMatchObject({
          slackChannel: "C1",
          slackTs: "1.2",
          plan: request.plan,
          planFingerprint: "fp-1",
        });
      });

      it("lets exactly one of several processes win (replicas)", async () => {
        const { store, clock, url } = await fresh();
        const request = await newRequest(store, clock);
        const racers = Array.from({ length: 3 }, () => spawnChild(["cas", url, request.id, "10"]));
        await Promise.all(racers.map((r) => r.ready));
        for (const r of racers) r.child.stdin.write("go\n");
        const results = await Promise.all(racers.map((r) => r.done));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        expect(results.reduce((n, r) => n + r.wins, 0)).toBe(1);
        const stored = await store.getRequest(request.id);
        expect(stored?.state).toBe("approved");
        expect(await store.listAudit({ target: request.id, action: "request.approved" })).toHaveLength(1);
      });

      it("refuses edges the state machine does not have, and moves only from the expected state", async () => {
        const { store, clock } = await fresh();
        const request = await newRequest(store, clock);
        await expect(store.transitionRequest(request.id, "pending", "applied")).rejects.toBeInstanceOf(
          IllegalTransitionError,
        );
        await expect(store.transitionRequest(request.id, "rejected", "approved")).rejects.toBeInstanceOf(
          IllegalTransitionError,
        );
        expect(await store.transitionRequest(request.id, "approved", "applying")).toBe(false);
        expect(await store.transitionRequest("no-such-id", "pending", "approved")).toBe(false);
        expect(
          await store.transitionRequest(request.id, "pending", "rejected", {
            rejecter: "U_X",
            reason: "not now",
            actor: "U_X",
          }),
        ).toBe(true);
        expect(await store.getRequest(request.id)).toMatchObject({
          state: "rejected",
          rejecter: "U_X",
          reason: "not now",
        });
        expect(await store.setRequestMessage(request.id, "C2", "9.9")).toBe(true);
        expect(await store.getRequest(request.id)).toMatchObject({
          slackChannel: "C2",
          slackTs: "9.9",
          state: "rejected",
        });
      });

      it("expires pending requests and marks interrupted fixes at start-up", async () => {
        const { store, clock } = await fresh();
        const stale = await newRequest(store, clock);
        const applying = await newRequest(store, clock, "b");
        expect(await store.transitionRequest(applying.id, "pending", "approved")).toBe(true);
        expect(await store.transitionRequest(applying.id, "approved", "applying")).toBe(true);
        expect((await store.pendingRequests()).map((r) => r.id)).toEqual([stale.id]);
        clock.hours(2);
        expect(await store.pendingRequests()).toEqual([]);
        const expired = await store.expirePendingRequests(clock.now());
        expect(expired.map((r) => [r.id, r.state, r.slackChannel])).toEqual([[stale.id, "expired", "C1"]]);
        expect(await store.expirePendingRequests(clock.now())).toEqual([]);
        expect(await store.transitionRequest(stale.id, "pending", "approved")).toBe(false);
        const interrupted = await store.markInterrupted();
        expect(interrupted.map((r) => [r.id, r.state])).toEqual([[applying.id, "interrupted"]]);
        expect(await store.transitionRequest(applying.id, "interrupted", "applying")).toBe(true);
        expect((await store.listRequests({ states: ["applying"] })).map((r) => r.id)).toEqual([applying.id]);
      });
    });

    describe("schedule slots", () => {
      it("gives each slot to exactly one claimant, across processes", async () => {
        const { store, url } = await fresh();
        const slot = "2026-03-02T09:00:00.000Z";
        const racers = Array.from({ length: 3 }, () => spawnChild(["slot", url, slot, "10"]));
        await Promise.all(racers.map((r) => r.ready));
        for (const r of racers) r.child.stdin.write("go\n");
        const results = await Promise.all(racers.map((r) => r.done));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        expect(results.reduce((n, r) => n + r.wins, 0)).toBe(1);
        // The same instant written differently is the same slot.
        expect(await store.claimSlot("digest", "2026-03-02T09:00:00Z", "me")).toBe(false);
        const local = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.claimSlot("scan", slot, `i${i}`)),
        );
        expect(local.filter(Boolean)).toHaveLength(1);
        expect(await store.claimSlot("digest", "2026-03-03T09:00:00.000Z", "me")).toBe(true);
        const last = await store.lastClaimedSlot("digest");
        expect(last).toMatchObject({ slot: "2026-03-03T09:00:00.000Z", instanceId: "me" });
        expect(await store.markSlotDone("digest", last!.slot, "posted")).toBe(true);
        expect(await store.markSlotDone("digest", last!.slot, "posted")).toBe(false);
        expect(await store.lastClaimedSlot("digest")).toMatchObject({ outcome: "posted" });
        expect(await store.lastClaimedSlot("nothing")).toBeUndefined();
      });

      it("settles a slot with its audit entry in one step, and writes the entry only when it settles", async () => {
        const { store } = await fresh();
        const slot = "2026-03-03T09:00:00.000Z";
        expect(await store.claimSlot("digest:C1", slot, "me")).toBe(true);
        const entry = { actor: "schedule", action: "digest.posted", target: "C1", detail: { slot } };
        expect(await store.markSlotDone("digest:C1", slot, "posted ts=1", entry)).toBe(true);
        expect(await store.markSlotDone("digest:C1", slot, "posted ts=2", entry)).toBe(false);
        // Never claimed: nothing to settle, nothing recorded.
        expect(await store.markSlotDone("digest:C1", "2026-03-04T09:00:00.000Z", "posted", entry)).toBe(
          false,
        );
        const records = await store.listAudit({ action: "digest.posted" });
        expect(records.map((r) => r.detail)).toEqual([{ slot }]);
        expect((await store.slotClaim("digest:C1", slot))?.outcome).toBe("posted ts=1");
        await expect(store.markSlotDone("digest:C1", slot, "x", { ...entry, actor: "" })).rejects.toThrow(
          /actor/,
        );
      });

      it("prunes old claims of one job only, so a pruned key can be claimed again", async () => {
        const { store, clock } = await fresh();
        expect(await store.claimSlot("slack-delivery", "event:Ev1", "a")).toBe(true);
        expect(await store.claimSlot("digest", "2026-03-02T09:00:00.000Z", "a")).toBe(true);
        clock.advance(2 * 86_400_000);
        expect(await store.claimSlot("slack-delivery", "event:Ev2", "a")).toBe(true);
        const cutoff = new Date(clock.now().getTime() - 86_400_000).toISOString();
        expect(await store.pruneSlots("slack-delivery", cutoff)).toBe(1);
        expect(await store.claimSlot("slack-delivery", "event:Ev2", "b")).toBe(false);
        expect(await store.claimSlot("slack-delivery", "event:Ev1", "b")).toBe(true);
        expect(await store.lastClaimedSlot("digest")).toMatchObject({ slot: "2026-03-02T09:00:00.000Z" });
      });
    });

    describe("digest queries and retention", () => {
      it("answers new/resolved since, the trend, still failing, posture and last scan", async () => {
        const clock = new Clock();
        clock.t = Date.parse("2026-03-01T06:00:00.000Z");
        const { store, scan } = await fresh({ clock });
        const f = (r: string, status: Finding["status"], severity: Severity) =>
          finding(r, status, { severity });
        const day1 = await scan([
          f("a", "FAIL", "high"),
          f("b", "FAIL", "critical"),
          f("c", "PASS", "low"),
          f("g", "FAIL", "low"),
        ]);
        clock.t = Date.parse("2026-03-02T06:00:00.000Z");
        const day2Start = "2026-03-02T00:00:00.000Z";
        await scan([
          f("a", "FAIL", "high"),
          f("b", "PASS", "critical"),
          f("c", "PASS", "low"),
          f("d", "FAIL", "medium"),
          f("g", "FAIL", "low"),
        ]);
        clock.t = Date.parse("2026-03-03T06:00:00.000Z");
        const day3Start = "2026-03-03T00:00:00.000Z";
        const day3 = await scan([
          f("a", "FAIL", "high"),
          f("b", "FAIL", "critical"),
          f("d", "FAIL", "medium"),
          f("e", "FAIL", "high"),
          f("g", "PASS", "low"),
        ]);
        const keys = (list: { resourceArn: string }[]) =>
          list.map((x) => x.resourceArn.split("/").pop()).sort();
        expect(keys(await store.findingsNewSince(day2Start))).toEqual(["b", "d", "e"]);
        expect(keys(await store.findingsNewSince(day3Start))).toEqual(["b", "e"]);
        expect(keys(await store.findingsResolvedSince(day3Start))).toEqual(["g"]);
        expect(keys(await store.findingsResolvedSince(day2Start))).toEqual(["g"]);
        expect(keys(await store.stillFailing({ minSeverity: "high" }))).toEqual(["a", "b", "e"]);
        expect(keys(await store.stillFailing())).toEqual(["a", "b", "d", "e"]);

        const trend = await store.trend(4, "2026-03-03T12:00:00.000Z");
        expect(trend.map((p) => [p.day, p.total])).toEqual([
          ["2026-02-28", 0],
          ["2026-03-01", 3],
          ["2026-03-02", 3],
          ["2026-03-03", 4],
        ]);
        expect(trend[1]!.bySeverity).toEqual({ critical: 1, high: 1, medium: 0, low: 1 });
        expect(trend[2]!.bySeverity).toEqual({ critical: 0, high: 1, medium: 1, low: 1 });
        expect(trend[3]!.bySeverity).toEqual({ critical: 1, high: 2, medium: 1, low: 0 });

        await store.addSuppression({
          findingKey: keyOf(f("a", "FAIL", "high")),
          reason: "accepted",
          createdBy: "u",
        });
        const suppressedTrend = await store.trend(2, "2026-03-03T12:00:00.000Z");
        expect(suppressedTrend.map((p) => p.total)).toEqual([2, 3]);
        expect(
          (await store.trend(2, "2026-03-03T12:00:00.000Z", { includeSuppressed: true })).map((p) => p.total),
        ).toEqual([3, 4]);

        expect(await store.posture()).toEqual([
          { accountId: ACCOUNT, region: REGION, severity: "critical", count: 1 },
          { accountId: ACCOUNT, region: REGION, severity: "high", count: 1 },
          { accountId: ACCOUNT, region: REGION, severity: "medium", count: 1 },
        ]);
        expect((await store.lastScan())?.id).toBe(day3.scan.id);

        // Retention: old scans and their history go; findings and the audit log stay.
        const auditBefore = (await store.listAudit({ limit: 1000 })).length;
        const findingsBefore = await store.listFindings({ includeSuppressed: true });
        const pruned = await store.pruneScans(1.5);
        expect(pruned.scans).toBe(1);
        expect(pruned.history).toBe(4);
        expect(await store.getScan(day1.scan.id)).toBeUndefined();
        expect(await store.listFindings({ includeSuppressed: true })).toEqual(findingsBefore);
        expect((await store.listAudit({ limit: 1000 })).length).toBe(auditBefore);
        expect(
          (await store.trend(2, "2026-03-03T12:00:00.000Z", { includeSuppressed: true })).map((p) => p.total),
        ).toEqual([3, 4]);
      });

      it("keeps an append-only audit log with filters", async () => {
        const { store, clock, scan, url } = await fresh();
        const first = await store.appendAudit({
          actor: "U1",
          action: "click.fix",
          target: "k1",
          detail: { n: 1 },
        });
        clock.hours(1);
        await store.appendAudit({
          actor: "U2",
          action: "request.refused",
          target: "r1",
          detail: { why: "four-eyes" },
        });
        await scan([finding("a", "FAIL")]);
        expect(first).toMatchObject({ actor: "U1", action: "click.fix", target: "k1", detail: { n: 1 } });
        expect((await store.listAudit({ actor: "U2" })).map((e) => e.action)).toEqual(["request.refused"]);
        expect((await store.listAudit({ actionPrefix: "scan." })).map((e) => e.action)).toEqual([
          "scan.completed",
          "scan.started",
        ]);
        expect((await store.listAudit({ until: clock.iso(), order: "asc" })).map((e) => e.action)).toEqual([
          "click.fix",
          "request.refused",
        ]);
        expect(store).not.toHaveProperty("updateAudit");
        // The database itself refuses edits.
        const db = await createKysely(parseDatabaseUrl(url));
        try {
          await expect(sql`update audit_log set actor = 'mallory'`.execute(db)).rejects.toThrow(
            /append-only/,
          );
          await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
        } finally {
          await db.destroy();
        }
        expect((await store.listAudit({ actor: "U1" })).length).toBe(1);
      });
    });

    describe("account directory", () => {
      it("keeps each account's name and OU path, and a slower scan's older view never overwrites a newer one", async () => {
        const { store } = await fresh();
        await store.saveAccounts([
          {
            accountId: "111111111111",
            name: "payments",
            ouId: "ou-ab12-aaaaaaaa",
            ouPath: "Root/Prod",
            source: "organization",
            seenAt: "2026-03-01T10:00:00.000Z",
          },
          {
            accountId: "222222222222",
            name: "sandbox",
            source: "config",
            seenAt: "2026-03-01T10:00:00.000Z",
          },
        ]);
        // The account moved to another OU and was renamed; a scan that resolved it earlier commits after.
        await store.saveAccounts([
          {
            accountId: "111111111111",
            name: "payments-eu",
            ouId: "ou-ab12-bbbbbbbb",
            ouPath: "Root/Prod/EU",
            source: "organization",
            seenAt: "2026-03-01T11:00:00.000Z",
          },
        ]);
        await store.saveAccounts([
          {
            accountId: "111111111111",
            name: "payments",
            ouId: "ou-ab12-aaaaaaaa",
            ouPath: "Root/Prod",
            source: "organization",
            seenAt: "2026-03-01T10:30:00.000Z",
          },
        ]);
        expect(await store.listAccounts()).toEqual([
          {
            accountId: "111111111111",
            name: "payments-eu",
            ouId: "ou-ab12-bbbbbbbb",
            ouPath: "Root/Prod/EU",
            source: "organization",
            seenAt: "2026-03-01T11:00:00.000Z",
          },
          {
            accountId: "222222222222",
            name: "sandbox",
            source: "config",
            seenAt: "2026-03-01T10:00:00.000Z",
          },
        ]);
      });

      it("saves hundreds of accounts in one call and refuses an entry that is not an account id", async () => {
        const { store } = await fresh();
        const many = Array.from({ length: 450 }, (_, i) => ({
          accountId: String(100000000000 + i),
          name: `acct-${i}`,
          source: "organization" as const,
          seenAt: "2026-03-01T10:00:00.000Z",
        }));
        await store.saveAccounts(many);
        expect((await store.listAccounts()).length).toBe(450);
        await expect(
          store.saveAccounts([
            { accountId: "not-an-id", source: "config", seenAt: "2026-03-01T10:00:00.000Z" },
          ]),
        ).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe("migrations", () => {
      it("creates every table from an empty database and records every version", async () => {
        const { store, url } = await fresh();
        expect(store.engine).toBe(h.engine);
        const db = await createKysely(parseDatabaseUrl(url));
        try {
          const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
            db,
          );
          expect(rows.rows.map((r) => r.name)).toEqual([...MIGRATION_NAMES]);
        } finally {
          await db.destroy();
        }
        // Opening again migrates nothing and keeps working.
        const again = await openStore({ databaseUrl: url });
        try {
          expect(await again.listScans()).toEqual([]);
        } finally {
          await again.close();
        }
      });

      it("puts to_state into the history index in 0014, keeping the history, so the digest's probe reads only the index", async () => {
        const { url, cleanup } = await h.newDatabase();
        onTestFinished(cleanup);
        const before = finding("history-before", "FAIL");
        // A database at 0013, with the old index, and history written under it.
        const old = await openStore({
          databaseUrl: url,
          now: () => new Date("2026-03-01T10:00:00.000Z"),
          migrateTo: "0013_findings_digest_index",
        });
        try {
          await old.recordScan({ scope: scopeOf([before]), trigger: "cli:t", findings: [before] });
        } finally {
          await old.close();
        }
        const store = await openStore({ databaseUrl: url, now: () => new Date("2026-03-02T10:00:00.000Z") });
        try {
          // The history written before the migration still answers "new since".
          const lists = await store.digestLists({
            since: "2026-02-28T00:00:00.000Z",
            limit: 10,
            minSeverity: "low",
          });
          expect(lists.newSince.total).toBe(1);
          expect(lists.newSince.rows.map((r) => r.key)).toEqual([keyOf(before)]);
          expect((await store.findingHistory(keyOf(before))).map((e) => e.to)).toEqual(["new"]);
        } finally {
          await store.close();
        }
        const check = await createKysely(parseDatabaseUrl(url));
        try {
          const probe = sql`select 1 from finding_history h where h.finding_key = ${keyOf(before)}
            and h.to_state in ('new', 'reopened') and h.at > '2026-02-28T00:00:00.000Z'`;
          if (h.engine === "sqlite") {
            const plan = await sql<{ detail: string }>`explain query plan ${probe}`.execute(check);
            expect(plan.rows.map((r) => r.detail).join(" ")).toContain(
              "USING COVERING INDEX finding_history_key",
            );
          } else {
            const index = await sql<{ def: string }>`select indexdef as def from pg_indexes
              where tablename = 'finding_history' and indexname = 'finding_history_key'`.execute(check);
            expect(index.rows[0]?.def).toMatch(/\(finding_key, at\) INCLUDE \(to_state\)/);
          }
        } finally {
          await check.destroy();
        }
      });

      it("reads a commit's failing findings a page at a time through the partial index of 0015, in key order per account", async () => {
        const { url, cleanup } = await h.newDatabase();
        onTestFinished(cleanup);
        const other = "222222222222";
        const mine = [
          finding("f-c", "FAIL"),
          finding("p-a", "PASS"),
          finding("f-a", "FAIL"),
          finding("e-b", "ERROR"),
          finding("f-b", "FAIL"),
        ];
        const theirs = [finding("o-f", "FAIL", { accountId: other })];
        const store = await openStore({ databaseUrl: url });
        try {
          await store.recordScan({
            scope: scopeOf([...mine, ...theirs], { accounts: [ACCOUNT, other] }),
            trigger: "cli:t",
            findings: [...mine, ...theirs],
          });
        } finally {
          await store.close();
        }
        const db = await createKysely(parseDatabaseUrl(url));
        onTestFinished(() => db.destroy());
        const rows = await failingPage(db, ACCOUNT, "").execute();
        expect(rows.map((r) => r.key)).toEqual([mine[2], mine[4], mine[0]].map((f) => keyOf(f as Finding)));
        expect((await failingPage(db, ACCOUNT, rows[0]?.key ?? "").execute()).map((r) => r.key)).toEqual(
          rows.slice(1).map((r) => r.key),
        );
        // The engine proves the partial index applies to the page's query as compiled (bound parameters and
        // all), and walks it in key order: no sort of the account's findings per page.
        const page = failingPage(db, ACCOUNT, "").compile();
        const plan = await db.transaction().execute(async (trx) => {
          if (h.engine === "postgres") await sql`set local enable_seqscan = off`.execute(trx);
          const explain = h.engine === "sqlite" ? "explain query plan " : "explain ";
          const result = await trx.executeQuery<Record<string, unknown>>(
            CompiledQuery.raw(explain + page.sql, [...page.parameters]),
          );
          return result.rows.map((r) => String(r.detail ?? r["QUERY PLAN"])).join("\n");
        });
        expect(plan).toContain("findings_failing_account");
        expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
      });

      it("resolves duplicate pending requests in 0018, keeping the newest, each expiry audited", async () => {
        const { url, cleanup } = await h.newDatabase();
        onTestFinished(cleanup);
        let t = Date.parse("2026-03-01T10:00:00.000Z");
        const now = () => new Date(t);
        const old = await openStore({ databaseUrl: url, now, migrateTo: "0017_durable_outboxes" });
        const key = keyOf(finding("dup", "FAIL"));
        const ids: string[] = [];
        try {
          for (let i = 0; i < 3; i++) {
            t += 1000;
            const made = await old.createRequest({
              findingKey: key,
              remediationId: "kms-enable-key-rotation",
              plan: { steps: [] },
              planFingerprint: `fp-${i}`,
              requester: "U_REQ",
              expiresAt: "2026-03-02T10:00:00.000Z",
            });
            ids.push(made.id);
            await old.createSuppressionRequest({
              findingKey: key,
              reason: `Dup ${i}.`,
              severity: "high",
              requester: "slack:U_REQ",
              expiresAt: "2026-03-02T10:00:00.000Z",
            });
          }
        } finally {
          await old.close();
        }
        const store = await openStore({ databaseUrl: url, now });
        try {
          expect(
            (await store.listRequests({ findingKey: key, states: ["pending"] })).map((r) => r.id),
          ).toEqual([ids[2]]);
          expect(
            (await store.listRequests({ findingKey: key, states: ["expired"] })).map((r) => r.id).sort(),
          ).toEqual([ids[0], ids[1]].sort());
          const expiredAudit = await store.listAudit({ action: "request.expired" });
          expect(expiredAudit.map((a) => a.target).sort()).toEqual([ids[0], ids[1]].sort());
          expect(expiredAudit[0]?.detail).toMatchObject({ reason: expect.stringContaining("0018") });
          const pendingSuppressions = await store.listSuppressionRequests({
            findingKey: key,
            states: ["pending"],
          });
          expect(pendingSuppressions.map((r) => r.reason)).toEqual(["Dup 2."]);
          expect(await store.listAudit({ action: "suppression-request.expired" })).toHaveLength(2);
        } finally {
          await store.close();
        }
      });

      it("gives every existing finding its id in 0006 (in batches), indexed, and finds findings by id", async () => {
        const { url, cleanup } = await h.newDatabase();
        onTestFinished(cleanup);
        const db = await createKysely(parseDatabaseUrl(url));
        const olds = Array.from({ length: 1234 }, (_, i) => finding(`old-${i}`, "FAIL"));
        try {
          await migrate(db, h.engine, "0003_scan_coverage");
          await db
            .insertInto("scans")
            .values({
              id: "s1",
              trigger: "schedule",
              scope: JSON.stringify(scopeOf([])),
              started_at: "2026-01-01T00:00:00.000Z",
              outcome: "succeeded",
            })
            .execute();
          for (let i = 0; i < olds.length; i += 300) {
            await db
              .insertInto("findings")
              .values(
                olds.slice(i, i + 300).map((f) => ({
                  key: keyOf(f),
                  control_id: f.controlId,
                  account_id: f.accountId,
                  region: f.region,
                  resource_arn: f.resourceArn,
                  resource_type: f.resourceType,
                  severity: f.severity,
                  title: f.title,
                  detail: f.detail,
                  status: f.status,
                  lifecycle: "new",
                  first_seen_at: "2026-01-01T00:00:00.000Z",
                  last_seen_at: "2026-01-01T00:00:00.000Z",
                  changed_at: "2026-01-01T00:00:00.000Z",
                  last_scan_id: "s1",
                  observed_at: "2026-01-01T00:00:00.000Z",
                })),
              )
              .execute();
          }
        } finally {
          await db.destroy();
        }
        const store = await openStore({ databaseUrl: url });
        try {
          const stored = await store.listFindings({ includeSuppressed: true });
          expect(stored).toHaveLength(olds.length);
          for (const record of stored) expect(record.id).toBe(findingId(record));
          for (const f of [olds[0], olds[617], olds[1233]] as Finding[]) {
            expect((await store.getFindingById(findingId(f)))?.key).toBe(keyOf(f));
          }
          expect(await store.getFindingById("f-0000000000zz")).toBeUndefined();
          // A finding first seen after the migration gets its id on insert.
          const fresh = finding("new-one", "FAIL");
          await store.recordScan({ scope: scopeOf([fresh]), trigger: "cli:t", findings: [fresh] });
          expect((await store.getFindingById(findingId(fresh)))?.key).toBe(keyOf(fresh));
        } finally {
          await store.close();
        }
        const check = await createKysely(parseDatabaseUrl(url));
        try {
          const indexes =
            h.engine === "sqlite"
              ? await sql<{
                  name: string;
                }>`select name from sqlite_master where type = 'index' and tbl_name = 'findings'`.execute(
                  check,
                )
              : await sql<{
                  name: string;
                }>`select indexname as name from pg_indexes where tablename = 'findings'`.execute(check);
          expect(indexes.rows.map((r) => r.name)).toContain("findings_id");
          // Two findings sharing an id (60 bits: not expected in practice) are refused, not guessed between.
          const [a, b] = olds as [Finding, Finding];
          await sql`update findings set id = ${findingId(a)} where key = ${keyOf(b)}`.execute(check);
        } finally {
          await check.destroy();
        }
        const again = await openStore({ databaseUrl: url });
        try {
          await expect(again.getFindingById(findingId(olds[0] as Finding))).rejects.toThrow(StoreInputError);
        } finally {
          await again.close();
        }
      });

      it("migrates a database at the first version, keeping its data", async () => {
        const { url, cleanup } = await h.newDatabase();
        onTestFinished(cleanup);
        const db = await createKysely(parseDatabaseUrl(url));
        try {
          await migrate(db, h.engine, "0001_initial");
          await db
            .insertInto("scans")
            .values({
              id: "s1",
              trigger: "schedule",
              scope: JSON.stringify(scopeOf([])),
              started_at: "2026-01-01T00:00:00.000Z",
              outcome: "succeeded",
            })
            .execute();
          const key = keyOf(finding("old", "FAIL"));
          await db
            .insertInto("findings")
            .values({
              key,
              control_id: CONTROL,
              account_id: ACCOUNT,
              region: REGION,
              resource_arn: finding("old", "FAIL").resourceArn,
              resource_type: "kms-key",
              severity: "medium",
              title: "t",
              detail: "d.",
              status: "FAIL",
              lifecycle: "new",
              first_seen_at: "2026-01-01T00:00:00.000Z",
              last_seen_at: "2026-01-01T00:00:00.000Z",
              changed_at: "2026-01-01T00:00:00.000Z",
              last_scan_id: "s1",
              observed_at: "2026-01-01T00:00:00.000Z",
            })
            .execute();
          await db
            .insertInto("finding_history")
            .values({
              finding_key: key,
              scan_id: "s1",
              from_state: null,
              to_state: "new",
              at: "2026-01-01T00:00:00.000Z",
            })
            .execute();
          await expect(sql`select * from schedule_slots`.execute(db)).rejects.toThrow();
        } finally {
          await db.destroy();
        }
        const store = await openStore({ databaseUrl: url });
        try {
          const old = await store.getFinding(keyOf(finding("old", "FAIL")));
          expect(old?.lifecycle).toBe("new");
          // 0004: a FAIL row was evaluated when last seen, and is not stale.
          expect(old).toMatchObject({ checkedAt: "2026-01-01T00:00:00.000Z" });
          expect(old?.notRecheckedSince).toBeUndefined();
          expect(await store.claimSlot("digest", "2026-01-02T09:00:00.000Z", "me")).toBe(true);
          const next = await store.recordScan({
            scope: scopeOf([]),
            trigger: "cli:tester",
            findings: [finding("old", "FAIL")],
          });
          expect(next.changes).toEqual([{ key: keyOf(finding("old", "FAIL")), from: "new", to: "open" }]);
          await expect(store.appendAudit({ actor: "a", action: "b" })).resolves.toMatchObject({ actor: "a" });
        } finally {
          await store.close();
        }
      });
    });
  });
});

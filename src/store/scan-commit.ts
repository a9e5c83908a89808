/**
 * The pieces of a scan's commit, shared by `completeScan` and per-part commits: load what the scan may touch,
 * plan the rows (the pure lifecycle), and the writes as small steps. How the steps are grouped into
 * transactions is the caller's choice: on PostgreSQL one transaction (statements are asynchronous, so the
 * event loop runs between them); on SQLite short transactions of at most a few tens of milliseconds each, so
 * that no other writer (a Slack delivery claim) waits longer than that for the single write lock.
 */
import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { AccountEvidence } from "../domain/evidence.js";
import { type Finding, findingKey } from "../domain/finding.js";
import { ScanNotRunningError } from "./errors.js";
import { type ApplyScanOutput, applyScanCooperatively, type FindingState, triple } from "./lifecycle.js";
import { FINDING_UPDATE_COLUMNS, findingFromRow, findingToRow } from "./rows.js";
import type {
  Database,
  FindingHistoryTable,
  FindingsTable,
  ScanCoverageTable,
  ScansTable,
} from "./schema.js";
import { FAILING_LIFECYCLES, type ScanScope } from "./types.js";

export type Db = Kysely<Database> | Transaction<Database>;

/** Rows per multi-row statement: 22 columns × 400 stays far below both engines' parameter limits. */
export const CHUNK = 400;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows read per statement while loading a commit's base. */
const READ_PAGE = 1_000;
/** Findings turned into rows between two pauses while planning. */
const PLAN_SLICE = 1_000;
/** Full finding rows per write step (each with the history of its changes). */
const STEP_ROWS = 200;

/** Lets the event loop run (a macrotask turn): acknowledgements and timers go on between two pieces. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a scan's commit starts from: the scan row and the stored state of what it may touch. */
export interface CommitBase {
  scanRow: Selectable<ScansTable>;
  scope: ScanScope;
  accounts: string[];
  existing: Map<string, FindingState>;
  coverage: Map<string, string>;
}

/** Reads the scan row and the findings and coverage the scan may change, a chunk of keys at a time. */
export async function loadCommitBase(
  db: Db,
  scanId: string,
  findings: readonly Finding[],
  options: {
    pause?: () => Promise<void>;
    /** Narrows the scan's scope (one account's part of a fanned-out scan); default the scan row's. */
    scope?: ScanScope;
  } = {},
): Promise<CommitBase> {
  const pause = options.pause ?? (async () => {});
  const scanRow = await db.selectFrom("scans").selectAll().where("id", "=", scanId).executeTakeFirst();
  if (scanRow?.outcome !== "running") throw new ScanNotRunningError(scanId);
  const scope = options.scope ?? (JSON.parse(scanRow.scope) as ScanScope);
  const accounts = [...new Set([...scope.accounts, ...findings.map((f) => f.accountId)])].sort();
  const existing = new Map<string, FindingState>();
  const coverage = new Map<string, string>();
  for (const part of chunks(accounts, 500)) {
    // Failing findings may turn out gone; any other finding matters only if the scan reports it. Read a page
    // of keys at a time: on SQLite each statement runs synchronously, all of it before the next turn.
    let after = "";
    for (;;) {
      const rows = await db
        .selectFrom("findings")
        .selectAll()
        .where("account_id", "in", part)
        .where("lifecycle", "in", [...FAILING_LIFECYCLES])
        .where("key", ">", after)
        .orderBy("key")
        .limit(READ_PAGE)
        .execute();
      for (const row of rows) existing.set(row.key, findingFromRow(row));
      await pause();
      if (rows.length < READ_PAGE) break;
      after = rows[rows.length - 1]?.key ?? after;
    }
    const covered = await db
      .selectFrom("scan_coverage")
      .selectAll()
      .where("account_id", "in", part)
      .execute();
    for (const c of covered) coverage.set(triple(c.control_id, c.account_id, c.region), c.observed_at);
    await pause();
  }
  const keys = new Set<string>();
  for (const [i, finding] of findings.entries()) {
    if (i > 0 && i % PLAN_SLICE === 0) await pause();
    keys.add(findingKey(finding));
  }
  const reported = [...keys].filter((key) => !existing.has(key));
  for (const part of chunks(reported, 500)) {
    const rows = await db.selectFrom("findings").selectAll().where("key", "in", part).execute();
    for (const row of rows) existing.set(row.key, findingFromRow(row));
    await pause();
  }
  return { scanRow, scope, accounts, existing, coverage };
}

type TouchKind = "seen" | "checked" | "failed";

/** One unit of writing (its statements stay together in one transaction) and how many rows it writes. */
export interface WriteStep {
  rows: number;
  run(db: Db): Promise<void>;
}

/** Consecutive steps in groups of about `rows` rows each (a step is never split). */
export function groupSteps(steps: readonly WriteStep[], rows: number): WriteStep[][] {
  const groups: WriteStep[][] = [];
  let current: WriteStep[] = [];
  let weight = 0;
  for (const step of steps) {
    if (current.length > 0 && weight + step.rows > rows) {
      groups.push(current);
      current = [];
      weight = 0;
    }
    current.push(step);
    weight += step.rows;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

export interface CommitPlan {
  applied: ApplyScanOutput;
  observedAt: string;
  /** Finding rows (with the history of their lifecycle changes), then "last seen" stamps, in steps. */
  steps: WriteStep[];
  /** The scan's coverage rows (small: controls × accounts × regions); written with the scan row. */
  coverage: Insertable<ScanCoverageTable>[];
}

/**
 * The lifecycle of the scan's results against the stored state, as rows and write steps; pauses every few
 * thousand findings (`pause`, a macrotask turn by default).
 */
export async function planCommit(
  base: CommitBase,
  input: { scanId: string; at: string; findings: readonly Finding[]; evidence?: readonly AccountEvidence[] },
  pause: () => Promise<void> = yieldToLoop,
): Promise<CommitPlan> {
  const { scanId, at } = input;
  const observedAt = base.scanRow.started_at;
  const applied = await applyScanCooperatively(
    {
      scanId,
      scope: base.scope,
      observedAt,
      at,
      results: input.findings,
      existing: base.existing,
      coverage: base.coverage,
      ...(input.evidence ? { evidence: input.evidence } : {}),
    },
    pause,
  );

  // Most findings only move their "last seen" stamps: one short UPDATE per chunk of keys does that.
  const full: Insertable<FindingsTable>[] = [];
  const touched: Record<TouchKind, string[]> = { seen: [], checked: [], failed: [] };
  let planned = 0;
  for (const next of applied.upserts) {
    if (++planned % PLAN_SLICE === 0) await pause();
    const row = findingToRow(next);
    const previous = base.existing.get(next.key);
    const kind = previous ? touchKind(findingToRow(previous), row) : undefined;
    if (kind === undefined) full.push(row);
    else touched[kind].push(next.key);
  }
  // A lifecycle change always changes a column beyond the stamps, so its finding is among the full rows.
  const historyByKey = new Map<string, Insertable<FindingHistoryTable>[]>();
  for (const c of applied.changes) {
    const rows = historyByKey.get(c.key) ?? [];
    rows.push({
      finding_key: c.key,
      scan_id: scanId,
      from_state: c.from,
      to_state: c.to,
      reason: c.reason ?? null,
      at,
    });
    historyByKey.set(c.key, rows);
  }

  const steps: WriteStep[] = [];
  for (const part of chunks(full, STEP_ROWS)) {
    const history = part.flatMap((row) => historyByKey.get(row.key) ?? []);
    steps.push({
      rows: part.length + history.length,
      run: async (db) => {
        await db
          .insertInto("findings")
          .values(part)
          .onConflict((oc) =>
            oc
              .column("key")
              .doUpdateSet((eb) =>
                Object.fromEntries(FINDING_UPDATE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])),
              ),
          )
          .execute();
        for (const rows of chunks(history)) await db.insertInto("finding_history").values(rows).execute();
      },
    });
  }
  for (const [kind, keys] of Object.entries(touched) as [TouchKind, string[]][]) {
    for (const part of chunks(keys, 500)) {
      steps.push({
        rows: part.length,
        run: async (db) => {
          await db
            .updateTable("findings")
            .set({
              last_seen_at: at,
              last_scan_id: scanId,
              observed_at: observedAt,
              ...(kind !== "seen" ? { checked_at: at } : {}),
              ...(kind === "failed" ? { last_failed_at: at } : {}),
            })
            .where("key", "in", part)
            .execute();
        },
      });
    }
  }
  const coverage = applied.covered
    .filter((t) => (base.coverage.get(t) ?? "") < observedAt)
    .map((t) => {
      const [control_id, account_id, region] = t.split("|") as [string, string, string];
      return { control_id, account_id, region, observed_at: observedAt, scan_id: scanId };
    });
  return { applied, observedAt, steps, coverage };
}

export async function writeCoverage(db: Db, rows: readonly Insertable<ScanCoverageTable>[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto("scan_coverage")
      .values(part)
      .onConflict((oc) =>
        oc
          .columns(["account_id", "control_id", "region"])
          .doUpdateSet((eb) => ({
            observed_at: eb.ref("excluded.observed_at"),
            scan_id: eb.ref("excluded.scan_id"),
          }))
          .where("scan_coverage.observed_at", "<", (eb) => eb.ref("excluded.observed_at")),
      )
      .execute();
  }
}

const TOUCH_COLUMNS = new Set<string>([
  "last_seen_at",
  "last_scan_id",
  "observed_at",
  "last_failed_at",
  "checked_at",
]);

/**
 * Whether `next` differs from `previous` only in the stamps every scan moves: `seen` (last seen, last
 * scan, observed at), `checked` (those and checked at: evaluated again) or `failed` (those and last failed
 * at). Anything else needs the full row written.
 */
function touchKind(
  previous: Insertable<FindingsTable>,
  next: Insertable<FindingsTable>,
): TouchKind | undefined {
  for (const column of FINDING_UPDATE_COLUMNS) {
    if (TOUCH_COLUMNS.has(column)) continue;
    if ((previous[column] ?? null) !== (next[column] ?? null)) return undefined;
  }
  const checked = (previous.checked_at ?? null) !== (next.checked_at ?? null);
  const failed = (previous.last_failed_at ?? null) !== (next.last_failed_at ?? null);
  if (!checked && !failed) return "seen";
  if (checked && !failed) return next.status === "PASS" ? "checked" : undefined;
  return checked && next.status === "FAIL" ? "failed" : undefined;
}

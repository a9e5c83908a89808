/**
 * A scan's commit, shared by `completeScan` and per-part commits: read what the scan may touch, apply the
 * lifecycle (the pure rules of lifecycle.ts) and hand the writes on as small steps, a batch of findings at a
 * time (`streamCommit`), so that a commit never holds every finding's rows at once. How the steps are grouped into
 * transactions is the caller's choice: on PostgreSQL one transaction (statements are asynchronous, so the
 * event loop runs between them); on SQLite short transactions of at most a few tens of milliseconds each, so
 * that no other writer (a Slack delivery claim) waits longer than that for the single write lock.
 */
import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { AccountEvidence } from "../domain/evidence.js";
import { type Finding, findingKey } from "../domain/finding.js";
import { reclaimIfGrown, reclaimMemory } from "../domain/reclaim-memory.js";
import { ScanNotRunningError } from "./errors.js";
import { type AppliedFinding, createScanApplier, type FindingState, isWorse, triple } from "./lifecycle.js";
import { FAILING_FINDINGS_PREDICATE } from "./migrations.js";
import { FINDING_UPDATE_COLUMNS, findingFromRow, findingToRow } from "./rows.js";
import type {
  Database,
  FindingHistoryTable,
  FindingsTable,
  ScanCoverageTable,
  ScansTable,
} from "./schema.js";
import type { LifecycleChange, ScanCounts, ScanScope } from "./types.js";

export type Db = Kysely<Database> | Transaction<Database>;

/** Rows per multi-row statement: 22 columns × 400 stays far below both engines' parameter limits. */
export const CHUNK = 400;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows read per statement while loading the failing findings of a commit's scope. */
const READ_PAGE = 1_000;
/**
 * Results whose stored state is read in one statement (and planned before the next read). Small, so that a
 * batch's rows mostly die young: with the bin's 2 MB semi-space, 500 promoted ~12% more bytes to the old
 * generation over a 142,000-finding commit (docs/benchmarks.md).
 */
const RESULT_BATCH = 100;
/** Findings looked at between two pauses. */
const PLAN_SLICE = 1_000;
/** Full finding rows per write step (each with the history of its changes). */
const STEP_ROWS = 100;
/** Keys per "last seen" step. */
const TOUCH_KEYS = 500;

/** Lets the event loop run (a macrotask turn): acknowledgements and timers go on between two pieces. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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

/** What a streamed commit leaves for its last transaction (the scan row) and for its caller. */
export interface StreamedCommit {
  scanRow: Selectable<ScansTable>;
  scope: ScanScope;
  observedAt: string;
  counts: ScanCounts;
  /** The first `CHANGES_KEPT` lifecycle changes. */
  changes: LifecycleChange[];
  changeCount: number;
  /** Failing findings in the scope that the scan could not re-check, as they stand after it. */
  notRechecked: FindingState[];
  /** The scan's coverage rows (small: controls × accounts × regions); written with the scan row. */
  coverage: Insertable<ScanCoverageTable>[];
}

/**
 * A scan's commit, a batch of findings at a time: reads the scan row, the coverage and the stored failing
 * findings of the scope (the only stored findings a scan can change without reporting them), then for each
 * batch of the scan's (deduplicated) results reads their stored rows, applies the lifecycle (`ScanApplier`:
 * the same rules as `applyScan`) and hands the rows to write to `write` as steps, then does the same for the
 * failing findings the scan did not report. Only the batch in hand, an index of the results and the failing
 * findings of the scope are held at once: never every finding's old and new state and row (the memory of a
 * 150,000-finding commit). `write` decides the transactions (it may run a step at once, or keep it).
 * Reads go through `db`: the caller keeps the state stable meanwhile (one transaction, or the commit lock).
 */
/**
 * One page of an account's failing findings after a key, in key order. The predicate is the partial index's
 * own literal, so that both engines can prove the index applies (a bound parameter list would not match).
 */
export function failingPage(db: Db, account: string, after: string) {
  return db
    .selectFrom("findings")
    .selectAll()
    .where("account_id", "=", account)
    .where(FAILING_FINDINGS_PREDICATE)
    .where("key", ">", after)
    .orderBy("key")
    .limit(READ_PAGE);
}

export async function streamCommit(
  db: Db,
  scanId: string,
  input: {
    at: string;
    findings: readonly Finding[];
    evidence?: readonly AccountEvidence[];
    /** Narrows the scan's scope (one account's part of a fanned-out scan); default the scan row's. */
    scope?: ScanScope;
  },
  hooks: {
    /** Runs once the accounts the commit touches are known, before any finding is read (locks). */
    beforeRead?: (accounts: string[]) => Promise<void>;
    write: (step: WriteStep) => Promise<void>;
    pause?: () => Promise<void>;
  },
): Promise<StreamedCommit> {
  const pause = hooks.pause ?? yieldToLoop;
  const { at, findings } = input;
  const scanRow = await db.selectFrom("scans").selectAll().where("id", "=", scanId).executeTakeFirst();
  if (scanRow?.outcome !== "running") throw new ScanNotRunningError(scanId);
  const scope = input.scope ?? (JSON.parse(scanRow.scope) as ScanScope);
  const observedAt = scanRow.started_at;

  // One result per key, the worst status winning (as `dedupeResults`), by index: no map of every key.
  const accountSet = new Set(scope.accounts);
  const winner = await dedupeIndex(findings, { pause });
  for (const finding of findings) accountSet.add(finding.accountId);
  // A CLI scan collects here what evaluation left (src/domain/reclaim-memory.ts); a server does not.
  reclaimMemory();
  const accounts = [...accountSet].sort();
  await hooks.beforeRead?.(accounts);

  const failing = new Map<string, FindingState>();
  const coverage = new Map<string, string>();
  for (const part of chunks(accounts, 500)) {
    // Failing findings may turn out gone; any other finding matters only if the scan reports it. Read a page
    // of keys at a time: on SQLite each statement runs synchronously, all of it before the next turn. One
    // account at a time, with the partial index's own predicate (a literal, as the index's), so that a page
    // is a walk of `findings_failing_account` in key order: its cost is its 1,000 rows, not the account's.
    for (const account of part) {
      let after = "";
      for (;;) {
        const rows = await failingPage(db, account, after).execute();
        for (const row of rows) failing.set(row.key, findingFromRow(row));
        await pause();
        if (rows.length < READ_PAGE) break;
        after = rows[rows.length - 1]?.key ?? after;
      }
    }
    const covered = await db
      .selectFrom("scan_coverage")
      .selectAll()
      .where("account_id", "in", part)
      .execute();
    for (const c of covered) coverage.set(triple(c.control_id, c.account_id, c.region), c.observed_at);
    await pause();
  }

  const applier = createScanApplier({
    scanId,
    scope,
    observedAt,
    at,
    coverage,
    ...(input.evidence ? { evidence: input.evidence } : {}),
  });
  const steps = stepWriter(scanId, at, observedAt, hooks.write);

  /** Failing findings the scan reported (the others may be gone). */
  const reported = new Set<string>();
  let batch: [string, Finding][] = [];
  const planBatch = async () => {
    const unknown = batch.filter(([key]) => !failing.has(key)).map(([key]) => key);
    const stored = new Map<string, FindingState>();
    if (unknown.length > 0) {
      const rows = await db.selectFrom("findings").selectAll().where("key", "in", unknown).execute();
      for (const row of rows) stored.set(row.key, findingFromRow(row));
    }
    for (const [key, finding] of batch) {
      const failed = failing.get(key);
      if (failed) reported.add(key);
      const previous = failed ?? stored.get(key);
      const applied = applier.result(key, finding, previous);
      if (applied) await steps.add(applied, previous);
    }
    batch = [];
    reclaimIfGrown();
    await pause();
  };
  for (const [i, w] of winner.entries()) {
    if (w < 0) continue;
    const finding = findings[w] as Finding;
    batch.push([findingKey(finding), finding]);
    if (batch.length === RESULT_BATCH) await planBatch();
    else if (i > 0 && i % PLAN_SLICE === 0) await pause();
  }
  if (batch.length > 0) await planBatch();

  let looked = 0;
  for (const [key, previous] of failing) {
    if (++looked % PLAN_SLICE === 0) await pause();
    if (reported.has(key)) continue;
    const applied = applier.unreported(key, previous);
    if (applied) await steps.add(applied, previous);
  }
  await steps.flush();

  const rows = applier
    .covered()
    .filter((t) => (coverage.get(t) ?? "") < observedAt)
    .map((t) => {
      const [control_id, account_id, region] = t.split("|") as [string, string, string];
      return { control_id, account_id, region, observed_at: observedAt, scan_id: scanId };
    });
  return {
    scanRow,
    scope,
    observedAt,
    counts: applier.counts,
    changes: applier.changes,
    changeCount: applier.changeCount,
    notRechecked: applier.notRechecked,
    coverage: rows,
  };
}

/** FNV-1a of a string's UTF-16 code units: 32 bits, to bucket keys (equal keys are still compared whole). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * `dedupeResults` by index, for a commit that must not hold a map of every key (~240 bytes a finding): for
 * the first result of each distinct key, the index of the result that stands for the key (the worst status,
 * the first of equals); -1 for every later result of a key. Keys are bucketed by a 32-bit hash and compared
 * whole within a bucket, so a collision never merges two keys.
 */
export async function dedupeIndex(
  findings: readonly Finding[],
  options: { pause?: () => Promise<void>; hash?: (key: string) => number } = {},
): Promise<Int32Array> {
  const hash = options.hash ?? hash32;
  const winner = new Int32Array(findings.length);
  /** Hash → the first index of each distinct key with that hash. */
  const buckets = new Map<number, number | number[]>();
  for (const [i, finding] of findings.entries()) {
    if (i > 0 && i % PLAN_SLICE === 0) await options.pause?.();
    const key = findingKey(finding);
    const h = hash(key);
    const bucket = buckets.get(h);
    const firsts = bucket === undefined ? [] : typeof bucket === "number" ? [bucket] : bucket;
    const first = firsts.find((j) => findingKey(findings[j] as Finding) === key);
    if (first === undefined) {
      winner[i] = i;
      if (bucket === undefined) buckets.set(h, i);
      else if (typeof bucket === "number") buckets.set(h, [bucket, i]);
      else bucket.push(i);
      continue;
    }
    winner[i] = -1;
    const standing = findings[winner[first] as number] as Finding;
    if (isWorse(finding.status, standing.status)) winner[first] = i;
  }
  return winner;
}

/**
 * Turns applied findings into write steps as they come: a full row (with the history of its change) when
 * anything beyond the stamps every scan moves changed, else the finding's key in one short UPDATE of its
 * kind of stamps. A step goes to `write` as soon as it is full.
 */
function stepWriter(
  scanId: string,
  at: string,
  observedAt: string,
  write: (step: WriteStep) => Promise<void>,
) {
  let full: Insertable<FindingsTable>[] = [];
  let history: Insertable<FindingHistoryTable>[] = [];
  const touched: Record<TouchKind, string[]> = { seen: [], checked: [], failed: [] };

  const writeFull = async () => {
    if (full.length === 0) return;
    const part = full;
    const changes = history;
    full = [];
    history = [];
    await write({
      rows: part.length + changes.length,
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
        for (const rows of chunks(changes)) await db.insertInto("finding_history").values(rows).execute();
      },
    });
  };
  const writeTouched = async (kind: TouchKind) => {
    const keys = touched[kind];
    if (keys.length === 0) return;
    touched[kind] = [];
    await write({
      rows: keys.length,
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
          .where("key", "in", keys)
          .execute();
      },
    });
  };

  return {
    async add(applied: AppliedFinding, previous: FindingState | undefined): Promise<void> {
      const row = findingToRow(applied.state);
      // A lifecycle change always changes a column beyond the stamps; its history goes with the full row.
      const kind = previous && !applied.change ? touchKind(findingToRow(previous), row) : undefined;
      if (kind !== undefined) {
        touched[kind].push(row.key);
        if (touched[kind].length === TOUCH_KEYS) await writeTouched(kind);
        return;
      }
      full.push(row);
      const c = applied.change;
      if (c) {
        history.push({
          finding_key: c.key,
          scan_id: scanId,
          from_state: c.from,
          to_state: c.to,
          reason: c.reason ?? null,
          at,
        });
      }
      if (full.length === STEP_ROWS) await writeFull();
    },
    async flush(): Promise<void> {
      await writeFull();
      for (const kind of ["seen", "checked", "failed"] as const) await writeTouched(kind);
    },
  };
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

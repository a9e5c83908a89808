/**
 * The digest's reads as SQL: counts grouped in the database, and only the rows the digest shows, in the order
 * it shows them, with LIMIT. Suppressions are applied in SQL with the same rule as `suppressionMatcher`
 * (active at `now`; a finding key, or a control over a resource glob where only `*` is special), so that no
 * row has to be loaded to be counted or dropped.
 */
import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from "kysely";
import { isSeverity, SEVERITIES, type Severity, severityRank } from "../domain/severity.js";
import type { Database, FindingsTable } from "./schema.js";
import { computeTrend } from "./trend.js";
import {
  type Engine,
  FAILING_LIFECYCLES,
  type Lifecycle,
  type PostureRow,
  type TrendPoint,
} from "./types.js";

/** A list the digest shows: how many there are, and the first `limit` of them. */
export interface DigestListPage<T> {
  total: number;
  rows: T[];
}

/**
 * True when no active suppression silences the finding aliased `f`. The glob becomes GLOB on SQLite (case
 * sensitive; `[` and `?` made literal) and LIKE on PostgreSQL (`\`, `%`, `_` escaped), `*` matching any run.
 *
 * Two NOT EXISTS (by key, by control) rather than NOT (… OR …): each becomes an anti-join the planner can
 * hash or probe on its own index, instead of a subquery run per finding. The control-wide suppressions are
 * read with their pattern already translated, so the translation runs once per suppression, not per finding.
 */
export function notSuppressedSql(engine: Engine, now: string): RawBuilder<SqlBool> {
  const pattern =
    engine === "sqlite"
      ? sql`replace(replace(coalesce(s.resource_pattern, '*'), '[', '[[]'), '?', '[?]')`
      : sql`replace(replace(replace(replace(coalesce(s.resource_pattern, '*'), '\\', '\\\\'), '%', '\\%'), '_', '\\_'), '*', '%')`;
  const matches =
    engine === "sqlite" ? sql`f.resource_arn glob p.pattern` : sql`f.resource_arn like p.pattern escape '\\'`;
  const active = sql`s.removed_at is null and (s.expires_at is null or s.expires_at > ${now})`;
  return sql<SqlBool>`(not exists (select 1 from suppressions s where s.finding_key = f.key and ${active})
    and not exists (select 1 from (select s.control_id, ${pattern} as pattern from suppressions s
      where s.finding_key is null and ${active}) p
      where p.control_id = f.control_id and ${matches}))`;
}

/** Failing, unsuppressed findings counted by account, region and severity — in the database. */
export async function postureCounts(
  db: Kysely<Database>,
  engine: Engine,
  now: string,
  includeSuppressed: boolean,
): Promise<PostureRow[]> {
  let q = db
    .selectFrom("findings as f")
    .select((eb) => ["f.account_id", "f.region", "f.severity", eb.fn.countAll().as("n")])
    .where("f.lifecycle", "in", [...FAILING_LIFECYCLES]);
  if (!includeSuppressed) q = q.where(notSuppressedSql(engine, now));
  const rows = await q.groupBy(["f.account_id", "f.region", "f.severity"]).execute();
  return rows
    .map((r) => ({
      accountId: r.account_id,
      region: r.region,
      severity: r.severity as Severity,
      count: Number(r.n),
    }))
    .sort(
      (a, b) =>
        a.accountId.localeCompare(b.accountId) ||
        a.region.localeCompare(b.region) ||
        severityRank(b.severity) - severityRank(a.severity),
    );
}

/** The worst first, then control, account, region and resource in code-point order (as the digest sorts). */
export function ordered(engine: Engine, alias = "f"): RawBuilder<unknown>[] {
  const rank = sql`case ${sql.ref(`${alias}.severity`)} ${sql.join(
    SEVERITIES.map((s) => sql`when ${sql.lit(s)} then ${sql.lit(severityRank(s))}`),
    sql` `,
  )} else 0 end desc`;
  const text = (column: string) =>
    engine === "postgres" ? sql`${sql.ref(column)} collate "C"` : sql`${sql.ref(column)}`;
  return [rank, ...["control_id", "account_id", "region", "resource_arn"].map((c) => text(`${alias}.${c}`))];
}

export interface OpenFindingsQuery {
  now: string;
  /** This severity and worse. */
  minSeverity?: Severity;
  accountId?: string;
  /** Rows read; the counts cover every match. */
  limit: number;
}

export interface OpenFindingsRows {
  /** Failing, unsuppressed findings matching the query, by severity: all of them, not only the rows read. */
  counts: Record<Severity, number>;
  /** The first `limit` of them, the worst first (then control, account, region, resource). */
  rows: Selectable<FindingsTable>[];
}

/**
 * Open findings for `/forecast-audit findings` and the App Home: counted by severity in SQL, and only the first
 * `limit` rows read, in the order they are shown — not every failing row loaded to count them and show fifty.
 */
export async function openFindingsRows(
  db: Kysely<Database>,
  engine: Engine,
  query: OpenFindingsQuery,
): Promise<OpenFindingsRows> {
  const severities = SEVERITIES.filter(
    (s) => query.minSeverity === undefined || severityRank(s) >= severityRank(query.minSeverity),
  );
  const matching = () => {
    let q = db
      .selectFrom("findings as f")
      .where("f.lifecycle", "in", [...FAILING_LIFECYCLES])
      .where("f.severity", "in", severities)
      .where(notSuppressedSql(engine, query.now));
    if (query.accountId !== undefined) q = q.where("f.account_id", "=", query.accountId);
    return q;
  };
  const first = ordered(engine)
    .reduce((sorted, by) => sorted.orderBy(by), matching().select("f.key"))
    .limit(query.limit)
    .as("k");
  const [grouped, rows] = await Promise.all([
    matching()
      .select((eb) => ["f.severity", eb.fn.countAll().as("n")])
      .groupBy("f.severity")
      .execute(),
    query.limit === 0
      ? Promise.resolve([])
      : ordered(engine, "r")
          .reduce(
            (sorted, by) => sorted.orderBy(by),
            db.selectFrom(first).innerJoin("findings as r", "r.key", "k.key").selectAll("r"),
          )
          .execute(),
  ]);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const g of grouped) if (isSeverity(g.severity)) counts[g.severity] += Number(g.n);
  return { counts, rows };
}

export interface DigestListQuery {
  since: string;
  now: string;
  /** Rows read per list; the counts cover them all. */
  limit: number;
  /** Still failing: this severity and worse. */
  minSeverity: Severity;
}

export interface DigestListRows {
  newSince: DigestListPage<Selectable<FindingsTable>>;
  resolvedSince: DigestListPage<Selectable<FindingsTable>>;
  /** Failing at `minSeverity` or worse and not new since `since`. */
  stillFailing: DigestListPage<Selectable<FindingsTable>>;
}

/** The three finding lists of the digest: each counted in SQL and read up to `limit` rows, worst first. */
export async function digestListRows(
  db: Kysely<Database>,
  engine: Engine,
  query: DigestListQuery,
): Promise<DigestListRows> {
  const failing = [...FAILING_LIFECYCLES];
  const newSince = sql<SqlBool>`exists (select 1 from finding_history h
    where h.finding_key = f.key and h.to_state in ('new', 'reopened') and h.at > ${query.since})`;
  const notSuppressed = notSuppressedSql(engine, query.now);
  const severities = SEVERITIES.filter((s) => severityRank(s) >= severityRank(query.minSeverity));

  const base = () => db.selectFrom("findings as f").where(notSuppressed);
  const newQ = () => base().where("f.lifecycle", "in", failing).where(newSince);
  const resolvedQ = () =>
    base().where("f.lifecycle", "=", "resolved").where("f.resolved_at", ">", query.since);
  const stillQ = () =>
    base()
      .where("f.lifecycle", "in", failing)
      .where("f.severity", "in", severities)
      .where(sql<SqlBool>`not ${newSince}`);

  const page = async (q: typeof newQ): Promise<DigestListPage<Selectable<FindingsTable>>> => {
    if (query.limit === 0) {
      const count = await q()
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      return { total: Number(count.n), rows: [] };
    }
    // One statement: a pass over narrow rows (the sort columns, all in the index `findings_digest`) where the
    // window count covers every match and the LIMIT keeps the first keys; only those rows are then read in
    // full (sorting whole rows would carry every column through the sort), and put back in the same order —
    // a total one, since the sort columns are what the key is made of.
    const first = ordered(engine)
      .reduce(
        (sorted, by) => sorted.orderBy(by),
        q()
          .select(["f.key", "f.severity", "f.control_id", "f.account_id", "f.region", "f.resource_arn"])
          .select(sql<number | string>`count(*) over ()`.as("list_total")),
      )
      .limit(query.limit)
      .as("k");
    const rows = await ordered(engine, "k")
      .reduce(
        (sorted, by) => sorted.orderBy(by),
        db
          .selectFrom(first)
          .innerJoin("findings as r", "r.key", "k.key")
          .selectAll("r")
          .select("k.list_total"),
      )
      .execute();
    return {
      total: Number(rows[0]?.list_total ?? 0),
      rows: rows.map(({ list_total: _total, ...row }) => row),
    };
  };
  const [n, r, s] = await Promise.all([page(newQ), page(resolvedQ), page(stillQ)]);
  return { newSince: n, resolvedSince: r, stillFailing: s };
}

/**
 * The n-day trend with its counting in SQL: today's failing findings counted by severity in the database,
 * and only the findings the window's history touched read back, to undo their changes day by day. Gives
 * what `computeTrend` over every failing row gives (the current severity counts; suppressed-now findings left
 * out of every day), without loading the rows nothing changed.
 */
export async function trendCounts(
  db: Kysely<Database>,
  engine: Engine,
  input: { days: number; now: string; suppressedAt: string; start: string; includeSuppressed: boolean },
): Promise<TrendPoint[]> {
  const notSuppressed = notSuppressedSql(engine, input.suppressedAt);
  let base = db
    .selectFrom("findings as f")
    .select((eb) => ["f.severity", eb.fn.countAll().as("n")])
    .where("f.lifecycle", "in", [...FAILING_LIFECYCLES]);
  if (!input.includeSuppressed) base = base.where(notSuppressed);
  const history = db
    .selectFrom("finding_history")
    .select(["finding_key", "from_state", "at"])
    .where("at", ">", input.start)
    .orderBy("at", "desc")
    .orderBy("id", "desc");
  let touched = db
    .selectFrom("findings as f")
    .select(["f.key", "f.lifecycle", "f.severity"])
    .where("f.key", "in", (eb) =>
      eb.selectFrom("finding_history as h").select("h.finding_key").where("h.at", ">", input.start),
    );
  if (!input.includeSuppressed) touched = touched.where(notSuppressed);
  // Three reads at once: PostgreSQL runs them on separate pool connections (SQLite in turn).
  const [counts, rows, changes] = await Promise.all([
    base.groupBy("f.severity").execute(),
    touched.execute(),
    history.execute(),
  ]);

  const baseline = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const c of counts) {
    if (isSeverity(c.severity)) baseline[c.severity] += Number(c.n);
  }
  // The touched findings as they are now are inside `baseline`: take them out, then add them back as they were
  // on each day. A change of a finding not read back (suppressed now, or pruned) counts on no day, as before.
  const current = rows.map((r) => ({
    key: r.key,
    lifecycle: r.lifecycle as Lifecycle,
    severity: r.severity as Severity,
  }));
  const touchedNow = computeTrend(current, [], 1, input.now)[0];
  const perDay = computeTrend(
    current,
    changes.map((c) => ({ key: c.finding_key, from: c.from_state as Lifecycle | null, at: c.at })),
    input.days,
    input.now,
  );
  return perDay.map((p) => {
    const bySeverity = Object.fromEntries(
      SEVERITIES.map((s) => [s, baseline[s] - (touchedNow?.bySeverity[s] ?? 0) + p.bySeverity[s]]),
    ) as Record<Severity, number>;
    return { day: p.day, total: SEVERITIES.reduce((n, s) => n + bySeverity[s], 0), bySeverity };
  });
}

/** `forecast-audit findings`: the stored findings with their lifecycle, as a table, JSON or Markdown. */
import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import type { FindingStatus } from "../../domain/finding.js";
import { maskArn, maskSensitive } from "../../domain/sensitive.js";
import { isSeverity, SEVERITIES, type Severity } from "../../domain/severity.js";
import { StoreInputError } from "../../store/errors.js";
import {
  FAILING_LIFECYCLES,
  type FindingQuery,
  type FindingRecord,
  LIFECYCLES,
  type Lifecycle,
  type Store,
} from "../../store/types.js";
import type { CliDeps } from "../deps.js";
import { CliError } from "../errors.js";
import { escapeMarkdownCell } from "../format/markdown.js";
import { loadCliConfig } from "../load-cli-config.js";
import { collectValues, FORMATS, type OutputFormat } from "../options.js";

// Output helpers shared by the store's commands (findings, history, suppress).

export interface Column<T> {
  title: string;
  cell: (row: T) => string;
  /** Widest the table column may get; longer cells are cut with an ellipsis. */
  max?: number;
}

/** Untrusted text (names, tags, paths) must not move the cursor or recolour a terminal. */
export function stripControl(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

export function renderColumns<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  format: "table" | "markdown",
): string {
  const cells = rows.map((row) => columns.map((c) => stripControl(c.cell(row)).replace(/\s+/g, " ").trim()));
  if (format === "markdown") {
    const header = `| ${columns.map((c) => c.title).join(" | ")} |`;
    const rule = `|${columns.map(() => "---").join("|")}|`;
    const body = cells.map((r) => `| ${r.map(escapeMarkdownCell).join(" | ")} |`);
    return `${[header, rule, ...body].join("\n")}\n`;
  }
  const widths = columns.map((c, i) =>
    Math.min(
      c.max ?? 200,
      cells.reduce((m, r) => Math.max(m, (r[i] ?? "").length), c.title.length),
    ),
  );
  const pad = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => pad(v, widths[i] ?? v.length))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.title)), ...cells.map(line)].join("\n")}\n`;
}

export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = (value ?? "table").toLowerCase();
  if ((FORMATS as readonly string[]).includes(format)) return format as OutputFormat;
  throw new CliError(`--format must be one of ${FORMATS.join(", ")} (got "${value}").`);
}

export function parseLimit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new CliError(`--limit must be a whole number from 1 to 100000 (got "${value}").`);
  }
  return n;
}

/** Opens the store from the configuration, runs `fn`, and always closes it. Store input errors exit 2. */
export async function withStore<T>(
  deps: CliDeps,
  configPath: string | undefined,
  fn: (store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const { config } = await loadCliConfig({ path: configPath, env: deps.env, cwd: deps.cwd });
  const store = await deps.openStore(config);
  try {
    return await fn(store, config);
  } catch (error) {
    if (error instanceof StoreInputError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

const STATUS_WORDS = [...LIFECYCLES, "failing", "error", "all"] as const;

/** `--status` values: lifecycle states, `failing` (new, open, reopened), `error` (last evaluation ERROR), `all`. */
export function parseStatusFilter(
  values: readonly string[] | undefined,
): Pick<FindingQuery, "lifecycle" | "status"> {
  const words = (values?.length ? values : ["failing"]).map((v) => v.toLowerCase());
  const unknown = words.filter((w) => !(STATUS_WORDS as readonly string[]).includes(w));
  if (unknown.length > 0) {
    throw new CliError(`--status: unknown value ${unknown.join(", ")}; use ${STATUS_WORDS.join(", ")}.`);
  }
  if (words.includes("all")) return {};
  const lifecycle = new Set<Lifecycle>();
  for (const w of words) {
    if (w === "failing") for (const l of FAILING_LIFECYCLES) lifecycle.add(l);
    else if (w !== "error") lifecycle.add(w as Lifecycle);
  }
  const out: Pick<FindingQuery, "lifecycle" | "status"> = {};
  if (lifecycle.size > 0) out.lifecycle = [...lifecycle];
  if (words.includes("error")) out.status = ["ERROR"] satisfies FindingStatus[];
  return out;
}

export function parseMinSeverity(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (isSeverity(v)) return v;
  throw new CliError(`--severity must be one of ${SEVERITIES.join(", ")} (got "${value}").`);
}

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : "");

const FINDING_COLUMNS: Column<FindingRecord>[] = [
  { title: "ID", cell: (f) => f.id },
  { title: "LIFECYCLE", cell: (f) => (f.suppressionId ? `${f.lifecycle} (suppressed)` : f.lifecycle) },
  { title: "STATUS", cell: (f) => f.status },
  { title: "SEVERITY", cell: (f) => f.severity },
  { title: "CONTROL", cell: (f) => f.controlId, max: 40 },
  { title: "ACCOUNT", cell: (f) => f.accountId },
  { title: "REGION", cell: (f) => f.region },
  { title: "RESOURCE", cell: (f) => f.resourceArn, max: 90 },
  { title: "SINCE", cell: (f) => day(f.changedAt) },
  {
    title: "DETAIL",
    cell: (f) =>
      f.notRecheckedSince ? `(not re-checked since ${day(f.notRecheckedSince)}) ${f.detail}` : f.detail,
    max: 120,
  },
];

/**
 * Masks what may be sensitive (names and paths carry personal data or secrets), by field: the ARN by its
 * parts, so account, region and key ids stay whole. The id (first, so it reads first in JSON) is what
 * `fix` and `suppress` take when the key shows masked text.
 */
export function maskRecord(f: FindingRecord): FindingRecord {
  const resourceArn = maskArn(f.resourceArn);
  const { id, ...rest } = f;
  const masked: FindingRecord = {
    id,
    ...rest,
    key: `${f.controlId}|${f.accountId}|${f.region}|${resourceArn}`,
    resourceArn,
    detail: maskSensitive(f.detail),
  };
  if (f.error) masked.error = { ...f.error, message: maskSensitive(f.error.message) };
  return masked;
}

export function renderFindings(findings: readonly FindingRecord[], format: OutputFormat): string {
  const masked = findings.map(maskRecord);
  if (format === "json") return `${JSON.stringify({ findings: masked }, null, 2)}\n`;
  if (masked.length === 0) return "No stored findings match.\n";
  const table = renderColumns(FINDING_COLUMNS, masked, format);
  return format === "markdown" ? table : `${table}\n${masked.length} finding(s).\n`;
}

interface FindingsOptions {
  status?: string[];
  severity?: string;
  account?: string;
  region?: string;
  control?: string;
  includeSuppressed?: boolean;
  limit?: string;
  format?: string;
  config?: string;
}

export function registerFindingsCommand(program: Command, deps: CliDeps): void {
  program
    .command("findings")
    .description("List the stored findings and where each stands (new, open, reopened, resolved, …).")
    .option(
      "--status <status>",
      `lifecycle to show, repeatable or comma-separated: ${STATUS_WORDS.join(", ")} (default: failing)`,
      collectValues,
    )
    .option("--severity <severity>", "at or above this severity: critical, high, medium, low")
    .option("--account <id>", "only this account")
    .option("--region <region>", "only this region (global for IAM)")
    .option("--control <id>", "only this control")
    .option("--include-suppressed", "also list suppressed findings, marked as such")
    .option("--limit <n>", "at most this many findings")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<FindingsOptions>();
      const format = parseOutputFormat(opts.format);
      const query: FindingQuery = { ...parseStatusFilter(opts.status) };
      const minSeverity = parseMinSeverity(opts.severity);
      if (minSeverity) query.minSeverity = minSeverity;
      if (opts.account !== undefined) query.accountId = opts.account;
      if (opts.region !== undefined) query.region = opts.region;
      if (opts.control !== undefined) query.controlId = opts.control;
      if (opts.includeSuppressed) query.includeSuppressed = true;
      if (opts.limit !== undefined) query.limit = parseLimit(opts.limit, 0);
      const findings = await withStore(deps, opts.config, (store) => store.listFindings(query));
      deps.stdout(renderFindings(findings, format));
    });
}

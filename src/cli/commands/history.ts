/** `forecast-audit history`: recent scans with their outcome and counts, or one finding's lifecycle. */
import type { Command } from "commander";
import { maskSensitive } from "../../domain/sensitive.js";
import { scanLeaseMs } from "../../scan/scan-row.js";
import { parseFindingKey } from "../../store/suppression-match.js";
import type { FindingHistoryRecord, ScanRecord } from "../../store/types.js";
import type { CliDeps } from "../deps.js";
import { CliError } from "../errors.js";
import type { OutputFormat } from "../options.js";
import { FORMATS } from "../options.js";
import { type Column, parseLimit, parseOutputFormat, renderColumns, withStore } from "./findings.js";

function duration(scan: ScanRecord): string {
  if (!scan.finishedAt) return "";
  const seconds = Math.max(0, Math.round((Date.parse(scan.finishedAt) - Date.parse(scan.startedAt)) / 1000));
  return seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`;
}

const count = (scan: ScanRecord, pick: (c: NonNullable<ScanRecord["counts"]>) => number) =>
  scan.counts ? String(pick(scan.counts)) : "";

const SCAN_COLUMNS: Column<ScanRecord>[] = [
  { title: "SCAN", cell: (s) => s.id },
  { title: "STARTED", cell: (s) => s.startedAt.replace(/\.\d+Z$/, "Z") },
  { title: "TOOK", cell: duration },
  { title: "TRIGGER", cell: (s) => s.trigger, max: 30 },
  { title: "OUTCOME", cell: (s) => s.outcome },
  {
    title: "HEARTBEAT",
    // A running scan's last sign of life; an interrupted one's last before its process stopped.
    cell: (s) =>
      (s.outcome === "running" || s.outcome === "interrupted") && s.heartbeatAt
        ? s.heartbeatAt.replace(/\.\d+Z$/, "Z")
        : "",
  },
  { title: "ACCOUNTS", cell: (s) => s.scope.accounts.join(","), max: 40 },
  { title: "REGIONS", cell: (s) => s.scope.regions.join(","), max: 40 },
  { title: "FAIL", cell: (s) => count(s, (c) => c.fail) },
  { title: "ERROR", cell: (s) => count(s, (c) => c.error) },
  { title: "PASS", cell: (s) => count(s, (c) => c.pass) },
  { title: "NEW", cell: (s) => count(s, (c) => c.new) },
  { title: "REOPENED", cell: (s) => count(s, (c) => c.reopened) },
  { title: "RESOLVED", cell: (s) => count(s, (c) => c.resolved) },
];

const FINDING_HISTORY_COLUMNS: Column<FindingHistoryRecord>[] = [
  { title: "AT", cell: (h) => h.at },
  { title: "SCAN", cell: (h) => h.scanId },
  { title: "FROM", cell: (h) => h.from ?? "-" },
  { title: "TO", cell: (h) => h.to },
  { title: "REASON", cell: (h) => h.reason ?? "" },
];

export function renderScans(scans: readonly ScanRecord[], format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify({ scans }, null, 2)}\n`;
  if (scans.length === 0) return "No scans stored yet.\n";
  return renderColumns(SCAN_COLUMNS, scans, format);
}

export function renderFindingHistory(
  key: string,
  rows: readonly FindingHistoryRecord[],
  format: OutputFormat,
): string {
  const masked = maskSensitive(key);
  if (format === "json") {
    return `${JSON.stringify({ key: masked, history: rows.map((r) => ({ ...r, key: masked })) }, null, 2)}\n`;
  }
  if (rows.length === 0) return "No history for that finding.\n";
  return renderColumns(FINDING_HISTORY_COLUMNS, rows, format);
}

interface HistoryOptions {
  limit?: string;
  format?: string;
  finding?: string;
  config?: string;
}

export function registerHistoryCommand(program: Command, deps: CliDeps): void {
  program
    .command("history")
    .description(
      "List recent scans (outcome, counts, what changed), or one finding's lifecycle with --finding.",
    )
    .option("--limit <n>", "how many scans to list", "20")
    .option("--finding <key>", "show the lifecycle changes of one finding (control|account|region|resource)")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<HistoryOptions>();
      const format = parseOutputFormat(opts.format);
      const limit = parseLimit(opts.limit, 20);
      if (opts.finding !== undefined) {
        const key = opts.finding;
        if (!parseFindingKey(key)) {
          throw new CliError("--finding must be a finding key: control|account|region|resource.");
        }
        const rows = await withStore(deps, opts.config, (store) => store.findingHistory(key));
        deps.stdout(renderFindingHistory(key, rows, format));
        return;
      }
      const scans = await withStore(deps, opts.config, async (store, config) => {
        // A running scan whose heartbeat is older than the lease lost its process (a killed CLI, a stopped
        // replica): it is recorded as interrupted before it is shown.
        const lease = scanLeaseMs(config.store.scanHeartbeatSeconds * 1000);
        await store.markScansInterrupted(new Date(deps.now().getTime() - lease).toISOString());
        return store.listScans({ limit });
      });
      deps.stdout(renderScans(scans, format));
    });
}

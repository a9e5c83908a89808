/** `forecast-audit scan`: the audit from a terminal or a CI job, with an exit code. */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { Config } from "../../config/schema.js";
import type { AccountDirectoryEntry } from "../../domain/accounts.js";
import type { Inventory } from "../../domain/inventory.js";
import { disableMemoryReclaim, enableMemoryReclaim, reclaimMemory } from "../../domain/reclaim-memory.js";
import type { Severity } from "../../domain/severity.js";
import type { Logger } from "../../logging/logger.js";
import { accountDirectoryEntries } from "../../scan/account-directory.js";
import { filterInventory, readInventoryFile } from "../../scan/inventory-file.js";
import { toRecordScanInput } from "../../scan/record-scan.js";
import { finishScan, runScan, type ScanResult, type ScanScope } from "../../scan/run-scan.js";
import { type ScanRow, scanOrigin, startScope, withScanRow } from "../../scan/scan-row.js";
import { breachesThreshold } from "../../scan/summarize.js";
import { writePrivateFile } from "../../scan/write-private-file.js";
import type { CompletedScan, FindingRecord, RecordScanInput, Store } from "../../store/types.js";
import { explainAwsSetupError, regionDefaultedWarning } from "../aws-setup-errors.js";
import type { CliDeps } from "../deps.js";
import { CliError, EXIT_FAILED_FINDINGS, EXIT_OK } from "../errors.js";
import { renderHtml } from "../format/html.js";
import { renderJson } from "../format/json.js";
import { renderMarkdown } from "../format/markdown.js";
import { renderOcsf } from "../format/ocsf.js";
import { buildReport, type NotRechecked, type TrendDay } from "../format/report.js";
import { renderSarif } from "../format/sarif.js";
import { renderTable } from "../format/table.js";
import { loadCliConfig } from "../load-cli-config.js";
import {
  collectRegions,
  collectValues,
  parseFailOn,
  parseFormat,
  SCAN_FORMATS,
  type ScanFormat,
} from "../options.js";
import { createProgressReporter } from "../progress-reporter.js";
import { VERSION } from "../version.js";

/** Days of posture trend the html report shows when the scan is stored. */
const TREND_DAYS = 14;

interface ScanOptions {
  account?: string[];
  ou?: string[];
  region?: string[];
  format: ScanFormat;
  output?: string;
  failOn: Severity | "none";
  inventory?: string;
  store: boolean;
  all?: boolean;
  config?: string;
  logLevel: string;
}

function toNotRechecked(f: FindingRecord): NotRechecked[] {
  if (f.notRecheckedSince === undefined) return [];
  return [
    {
      controlId: f.controlId,
      severity: f.severity,
      accountId: f.accountId,
      region: f.region,
      resourceArn: f.resourceArn,
      detail: f.detail,
      notRecheckedSince: f.notRecheckedSince,
    },
  ];
}

/** Picks the configured accounts named by `--account` (id or name); unknown names are a usage error. */
export function selectAccounts(config: Config, wanted: string[] | undefined): Config["accounts"] {
  if (!wanted || wanted.length === 0) return config.accounts;
  if (config.accounts.length === 0) {
    throw new CliError("--account needs the accounts listed in the configuration file (accounts: [...]).");
  }
  const chosen = config.accounts.filter(
    (a) => wanted.includes(a.id) || (a.name !== undefined && wanted.includes(a.name)),
  );
  const unknown = wanted.filter((w) => !config.accounts.some((a) => a.id === w || a.name === w));
  if (unknown.length > 0) {
    const known = config.accounts.map((a) => (a.name ? `${a.id} (${a.name})` : a.id)).join(", ");
    throw new CliError(`--account: ${unknown.join(", ")} is not configured; configured accounts: ${known}.`);
  }
  return chosen;
}

/**
 * The scope of a live scan. With an organization configured, `--account` and `--ou` are resolved against it
 * when the scan runs (names of discovered accounts, OU names, paths or ids); without one, against the file.
 */
export function scanScope(
  config: Config,
  wanted: { account?: string[] | undefined; ou?: string[] | undefined },
  regions: string[],
): ScanScope {
  const accounts = wanted.account ?? [];
  const ous = wanted.ou ?? [];
  if (!config.organization) {
    if (ous.length > 0) throw new CliError("--ou needs an organization: block in the configuration file.");
    return { accounts: selectAccounts(config, accounts), regions };
  }
  if (accounts.length === 0 && ous.length === 0) return { accounts: config.accounts, regions };
  return { accounts: [], regions, selection: { accounts, ous } };
}

/** With `securityHub.enabled`, the recorded findings go to Security Hub; a failure is logged, not fatal. */
async function exportFindings(config: Config, deps: CliDeps, logger: Logger, store: Store): Promise<void> {
  if (!config.securityHub?.enabled) return;
  const runtime = await deps.createAuditRuntime(config, { sessionName: `cli-${deps.localUser}`, logger });
  try {
    // Loaded only when the export is on: the Security Hub client costs start-up time for everyone else.
    const { createSecurityHubExport } = await import("../../export/security-hub/live.js");
    const result = await createSecurityHubExport(config, runtime.factory, logger)?.(store);
    deps.stderr(
      result
        ? `[security-hub] ${result.active} active, ${result.archived} archived, ${result.failed.length} refused.\n`
        : "[security-hub] export failed (see the log); the next scan retries it.\n",
    );
  } finally {
    runtime.destroy();
  }
}

export interface RenderOptions {
  includePassed: boolean;
  /** The table's width and colour (a terminal's). */
  width?: number;
  color?: boolean;
  /** The posture trend from the state store, for html. */
  trend?: TrendDay[];
  /** Present when the scan was stored: what it could not re-check. */
  stored?: Pick<CompletedScan, "notRechecked">;
}

/** What the report needs of a scan: its findings and where it looked, not the inventory it read. */
export interface ScanForReport {
  scanId: string;
  startedAt: string;
  finishedAt: string;
  accounts: string[];
  regions: string[];
  findings: ScanResult["findings"];
}

/** What the scan command keeps of a scan once it is evaluated. */
interface Scanned {
  record: RecordScanInput;
  directory: AccountDirectoryEntry[];
  report: ScanForReport;
}

/** What it keeps once the scan is stored: not the record (its evidence) nor the commit's lifecycle changes. */
type Kept = Omit<Scanned, "record">;

export function scanForReport(result: ScanResult): ScanForReport {
  return {
    scanId: result.scanId,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    accounts: result.inventory.accounts.map((a) => a.accountId),
    regions: [...new Set(result.inventory.accounts.flatMap((a) => a.regions.map((r) => r.region)))],
    findings: result.findings,
  };
}

export function render(result: ScanForReport, format: ScanFormat, options: RenderOptions): string {
  const { includePassed, stored } = options;
  // json and ocsf write every finding; the other formats show only failing ones unless --all.
  const listsAll = includePassed || format === "json" || format === "ocsf";
  const report = buildReport(
    {
      scanId: result.scanId,
      startedAt: result.startedAt,
      finishedAt: result.finishedAt,
      accounts: result.accounts,
      regions: result.regions,
      findings: result.findings,
      ...(stored ? { notRechecked: (stored.notRechecked ?? []).flatMap(toNotRechecked) } : {}),
      ...(options.trend ? { trend: options.trend } : {}),
    },
    { list: listsAll ? "all" : "failing" },
  );
  if (format === "json") return renderJson(report);
  if (format === "markdown") return renderMarkdown(report, { includePassed });
  if (format === "ocsf") return renderOcsf(report, VERSION);
  if (format === "sarif") return renderSarif(report, VERSION, { includePassed });
  if (format === "html") return renderHtml(report, VERSION, { includePassed });
  const table: Parameters<typeof renderTable>[1] = { includePassed, color: options.color === true };
  if (options.width !== undefined) table.width = options.width;
  return renderTable(report, table);
}

export function registerScanCommand(program: Command, deps: CliDeps): void {
  program
    .command("scan")
    .description("Audit the configured accounts and regions and print the findings.")
    .option(
      "--account <id>",
      "account id or name, configured or in the organization (repeatable)",
      collectValues,
    )
    .option(
      "--ou <ou>",
      "OU id, name or path of the organization, nested OUs included (repeatable)",
      collectValues,
    )
    .option(
      "--region <region>",
      "region to scan (repeatable; default: the configuration's, else AWS_REGION)",
      collectRegions,
    )
    .addOption(
      new Option("--format <format>", `output format: ${SCAN_FORMATS.join(", ")}`)
        .default("table")
        .argParser(parseFormat),
    )
    .option("--output <file>", "write the report to this file (mode 0600) instead of stdout")
    .addOption(
      new Option(
        "--fail-on <severity>",
        "exit 1 when a finding at or above this severity fails or errors (or none)",
      )
        .default("high")
        .argParser(parseFailOn),
    )
    .option("--inventory <file>", "evaluate a saved inventory (from `collect --out`) instead of calling AWS")
    .option("--no-store", "do not record the results in the state database")
    .option("--all", "list passed checks too (table, markdown, sarif, html)")
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<ScanOptions>();
      // Full collections between the phases of this one-shot scan, when the bin exposes gc (peak RSS).
      enableMemoryReclaim();
      const { config } = await loadCliConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      const logger = deps.createLogger(opts.logLevel);
      const trigger = { kind: "cli" as const, user: deps.localUser };
      const label = `cli:${deps.localUser}`;
      // With the store, the scan's row is written (running, with a heartbeat) once the request is known to be
      // valid and before the scan starts, so a scan that is killed still shows in `history` (as interrupted
      // once its heartbeat goes stale), and a usage error records nothing.
      let store: Store | undefined;
      let result: Kept;
      let stored: Pick<CompletedScan, "notRechecked"> | undefined;
      let trend: TrendDay[] | undefined;
      try {
        // The inventory is let go as soon as the scan has it evaluated: the store commit and the report need
        // only the findings, the record and the account directory (peak memory of a large scan).
        const slim = (r: ScanResult): Scanned => ({
          record: toRecordScanInput(r, label),
          directory: accountDirectoryEntries(r.inventory, config.accounts, r.startedAt),
          report: scanForReport(r),
        });
        const kept = ({ directory, report }: Scanned): Kept => ({ directory, report });
        const scanned = async (
          scope: ScanScope,
          scan: (scanId?: string) => Promise<ScanResult>,
        ): Promise<{ result: Kept; completed: Pick<CompletedScan, "notRechecked"> | undefined }> => {
          if (!opts.store) return { result: kept(slim(await scan())), completed: undefined };
          store = await deps.openStore(config);
          // Ctrl-C or SIGTERM: the scan's row says `interrupted` at once (not after its lease), then the process ends.
          let row: ScanRow | undefined;
          const unregister = deps.onStopSignal?.(async (signal) => {
            if (await row?.interrupt(signal === "SIGINT" ? "Ctrl-C (SIGINT)" : signal)) {
              deps.stderr(`\nstopped: scan ${row?.scan.id} is recorded as interrupted\n`);
            }
          });
          const done = await withScanRow(
            store,
            { scope: startScope(scope), trigger: label, origin: scanOrigin(trigger) },
            {
              heartbeatMs: config.store.scanHeartbeatSeconds * 1000,
              clock: { now: deps.now },
              logger,
              onRow: (r) => {
                row = r;
              },
            },
            async (r) => slim(await scan(r.id)),
            (r) => r.record,
          ).finally(() => unregister?.());
          const { notRechecked } = done.completed;
          return { result: kept(done.result), completed: notRechecked ? { notRechecked } : {} };
        };
        if (opts.inventory) {
          if (opts.ou && opts.ou.length > 0) {
            throw new CliError(
              "--ou needs the organization, so it works with a live scan, not with --inventory.",
            );
          }
          let inventory: Inventory | undefined = filterInventory(
            await readInventoryFile(resolve(deps.cwd, opts.inventory)),
            opts.account ?? [],
            opts.region ?? [],
          );
          const scope: ScanScope = {
            accounts: inventory.accounts.map((a) => ({
              id: a.accountId,
              ...(a.name ? { name: a.name } : {}),
            })),
            regions: [...new Set(inventory.accounts.flatMap((a) => a.regions.map((r) => r.region)))],
          };
          // A saved inventory is judged as of its collection time, so "last 90 days" means what it meant then.
          const collectedAt = new Date(inventory.collectedAt);
          ({ result, completed: stored } = await scanned(scope, async (scanId) => {
            // Let go here, as a live scan does: the store commit and the report need only the findings.
            const evaluated = inventory as Inventory;
            inventory = undefined;
            return finishScan(
              { config, now: deps.now },
              {
                scope,
                trigger,
                inventory: evaluated,
                startedAt: deps.now(),
                evaluateAt: collectedAt,
                ...(scanId ? { scanId } : {}),
              },
            );
          }));
        } else {
          const runtime = await deps.createAuditRuntime(config, {
            sessionName: `cli-${deps.localUser}`,
            logger,
            onRegionDefaulted: (region: string) => deps.stderr(regionDefaultedWarning(region)),
          });
          const progress = createProgressReporter({ isTty: deps.isTty, write: deps.stderr });
          try {
            const scope = scanScope(config, opts, await runtime.resolveRegions(opts.region));
            ({ result, completed: stored } = await scanned(scope, (scanId) =>
              runScan(
                { collect: runtime.collect, config, now: deps.now },
                { scope, trigger, onProgress: (e) => progress.update(e), ...(scanId ? { scanId } : {}) },
              ),
            ));
          } catch (error) {
            throw explainAwsSetupError(error, deps.env);
          } finally {
            progress.stop();
            runtime.destroy();
          }
        }
        if (store) {
          await store.saveAccounts(result.directory);
          await exportFindings(config, deps, logger, store);
          await store.pruneScans(config.store.retentionDays);
          if (opts.format === "html") trend = await store.trend(TREND_DAYS, deps.now());
        }
      } finally {
        await store?.close();
        // What the commit left goes before the report is built.
        reclaimMemory();
        disableMemoryReclaim();
      }
      const scan = result.report;
      const toFile = opts.output !== undefined;
      const text = render(scan, opts.format, {
        includePassed: opts.all === true,
        ...(trend ? { trend } : {}),
        ...(stored ? { stored } : {}),
        ...(!toFile && deps.columns !== undefined ? { width: deps.columns } : {}),
        color: !toFile && deps.color === true,
      });
      if (opts.output !== undefined) {
        await writePrivateFile(resolve(deps.cwd, opts.output), text);
        deps.stderr(`wrote the ${opts.format} report to ${opts.output}\n`);
      } else {
        deps.stdout(text);
      }
      deps.setExitCode(breachesThreshold(scan.findings, opts.failOn) ? EXIT_FAILED_FINDINGS : EXIT_OK);
    });
}

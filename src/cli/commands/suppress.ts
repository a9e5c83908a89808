/**
 * `forecast-audit suppress`, `unsuppress` and `suppressions`: accepted risks, kept out of reports. The CLI
 * user is a local operator with the database's credentials, trusted like an approver (see the README's
 * trust model): a suppression here applies at once, but needs a reason and an end within
 * `slack.suppression.maxDays`, is audited as `cli:<user>` and is announced in the approvals channel.
 */
import type { Command } from "commander";
import { findingId, isFindingId } from "../../domain/finding.js";
import { maskArn, maskSensitive } from "../../domain/sensitive.js";
import { checkSuppressionInput } from "../../remediation-flow/suppression-flow.js";
import { parseFindingKey } from "../../store/suppression-match.js";
import type { NewSuppression, Store, Suppression } from "../../store/types.js";
import type { CliDeps } from "../deps.js";
import { CliError } from "../errors.js";
import { loadCliConfig } from "../load-cli-config.js";
import { FORMATS, type OutputFormat } from "../options.js";
import { checkControlId, checkFindingKey, resolveFindingArg } from "./finding-arg.js";
import { type Column, parseOutputFormat, renderColumns, withStore } from "./findings.js";

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** `--for 30d`, `12h`, `2w`: how long from now. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,5})\s*([hdw])$/i.exec(value.trim());
  const n = match ? Number(match[1]) : 0;
  if (!match || n < 1)
    throw new CliError(`--for must be a duration such as 12h, 30d or 2w (got "${value}").`);
  return n * UNIT_MS[match[2]!.toLowerCase() as keyof typeof UNIT_MS];
}

/** `--until 2026-06-30` (midnight UTC, when it is reported again) or a full ISO-8601 time; must be ahead. */
export function parseUntil(value: string, now: Date): string {
  const text = value.trim();
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : Date.parse(text);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new CliError(`--until must be a date (YYYY-MM-DD) or an ISO-8601 time (got "${value}").`);
  }
  if (time <= now.getTime()) throw new CliError(`--until must be in the future (got "${value}").`);
  return new Date(time).toISOString();
}

export interface SuppressOptions {
  finding?: string;
  control?: string;
  resource?: string;
  reason?: string;
  until?: string;
  for?: string;
}

/** Turns the options into a suppression, or a CliError that names the option at fault. */
export function buildSuppression(opts: SuppressOptions, actor: string, now: Date): NewSuppression {
  if ((opts.finding === undefined) === (opts.control === undefined)) {
    throw new CliError("suppress needs exactly one of --finding KEY or --control ID.");
  }
  if (opts.resource !== undefined && opts.control === undefined) {
    throw new CliError("--resource goes with --control (a finding key already names its resource).");
  }
  const reason = opts.reason?.trim();
  if (!reason) throw new CliError("--reason is required: say why this finding is accepted.");
  if (reason.length > 500) throw new CliError("--reason must be at most 500 characters.");
  if (opts.until !== undefined && opts.for !== undefined)
    throw new CliError("use --until or --for, not both.");
  const input: NewSuppression = { reason, createdBy: actor };
  if (opts.finding !== undefined) {
    // An id is resolved against the store when the command runs; a key is checked here, before any write.
    const finding = opts.finding.trim();
    input.findingKey = isFindingId(finding) ? finding : checkFindingKey(finding, "--finding");
  } else {
    const control = opts.control?.trim() ?? "";
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(control)) {
      throw new CliError(
        `--control must be a control id such as s3-bucket-tls-enforced (got "${opts.control}").`,
      );
    }
    input.controlId = checkControlId(control);
    if (opts.resource !== undefined) {
      if (!opts.resource.trim())
        throw new CliError("--resource must be a non-empty pattern (use * as a wildcard).");
      input.resourcePattern = opts.resource.trim();
    }
  }
  if (opts.until !== undefined) input.expiresAt = parseUntil(opts.until, now);
  if (opts.for !== undefined)
    input.expiresAt = new Date(now.getTime() + parseDuration(opts.for)).toISOString();
  return input;
}

/**
 * The bounds every suppression has, from the CLI too: a reason of 3 to 500 characters and an end at most
 * `maxDays` away. "Until lifted" needs an approver's approval, which only Slack asks for.
 */
export function checkCliSuppression(input: NewSuppression, now: Date, maxDays: number): void {
  if (input.expiresAt === undefined) {
    throw new CliError(
      `give --for or --until: a suppression lasts at most ${maxDays} days (slack.suppression.maxDays); one with no end needs an approver's approval in Slack.`,
    );
  }
  const days = Math.ceil((Date.parse(input.expiresAt) - now.getTime()) / 86_400_000);
  const problem = checkSuppressionInput({ reason: input.reason, days }, maxDays);
  if (problem?.code === "reason") throw new CliError(`--reason: ${problem.reason}`);
  if (problem) {
    throw new CliError(
      `a suppression lasts at most ${maxDays} days (slack.suppression.maxDays); this one is ${days}.`,
    );
  }
}

function describeTarget(s: Suppression): string {
  if (s.findingKey !== undefined) {
    const parts = parseFindingKey(s.findingKey);
    if (!parts) return maskSensitive(s.findingKey);
    return `finding ${findingId(parts)} (${parts.controlId} on ${maskArn(parts.resourceArn)})`;
  }
  return `${s.controlId} on ${maskSensitive(s.resourcePattern ?? "*")}`;
}

const SUPPRESSION_COLUMNS: Column<Suppression>[] = [
  { title: "ID", cell: (s) => s.id },
  { title: "TARGET", cell: describeTarget, max: 100 },
  { title: "UNTIL", cell: (s) => s.expiresAt ?? "removed by hand" },
  { title: "BY", cell: (s) => s.createdBy },
  { title: "REASON", cell: (s) => s.reason, max: 80 },
  { title: "STATE", cell: (s) => (s.removedAt ? `removed by ${s.removedBy ?? "?"}` : "") },
];

export function renderSuppressions(list: readonly Suppression[], format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify({ suppressions: list }, null, 2)}\n`;
  if (list.length === 0) return "No active suppressions.\n";
  return renderColumns(SUPPRESSION_COLUMNS, list, format);
}

interface Globals {
  config?: string;
}

/**
 * Lifts the suppressions of one finding (by its id) and returns their ids. A finding covered only by a
 * control-wide suppression is refused: lifting that one would un-hide every resource it covers.
 */
async function unsuppressFinding(store: Store, id: string, by: string): Promise<string[]> {
  const { key, record } = await resolveFindingArg(store, id, "<id>");
  const own = (await store.listSuppressions()).filter((s) => s.findingKey === key);
  if (own.length === 0) {
    if (record?.suppressionId !== undefined) {
      throw new CliError(
        `Finding ${id} has no suppression of its own: it is covered by ${record.suppressionId}, a suppression of its control. Lift that with \`forecast-audit unsuppress ${record.suppressionId}\` (it un-hides every finding it covers).`,
      );
    }
    throw new CliError(`Finding ${id} is not suppressed.`);
  }
  const removed: string[] = [];
  for (const s of own) if (await store.removeSuppression(s.id, by)) removed.push(s.id);
  if (removed.length === 0) throw new CliError(`Finding ${id} is not suppressed.`);
  return removed;
}

export function registerSuppressCommands(program: Command, deps: CliDeps): void {
  program
    .command("suppress")
    .description("Keep a finding, or a control over matching resources, out of reports (recorded, audited).")
    .option("--finding <id>", "one finding, by its id (f-…) or its key (control|account|region|resource)")
    .option("--control <id>", "a control, over every resource or those matching --resource")
    .option("--resource <pattern>", "resource ARN pattern for --control, * matches anything")
    .option("--reason <text>", "why the risk is accepted (required)")
    .option("--until <date>", "until this date (YYYY-MM-DD, UTC) or ISO-8601 time")
    .option("--for <duration>", "for this long: 12h, 30d, 2w")
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<SuppressOptions & Globals>();
      const input = buildSuppression(opts, `cli:${deps.localUser}`, deps.now());
      const { config } = await loadCliConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      checkCliSuppression(input, deps.now(), config.slack.suppression.maxDays);
      const { suppression, known } = await withStore(deps, opts.config, async (store) => {
        let known: boolean;
        if (input.findingKey !== undefined) {
          // Resolved before the write: an unknown id or a masked key throws and nothing is stored.
          const resolved = await resolveFindingArg(store, input.findingKey, "--finding");
          input.findingKey = resolved.key;
          known = resolved.record !== undefined;
        } else {
          known =
            (await store.listFindings({ controlId: input.controlId!, includeSuppressed: true, limit: 1 }))
              .length > 0;
        }
        const suppression = await store.addSuppression(input);
        return { suppression, known };
      });
      const until = suppression.expiresAt ? ` until ${suppression.expiresAt}` : " until removed";
      deps.stdout(`Suppressed ${describeTarget(suppression)}${until} (id ${suppression.id}).\n`);
      if (!known) {
        deps.stderr(
          "Note: no stored finding matches yet; the suppression applies once a scan reports one.\n",
        );
      }
    });

  program
    .command("unsuppress")
    .description("Remove a suppression: its findings are reported again from now on.")
    .argument(
      "<id>",
      "the suppression id (see `forecast-audit suppressions`), or the id of a finding suppressed on its own",
    )
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<Globals>();
      const by = `cli:${deps.localUser}`;
      if (isFindingId(id)) {
        const removed = await withStore(deps, opts.config, (store) => unsuppressFinding(store, id, by));
        deps.stdout(`Removed suppression ${removed.join(", ")} of finding ${id}.\n`);
        return;
      }
      if (!/^sup-[a-z0-9]+$/.test(id))
        throw new CliError(
          `<id> must be a suppression id such as sup-abcd2345 or a finding id such as f-0123456789ab (got "${id}").`,
        );
      const removed = await withStore(deps, opts.config, (store) => store.removeSuppression(id, by));
      if (!removed) throw new CliError(`No active suppression has id ${id}.`);
      deps.stdout(`Removed suppression ${id}.\n`);
    });

  program
    .command("suppressions")
    .description("List suppressions (active ones unless --all).")
    .option("--all", "include expired and removed suppressions")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<Globals & { all?: boolean; format?: string }>();
      const format = parseOutputFormat(opts.format);
      const all = opts.all === true;
      const list = await withStore(deps, opts.config, (store) =>
        store.listSuppressions({ includeExpired: all, includeRemoved: all }),
      );
      deps.stdout(renderSuppressions(list, format));
    });
}

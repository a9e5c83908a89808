/**
 * Parses the text of `/forecast-audit`: `scan [account] [region] [--account ID|NAME] [--ou NAME]` (the default
 * subcommand), `status`, `findings [severity]`, `digest`, `help`. Pure; a wrong command yields a message that
 * says what was wrong.
 */
import { z } from "zod";
import { FORECAST_REGIONS_HINT, isForecastRegion } from "../aws/regions.js";
import type { Config } from "../config/schema.js";
import { SEVERITIES, type Severity } from "../domain/severity.js";
import { unescapeSlackText } from "./mrkdwn.js";

export type SlashCommand =
  | { kind: "scan"; accounts?: string[]; regions?: string[]; ous?: string[] }
  | { kind: "status" }
  | { kind: "findings"; minSeverity?: Severity }
  | { kind: "digest" }
  | { kind: "help" };

export type ParsedCommand = { ok: true; command: SlashCommand } | { ok: false; error: string };

const SUBCOMMANDS = ["scan", "status", "findings", "digest", "help"] as const;
const subcommandSchema = z.enum(SUBCOMMANDS);
const accountIdSchema = z.string().regex(/^\d{12}$/);
const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/);
const severitySchema = z.enum(SEVERITIES);
/** Slack caps command text far below this; anything longer is not a command of ours. */
const MAX_TEXT = 500;
/** `--account` and `--ou` values per command: more is a list, not a command. */
const MAX_FLAG_VALUES = 10;

type ParserConfig = Pick<Config, "accounts"> & Partial<Pick<Config, "organization">>;
type ScanArgs = { accounts?: string[]; regions?: string[]; ous?: string[] };

/**
 * Words, with `"…"` (or Slack's curly quotes) holding one value with spaces: `--ou "Security Tooling"`.
 * An unclosed quote runs to the end of the text.
 */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"?|\u201c([^\u201d]*)\u201d?|(\S+)/g)) {
    const value = (m[1] ?? m[2] ?? m[3] ?? "").trim();
    if (value !== "") tokens.push(value);
  }
  return tokens;
}

/** An account as typed: a configured id or name, or (with an organization) any name discovery may know. */
function accountArg(
  arg: string,
  config: ParserConfig,
): { ok: true; account: string } | { ok: false; error: string } {
  const named = config.accounts.find(
    (a) => a.name !== undefined && a.name.toLowerCase() === arg.toLowerCase(),
  );
  if (named) return { ok: true, account: named.id };
  if (accountIdSchema.safeParse(arg).success) {
    if (config.accounts.length > 0 && !config.organization && !config.accounts.some((a) => a.id === arg)) {
      return { ok: false, error: `Account ${arg} is not in the configuration.` };
    }
    return { ok: true, account: arg };
  }
  // Names of discovered accounts are checked against the organization when the scan runs.
  if (config.organization) return { ok: true, account: arg };
  return { ok: false, error: `Account "${arg}" is not in the configuration.` };
}

function addValue(list: string[] | undefined, value: string): string[] {
  const out = list ?? [];
  if (!out.includes(value)) out.push(value);
  return out;
}

function parseScanArgs(args: string[], config: ParserConfig, maxPositional?: number): ParsedCommand {
  const chosen: ScanArgs = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const flag = /^--(account|ou)(?:=(.*))?$/i.exec(arg);
    if (flag) {
      const name = (flag[1] ?? "").toLowerCase();
      const value = flag[2] !== undefined && flag[2] !== "" ? flag[2] : args[++i];
      if (value === undefined || value.startsWith("--")) {
        return {
          ok: false,
          error: `--${name} needs a value, e.g. --${name} ${name === "ou" ? "Prod" : "prod"}.`,
        };
      }
      if (name === "ou") {
        if (!config.organization) {
          return { ok: false, error: "--ou needs an organization: block in the configuration." };
        }
        chosen.ous = addValue(chosen.ous, value);
      } else {
        const account = accountArg(value, config);
        if (!account.ok) return account;
        chosen.accounts = addValue(chosen.accounts, account.account);
      }
      if ((chosen.ous?.length ?? 0) > MAX_FLAG_VALUES || (chosen.accounts?.length ?? 0) > MAX_FLAG_VALUES) {
        return { ok: false, error: `Give at most ${MAX_FLAG_VALUES} accounts and ${MAX_FLAG_VALUES} OUs.` };
      }
      continue;
    }
    if (arg.startsWith("--"))
      return { ok: false, error: `Unknown option "${arg}"; scan takes --account and --ou.` };
    positional.push(arg);
  }
  if (maxPositional !== undefined && positional.length > maxPositional) {
    return { ok: false, error: "scan takes at most an account and a region." };
  }
  let positionalAccount = false;
  for (const arg of positional) {
    const named = config.accounts.find(
      (a) => a.name !== undefined && a.name.toLowerCase() === arg.toLowerCase(),
    );
    if (accountIdSchema.safeParse(arg).success || named) {
      const account = accountArg(arg, config);
      if (!account.ok) return account;
      if (positionalAccount) return { ok: false, error: "Give at most one account." };
      positionalAccount = true;
      chosen.accounts = addValue(chosen.accounts, account.account);
      continue;
    }
    if (regionSchema.safeParse(arg.toLowerCase()).success) {
      const region = arg.toLowerCase();
      // A region Forecast is not offered in would scan nothing and be recorded as a clean scan.
      if (!isForecastRegion(region)) return { ok: false, error: `"${arg}" is not ${FORECAST_REGIONS_HINT}.` };
      if (chosen.regions) return { ok: false, error: "Give at most one region." };
      chosen.regions = [region];
      continue;
    }
    return {
      ok: false,
      error: `"${arg}" is neither an account (a 12-digit id or a configured name) nor ${FORECAST_REGIONS_HINT}.${config.organization ? " For an account or OU of the organization, use --account NAME or --ou NAME." : ""}`,
    };
  }
  return { ok: true, command: { kind: "scan", ...chosen } };
}

export function parseCommand(text: string, config: ParserConfig): ParsedCommand {
  if (text.length > MAX_TEXT) return { ok: false, error: "That command is too long." };
  const tokens = tokenize(unescapeSlackText(text));
  const [first, ...rest] = tokens;
  if (first === undefined) return { ok: true, command: { kind: "scan" } };
  const sub = subcommandSchema.safeParse(first.toLowerCase());
  // `/forecast-audit 123456789012 us-east-1` is a scan: scan is the default subcommand.
  if (!sub.success) {
    const asScan = parseScanArgs(tokens, config);
    return asScan.ok ? asScan : { ok: false, error: `Unknown subcommand "${first}".` };
  }
  switch (sub.data) {
    case "scan":
      return parseScanArgs(rest, config, 2);
    case "findings": {
      if (rest.length > 1) return { ok: false, error: "findings takes at most one severity." };
      if (rest[0] === undefined) return { ok: true, command: { kind: "findings" } };
      const severity = severitySchema.safeParse(rest[0].toLowerCase());
      if (!severity.success) {
        return { ok: false, error: `"${rest[0]}" is not a severity; use ${SEVERITIES.join(", ")}.` };
      }
      return { ok: true, command: { kind: "findings", minSeverity: severity.data } };
    }
    default:
      if (rest.length > 0) return { ok: false, error: `${sub.data} takes no arguments.` };
      return { ok: true, command: { kind: sub.data } };
  }
}

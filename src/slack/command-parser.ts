/**
 * Parses the text of `/forecast-audit`: `scan [account] [region]` (the default subcommand), `status`,
 * `findings [severity]`, `digest`, `help`. Pure; a wrong command yields a message that says what was wrong.
 */
import { z } from "zod";
import { FORECAST_REGIONS_HINT, isForecastRegion } from "../aws/regions.js";
import type { Config } from "../config/schema.js";
import { SEVERITIES, type Severity } from "../domain/severity.js";
import { unescapeSlackText } from "./mrkdwn.js";

export type SlashCommand =
  | { kind: "scan"; accounts?: string[]; regions?: string[] }
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

type ScanArgs = { accounts?: string[]; regions?: string[] };

function parseScanArgs(args: string[], accounts: Config["accounts"]): ParsedCommand {
  const chosen: ScanArgs = {};
  for (const arg of args) {
    const named = accounts.find((a) => a.name !== undefined && a.name.toLowerCase() === arg.toLowerCase());
    let account: string | undefined;
    if (accountIdSchema.safeParse(arg).success) account = arg;
    else if (named) account = named.id;
    if (account !== undefined) {
      if (accounts.length > 0 && !accounts.some((a) => a.id === account)) {
        return { ok: false, error: `Account ${arg} is not in the configuration.` };
      }
      if (chosen.accounts) return { ok: false, error: "Give at most one account." };
      chosen.accounts = [account];
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
      error: `"${arg}" is neither an account (a 12-digit id or a configured name) nor ${FORECAST_REGIONS_HINT}.`,
    };
  }
  return { ok: true, command: { kind: "scan", ...chosen } };
}

export function parseCommand(text: string, config: Pick<Config, "accounts">): ParsedCommand {
  if (text.length > MAX_TEXT) return { ok: false, error: "That command is too long." };
  const tokens = unescapeSlackText(text).trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = tokens;
  if (first === undefined) return { ok: true, command: { kind: "scan" } };
  const sub = subcommandSchema.safeParse(first.toLowerCase());
  // `/forecast-audit 123456789012 us-east-1` is a scan: scan is the default subcommand.
  if (!sub.success) {
    const asScan = parseScanArgs(tokens, config.accounts);
    return asScan.ok ? asScan : { ok: false, error: `Unknown subcommand "${first}".` };
  }
  switch (sub.data) {
    case "scan":
      if (rest.length > 2) return { ok: false, error: "scan takes at most an account and a region." };
      return parseScanArgs(rest, config.accounts);
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

/**
 * The IAM credential report: generate it, poll until it is ready (bounded back-off), parse the CSV.
 * IAM builds it asynchronously and keeps it for four hours, so a fresh report is usually served at once.
 */
import { GenerateCredentialReportCommand, GetCredentialReportCommand } from "@aws-sdk/client-iam";
import type { CredentialReport, CredentialReportRow } from "../../domain/inventory.js";
import { failed, type Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt, awsErrorCode, toCollectError } from "../errors.js";
import { type Limit, realSleep, type Sleep, sendOptions } from "./limit.js";

export interface CredentialReportOptions {
  limit: Limit;
  sleep?: Sleep;
  /** Total time to wait for the report, summed over the back-off delays. */
  budgetMs?: number;
}

const NOT_READY = new Set(["ReportInProgress", "CredentialReportNotReadyException"]);
const MISSING = new Set([
  "ReportNotPresent",
  "CredentialReportNotPresentException",
  "ReportExpired",
  "CredentialReportExpiredException",
]);
const DEFAULT_BUDGET_MS = 60_000;

/** 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export function credentialReportDelay(attemptIndex: number): number {
  return Math.min(500 * 2 ** attemptIndex, 5_000);
}

export async function collectCredentialReport(
  clients: AccountClients,
  options: CredentialReportOptions,
): Promise<Slice<CredentialReport>> {
  const { limit } = options;
  const sleep = options.sleep ?? realSleep;
  const budget = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const iam = clients.iam();
  const generate = () =>
    attempt("iam:GenerateCredentialReport", () =>
      limit((signal) => iam.send(new GenerateCredentialReportCommand({}), sendOptions(signal))),
    );

  const started = await generate();
  if (!started.ok) return started;
  let waited = 0;
  for (let i = 0; ; i++) {
    try {
      const out = await limit((signal) => iam.send(new GetCredentialReportCommand({}), sendOptions(signal)));
      const csv = new TextDecoder().decode(out.Content ?? new Uint8Array());
      return {
        ok: true,
        value: {
          generatedAt: (out.GeneratedTime ?? new Date(0)).toISOString(),
          rows: parseCredentialReport(csv),
        },
      };
    } catch (error) {
      const code = awsErrorCode(error);
      if (MISSING.has(code)) {
        // Expired or never generated (or generated moments ago on another endpoint): ask again.
        const again = await generate();
        if (!again.ok) return again;
      } else if (!NOT_READY.has(code)) {
        return failed(toCollectError(error, "iam:GetCredentialReport"));
      }
    }
    const delay = credentialReportDelay(i);
    if (waited + delay > budget) {
      return failed({
        code: "CredentialReportTimeout",
        message: `IAM did not finish the credential report within ${Math.round(budget / 1000)} s.`,
        action: "iam:GetCredentialReport",
      });
    }
    waited += delay;
    await sleep(delay);
  }
}

const ABSENT = new Set(["", "N/A", "no_information", "not_supported"]);

function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** The CSV of `GetCredentialReport` as rows; `N/A`, `no_information` and `not_supported` become absent. */
export function parseCredentialReport(csv: string): CredentialReportRow[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== "");
  const header = lines.shift();
  if (header === undefined) return [];
  const columns = splitCsvLine(header);
  return lines.map((line) => {
    const values = splitCsvLine(line);
    const get = (name: string): string | undefined => {
      const value = values[columns.indexOf(name)]?.trim();
      return value === undefined || ABSENT.has(value) ? undefined : value;
    };
    const flag = (name: string) => get(name)?.toLowerCase() === "true";
    const row: CredentialReportRow = {
      user: get("user") ?? "",
      arn: get("arn") ?? "",
      passwordEnabled: flag("password_enabled"),
      mfaActive: flag("mfa_active"),
      accessKey1Active: flag("access_key_1_active"),
      accessKey2Active: flag("access_key_2_active"),
    };
    const passwordLastUsed = get("password_last_used");
    if (passwordLastUsed !== undefined) row.passwordLastUsed = passwordLastUsed;
    const key1 = get("access_key_1_last_used_date");
    if (key1 !== undefined) row.accessKey1LastUsed = key1;
    const key2 = get("access_key_2_last_used_date");
    if (key2 !== undefined) row.accessKey2LastUsed = key2;
    return row;
  });
}

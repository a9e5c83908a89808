/**
 * A finding as people type it to `fix`, `suppress` and `unsuppress`: its id (`f-…`, as `findings` and every
 * report show it) or its key (`control|account|region|resource`). A key copied from masked output names no
 * real resource, so it is refused with a pointer to the id, never stored as a suppression that matches nothing.
 */
import { isForecastRegion } from "../../aws/regions.js";
import { CONTROLS, controlById } from "../../controls/catalog.js";
import { isFindingId } from "../../domain/finding.js";
import { containsMask } from "../../domain/sensitive.js";
import { StoreInputError } from "../../store/errors.js";
import { parseFindingKey } from "../../store/suppression-match.js";
import type { FindingRecord, Store } from "../../store/types.js";
import { CliError } from "../errors.js";

export const FINDING_ARG_HELP =
  "a finding key (control|account|region|resource) or a finding id such as f-0123456789ab (the ID column of `forecast-audit findings`)";

/** `--control`: one of the catalog's ids, or a CliError that lists them. */
export function checkControlId(id: string, option = "--control"): string {
  if (controlById(id)) return id;
  throw new CliError(
    `${option}: "${id}" is not a control id. The control ids are: ${CONTROLS.map((c) => c.id).join(", ")}.`,
  );
}

/** Pure checks of a key: its shape, its control, its account and region, and that it is not masked text. */
export function checkFindingKey(key: string, option: string): string {
  if (/^f-/i.test(key) && !key.includes("|")) {
    throw new CliError(
      `${option}: "${key}" is not a finding id (f- and 12 characters of 0-9 a-z, no i l o u).`,
    );
  }
  const parts = parseFindingKey(key);
  if (!parts) throw new CliError(`${option} must be ${FINDING_ARG_HELP}.`);
  if (containsMask(key)) {
    throw new CliError(
      `${option}: that key shows masked text (such as [payment-card]) where the resource's name is, so it names no resource. Use the finding's id instead: the ID column of \`forecast-audit findings\`, or "id" in --format json.`,
    );
  }
  checkControlId(parts.controlId, `${option}`);
  if (!/^\d{12}$/.test(parts.accountId)) {
    throw new CliError(`${option}: "${parts.accountId}" is not a 12-digit AWS account id.`);
  }
  if (parts.region !== "global" && !isForecastRegion(parts.region)) {
    throw new CliError(`${option}: "${parts.region}" is not a Forecast region or "global".`);
  }
  return key;
}

async function byId(store: Store, id: string, option: string): Promise<FindingRecord> {
  let record: FindingRecord | undefined;
  try {
    record = await store.getFindingById(id);
  } catch (error) {
    if (error instanceof StoreInputError) throw new CliError(`${option}: ${error.message}`);
    throw error;
  }
  if (!record) {
    throw new CliError(
      `${option}: no stored finding has id ${id}. See \`forecast-audit findings --status all\` for the ids.`,
    );
  }
  return record;
}

/**
 * The finding `text` names: by id (it must be stored) or by key (checked; the stored finding, when there is
 * one). Throws a CliError (exit 2) for anything else, before anything is written.
 */
export async function resolveFindingArg(
  store: Store,
  text: string,
  option: string,
): Promise<{ key: string; record?: FindingRecord }> {
  const value = text.trim();
  if (isFindingId(value)) {
    const record = await byId(store, value, option);
    return { key: record.key, record };
  }
  if (/^f-/i.test(value) && !value.includes("|")) {
    throw new CliError(
      `${option}: "${value}" is not a finding id (f- and 12 characters of 0-9 a-z, no i l o u).`,
    );
  }
  const key = checkFindingKey(value, option);
  const record = await store.getFinding(key);
  return record ? { key, record } : { key };
}

/**
 * The account directory: what scans learnt about each account (its name, its OU and OU path), so that
 * findings, the digest and App Home can name accounts and group them by OU. Upserts keep the newest view.
 */
import type { Kysely } from "kysely";
import type { AccountDirectoryEntry } from "../domain/accounts.js";
import { StoreInputError } from "./errors.js";
import type { AccountDirectoryTable, Database } from "./schema.js";
import { toIso } from "./time.js";

const CHUNK = 200;

function toRow(entry: AccountDirectoryEntry): AccountDirectoryTable {
  if (!/^\d{12}$/.test(entry.accountId)) {
    throw new StoreInputError(
      `An account directory entry needs a 12-digit account id, not "${entry.accountId}".`,
    );
  }
  return {
    account_id: entry.accountId,
    name: entry.name ?? null,
    ou_id: entry.ouId ?? null,
    ou_path: entry.ouPath ?? null,
    source: entry.source,
    seen_at: toIso(entry.seenAt, "seenAt"),
  };
}

function fromRow(row: AccountDirectoryTable): AccountDirectoryEntry {
  const entry: AccountDirectoryEntry = {
    accountId: row.account_id,
    source: row.source === "organization" ? "organization" : "config",
    seenAt: row.seen_at,
  };
  if (row.name !== null) entry.name = row.name;
  if (row.ou_id !== null) entry.ouId = row.ou_id;
  if (row.ou_path !== null) entry.ouPath = row.ou_path;
  return entry;
}

/** Inserts or updates each entry; an entry older than the stored one (a slower scan) changes nothing. */
export async function saveAccounts(
  db: Kysely<Database>,
  entries: readonly AccountDirectoryEntry[],
): Promise<void> {
  const rows = [...new Map(entries.map((e) => [e.accountId, toRow(e)])).values()];
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto("account_directory")
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc
          .column("account_id")
          .doUpdateSet((eb) => ({
            name: eb.ref("excluded.name"),
            ou_id: eb.ref("excluded.ou_id"),
            ou_path: eb.ref("excluded.ou_path"),
            source: eb.ref("excluded.source"),
            seen_at: eb.ref("excluded.seen_at"),
          }))
          .where("account_directory.seen_at", "<=", (eb) => eb.ref("excluded.seen_at")),
      )
      .execute();
  }
}

export async function listAccounts(db: Kysely<Database>): Promise<AccountDirectoryEntry[]> {
  const rows = await db.selectFrom("account_directory").selectAll().orderBy("account_id").execute();
  return rows.map(fromRow);
}

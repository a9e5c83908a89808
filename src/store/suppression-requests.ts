/**
 * Suppression requests (the approval a suppression needs when it has no end or its finding is critical or
 * high) and the announcements of suppressions made and ended. Every change is one compare-and-set, audited
 * in the same transaction; the KyselyStore delegates here.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import { isSeverity } from "../domain/severity.js";
import { DuplicatePendingRequestError, isUniqueViolation, StoreInputError } from "./errors.js";
import { newRequestId, newSuppressionId } from "./ids.js";
import { suppressionFromRow } from "./rows.js";
import type { Database, SuppressionRequestsTable, SuppressionsTable } from "./schema.js";
import { parseFindingKey } from "./suppression-match.js";
import { toIso } from "./time.js";
import {
  type NewAuditEntry,
  type NewSuppressionRequest,
  SUPPRESSION_REQUEST_STATES,
  type Suppression,
  type SuppressionAnnouncement,
  type SuppressionRequest,
  type SuppressionRequestState,
} from "./types.js";

type Db = Kysely<Database> | Transaction<Database>;

export interface SuppressionStoreContext {
  db: Kysely<Database>;
  now(): string;
  audit(db: Db, entry: NewAuditEntry): Promise<unknown>;
}

function isState(value: string): value is SuppressionRequestState {
  return (SUPPRESSION_REQUEST_STATES as readonly string[]).includes(value);
}

export function suppressionRequestFromRow(row: Selectable<SuppressionRequestsTable>): SuppressionRequest {
  const r: SuppressionRequest = {
    id: row.id,
    findingKey: row.finding_key,
    reason: row.reason,
    severity: isSeverity(row.severity) ? row.severity : "critical",
    requester: row.requester,
    state: isState(row.state) ? row.state : "expired",
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
  };
  if (row.duration_days !== null) r.durationDays = Number(row.duration_days);
  if (row.approver !== null) r.approver = row.approver;
  if (row.rejecter !== null) r.rejecter = row.rejecter;
  if (row.reject_reason !== null) r.rejectReason = row.reject_reason;
  if (row.suppression_id !== null) r.suppressionId = row.suppression_id;
  if (row.slack_channel !== null) r.slackChannel = row.slack_channel;
  if (row.slack_ts !== null) r.slackTs = row.slack_ts;
  return r;
}

export async function createSuppressionRequest(
  ctx: SuppressionStoreContext,
  input: NewSuppressionRequest,
): Promise<SuppressionRequest> {
  if (!parseFindingKey(input.findingKey)) throw new StoreInputError(`Not a finding key: ${input.findingKey}`);
  const reason = input.reason?.trim();
  if (!reason) throw new StoreInputError("A suppression request needs a reason.");
  if (!input.requester) throw new StoreInputError("A suppression request needs a requester.");
  if (!isSeverity(input.severity)) throw new StoreInputError(`Unknown severity: ${String(input.severity)}`);
  if (input.durationDays !== undefined && (!Number.isInteger(input.durationDays) || input.durationDays < 1)) {
    throw new StoreInputError("A suppression request's duration is a whole number of days, 1 or more.");
  }
  const now = ctx.now();
  const row: Selectable<SuppressionRequestsTable> = {
    id: newRequestId(),
    finding_key: input.findingKey,
    reason,
    duration_days: input.durationDays ?? null,
    severity: input.severity,
    requester: input.requester,
    approver: null,
    rejecter: null,
    reject_reason: null,
    state: "pending",
    created_at: now,
    expires_at: toIso(input.expiresAt, "request expiry"),
    updated_at: now,
    suppression_id: null,
    slack_channel: null,
    slack_ts: null,
  };
  await ctx.db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto("suppression_requests").values(row).execute();
      await ctx.audit(trx, {
        actor: input.requester,
        action: "suppression-request.created",
        target: row.id,
        detail: {
          findingKey: input.findingKey,
          reason,
          durationDays: input.durationDays ?? null,
          severity: input.severity,
        },
        at: now,
      });
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error) ? new DuplicatePendingRequestError(input.findingKey) : error;
    });
  return suppressionRequestFromRow(row);
}

export async function getSuppressionRequest(
  ctx: SuppressionStoreContext,
  id: string,
): Promise<SuppressionRequest | undefined> {
  const row = await ctx.db
    .selectFrom("suppression_requests")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row && suppressionRequestFromRow(row);
}

export async function listSuppressionRequests(
  ctx: SuppressionStoreContext,
  query: { states?: readonly SuppressionRequestState[]; findingKey?: string; limit?: number } = {},
): Promise<SuppressionRequest[]> {
  let q = ctx.db.selectFrom("suppression_requests").selectAll();
  if (query.states?.length) q = q.where("state", "in", [...query.states]);
  if (query.findingKey !== undefined) q = q.where("finding_key", "=", query.findingKey);
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(query.limit ?? 100)
    .execute();
  return rows.map(suppressionRequestFromRow);
}

export async function approveSuppressionRequest(
  ctx: SuppressionStoreContext,
  id: string,
  input: { approver: string; expiresAt?: string },
): Promise<{ request: SuppressionRequest; suppression: Suppression } | undefined> {
  if (!input.approver) throw new StoreInputError("An approval needs an approver.");
  const now = ctx.now();
  const expiresAt = input.expiresAt === undefined ? null : toIso(input.expiresAt, "suppression expiry");
  if (expiresAt !== null && expiresAt <= now) {
    throw new StoreInputError("A suppression's expiry must be in the future.");
  }
  return ctx.db.transaction().execute(async (trx) => {
    const suppressionId = newSuppressionId();
    // One UPDATE guarded by state and time: the database picks the single winner.
    const won = await trx
      .updateTable("suppression_requests")
      .set({ state: "approved", approver: input.approver, suppression_id: suppressionId, updated_at: now })
      .where("id", "=", id)
      .where("state", "=", "pending")
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    if (!won) return undefined;
    const row: Selectable<SuppressionsTable> = {
      id: suppressionId,
      finding_key: won.finding_key,
      control_id: null,
      resource_pattern: null,
      reason: won.reason,
      created_by: won.requester,
      created_at: now,
      expires_at: expiresAt,
      removed_at: null,
      removed_by: null,
      approved_by: input.approver,
      request_id: won.id,
      announced_at: null,
      end_announced_at: null,
      announce_claimed_at: null,
      announce_claimed_by: null,
      end_announce_claimed_at: null,
      end_announce_claimed_by: null,
    };
    await trx.insertInto("suppressions").values(row).execute();
    await ctx.audit(trx, {
      actor: input.approver,
      action: "suppression-request.approved",
      target: id,
      detail: { suppressionId },
      at: now,
    });
    await ctx.audit(trx, {
      actor: input.approver,
      action: "suppression.created",
      target: suppressionId,
      detail: suppressionFromRow(row),
      at: now,
    });
    return { request: suppressionRequestFromRow(won), suppression: suppressionFromRow(row) };
  });
}

export async function rejectSuppressionRequest(
  ctx: SuppressionStoreContext,
  id: string,
  input: { rejecter: string; reason?: string },
): Promise<SuppressionRequest | undefined> {
  if (!input.rejecter) throw new StoreInputError("A rejection needs a rejecter.");
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const won = await trx
      .updateTable("suppression_requests")
      .set({
        state: "rejected",
        rejecter: input.rejecter,
        reject_reason: input.reason?.trim() || null,
        updated_at: now,
      })
      .where("id", "=", id)
      .where("state", "=", "pending")
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    if (!won) return undefined;
    await ctx.audit(trx, {
      actor: input.rejecter,
      action: "suppression-request.rejected",
      target: id,
      ...(input.reason?.trim() ? { detail: { reason: input.reason.trim() } } : {}),
      at: now,
    });
    return suppressionRequestFromRow(won);
  });
}

export async function setSuppressionRequestMessage(
  ctx: SuppressionStoreContext,
  id: string,
  channel: string,
  ts: string,
): Promise<boolean> {
  const result = await ctx.db
    .updateTable("suppression_requests")
    .set({ slack_channel: channel, slack_ts: ts, updated_at: ctx.now() })
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** pending → expired now, with the reason in its audit entry; undefined when it was no longer pending. */
export async function withdrawSuppressionRequest(
  ctx: SuppressionStoreContext,
  id: string,
  reason: string,
): Promise<SuppressionRequest | undefined> {
  const at = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("suppression_requests")
      .set({ state: "expired", updated_at: at })
      .where("id", "=", id)
      .where("state", "=", "pending")
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await ctx.audit(trx, {
      actor: "system",
      action: "suppression-request.expired",
      target: id,
      detail: { reason },
      at,
    });
    return suppressionRequestFromRow(row);
  });
}

export async function expireSuppressionRequests(
  ctx: SuppressionStoreContext,
  now: Date | string,
): Promise<SuppressionRequest[]> {
  const at = toIso(now);
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable("suppression_requests")
      .set({ state: "expired", updated_at: at })
      .where("state", "=", "pending")
      .where("expires_at", "<=", at)
      .returningAll()
      .execute();
    for (const row of rows) {
      await ctx.audit(trx, { actor: "system", action: "suppression-request.expired", target: row.id, at });
    }
    return rows.map(suppressionRequestFromRow);
  });
}

/**
 * Claims, with a lease, every suppression made, and every one lifted or run out, whose announcement was not
 * posted yet and is not held by a live claim: a claim made before `staleClaimBefore` (its holder died, or is
 * still retrying Slack past the lease) is taken again. Nothing is marked announced here: the caller settles each
 * one after its post (`settleSuppressionAnnouncement`).
 */
export async function leaseSuppressionAnnouncements(
  ctx: SuppressionStoreContext,
  claimer: string,
  staleClaimBefore: string,
): Promise<SuppressionAnnouncement[]> {
  if (!claimer) throw new StoreInputError("An announcement claim needs a claimer.");
  const now = ctx.now();
  const stale = toIso(staleClaimBefore, "stale claim cutoff");
  const db = ctx.db;
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .updateTable("suppressions")
      .set({ announce_claimed_at: now, announce_claimed_by: claimer })
      .where("announced_at", "is", null)
      .where((eb) => eb.or([eb("announce_claimed_at", "is", null), eb("announce_claimed_at", "<", stale)]))
      .returningAll()
      .execute();
    const ended = await trx
      .updateTable("suppressions")
      .set({ end_announce_claimed_at: now, end_announce_claimed_by: claimer })
      .where("end_announced_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("removed_at", "is not", null),
          eb.and([eb("expires_at", "is not", null), eb("expires_at", "<=", now)]),
        ]),
      )
      .where((eb) =>
        eb.or([eb("end_announce_claimed_at", "is", null), eb("end_announce_claimed_at", "<", stale)]),
      )
      .returningAll()
      .execute();
    return [
      ...created
        .sort(byCreation)
        .map((row) => ({ kind: "created" as const, suppression: suppressionFromRow(row) })),
      ...ended
        .sort(byCreation)
        .map((row) => ({ kind: "ended" as const, suppression: suppressionFromRow(row) })),
    ];
  });
}

/**
 * After the post: `announced` writes the announcement as done (whoever holds the claim now: it was posted);
 * otherwise the claim is given back to the next sweep, if it is still this claimer's.
 */
export async function settleSuppressionAnnouncement(
  ctx: SuppressionStoreContext,
  announcement: SuppressionAnnouncement,
  claimer: string,
  announced: boolean,
): Promise<void> {
  const db = ctx.db;
  const id = announcement.suppression.id;
  if (announcement.kind === "created") {
    let q = db
      .updateTable("suppressions")
      .set(
        announced
          ? { announced_at: ctx.now(), announce_claimed_at: null, announce_claimed_by: null }
          : { announce_claimed_at: null, announce_claimed_by: null },
      )
      .where("id", "=", id)
      .where("announced_at", "is", null);
    if (!announced) q = q.where("announce_claimed_by", "=", claimer);
    await q.execute();
    return;
  }
  let q = db
    .updateTable("suppressions")
    .set(
      announced
        ? { end_announced_at: ctx.now(), end_announce_claimed_at: null, end_announce_claimed_by: null }
        : { end_announce_claimed_at: null, end_announce_claimed_by: null },
    )
    .where("id", "=", id)
    .where("end_announced_at", "is", null);
  if (!announced) q = q.where("end_announce_claimed_by", "=", claimer);
  await q.execute();
}

function byCreation(a: { created_at: string; id: string }, b: { created_at: string; id: string }): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1;
}

/** Coded errors of the state store. */
export class StoreConfigError extends Error {
  override readonly name = "StoreConfigError";
  readonly code = "StoreConfig";
}

/** Bad input to a store call (an unknown id, a suppression with neither key nor control, …). */
export class StoreInputError extends Error {
  override readonly name = "StoreInputError";
  readonly code = "StoreInput";
}

/** The scan was already completed, failed or marked interrupted: its results are not applied. */
export class ScanNotRunningError extends Error {
  override readonly name = "ScanNotRunningError";
  readonly code = "ScanNotRunning";
  constructor(readonly scanId: string) {
    super(`Scan ${scanId} is unknown or no longer running; its results were not stored.`);
  }
}

/**
 * A request for a finding that already has one pending (migration 0018's unique index): two submissions at
 * once, on two replicas, make one request and one refusal, never two requests.
 */
export class DuplicatePendingRequestError extends Error {
  override readonly name = "DuplicatePendingRequestError";
  readonly code = "DuplicatePendingRequest";
  constructor(readonly findingKey: string) {
    super("A request for this finding is already pending.");
  }
}

/** A unique constraint refused the write (SQLite `SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

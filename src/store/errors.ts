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

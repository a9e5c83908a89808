/** The state store: scans, finding lifecycle, suppressions, remediation requests, audit log, slots. */
export { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "./database-url.js";
export { ScanNotRunningError, StoreConfigError, StoreInputError } from "./errors.js";
export { type OpenStoreOptions, openStore } from "./open-store.js";
export { canTransition, IllegalTransitionError, REQUEST_TRANSITIONS } from "./request-states.js";
export type * from "./types.js";
export { FAILING_LIFECYCLES, LIFECYCLES, REQUEST_STATES } from "./types.js";

/**
 * A collected piece of inventory: the data, or the reason it could not be read.
 * Controls must turn a failed slice into an ERROR finding, never into a PASS.
 */
export interface CollectError {
  /** The AWS error code (`AccessDenied`, `ThrottlingException`, …) or a local code such as `Timeout`. */
  code: string;
  /** The service's message, with anything sensitive already masked. */
  message: string;
  /** The IAM action whose call failed, as `service:Action` (what to grant when the code is a denial). */
  action: string;
}

export type Slice<T> = { ok: true; value: T } | { ok: false; error: CollectError };

export function ok<T>(value: T): Slice<T> {
  return { ok: true, value };
}

export function failed<T = never>(error: CollectError): Slice<T> {
  return { ok: false, error };
}

const DENIAL_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationError",
  "AuthorizationErrorException",
  "Forbidden",
]);

/** The credentials are no longer valid: granting an action would not help, running again with fresh ones does. */
const EXPIRED_CODES = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired"]);

/**
 * The credentials are not valid where the call went: unknown keys, or a region the account has not enabled
 * (AWS answers the same codes for both).
 */
const INVALID_CREDENTIAL_CODES = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "AuthFailure",
]);

/** A denial that granting the named action to the audit role would cure. */
export function isDenial(error: CollectError): boolean {
  return DENIAL_CODES.has(error.code);
}

/** One sentence that explains why a control could not be evaluated. */
export function describeCollectError(error: CollectError): string {
  if (isDenial(error)) {
    return `Could not evaluate: ${error.action} was denied (${error.code}); grant ${error.action} to the audit role.`;
  }
  if (EXPIRED_CODES.has(error.code)) {
    return `Could not evaluate: the credentials expired before ${error.action} (${error.code}); run the scan again, and check that the audit role's session lasts as long as a scan.`;
  }
  if (INVALID_CREDENTIAL_CODES.has(error.code)) {
    return `Could not evaluate: the credentials were not accepted for ${error.action} (${error.code}); check that the region is enabled for the account and that the credentials are valid.`;
  }
  if (error.code === "Timeout") {
    return `Could not evaluate: ${error.action} did not finish (Timeout): ${error.message.replace(/\.?\s*$/, "")}.`;
  }
  return `Could not evaluate: ${error.action} failed with ${error.code}: ${error.message.replace(/\.?\s*$/, "")}.`;
}

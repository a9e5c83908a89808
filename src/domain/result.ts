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
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
]);

export function isDenial(error: CollectError): boolean {
  return DENIAL_CODES.has(error.code);
}

/** One sentence that explains why a control could not be evaluated. */
export function describeCollectError(error: CollectError): string {
  if (isDenial(error)) {
    return `Could not evaluate: ${error.action} was denied (${error.code}); grant ${error.action} to the audit role.`;
  }
  return `Could not evaluate: ${error.action} failed with ${error.code}: ${error.message.replace(/\.?\s*$/, "")}.`;
}

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
  /**
   * What fixes it when granting `action` to the audit role would not (the role is missing from the account:
   * deploy the StackSet to its OU). One sentence; set where the cause is known.
   */
  remedy?: string;
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

/** AWS names the policy type that denied a call in the message: an SCP is fixed in the organization, not the role. */
export function isScpDenial(error: CollectError): boolean {
  return /service control polic/i.test(error.message);
}

/** One sentence that explains why a control could not be evaluated. */
export function describeCollectError(error: CollectError): string {
  if (error.remedy) {
    return `Could not evaluate: ${error.action} failed with ${error.code}. ${error.remedy.replace(/\.?\s*$/, "")}.`;
  }
  if (isScpDenial(error)) {
    return `Could not evaluate: ${error.action} was denied by a service control policy of the organization (${error.code}); exempt the audit role from that SCP, or stop auditing this account or region.`;
  }
  if (isDenial(error)) {
    return `Could not evaluate: ${error.action} was denied (${error.code}); grant ${error.action} to the audit role.`;
  }
  if (EXPIRED_CODES.has(error.code)) {
    return `Could not evaluate: the credentials expired before ${error.action} (${error.code}); run the scan again, and check that the audit role's session lasts as long as a scan.`;
  }
  if (INVALID_CREDENTIAL_CODES.has(error.code)) {
    return `Could not evaluate: the credentials were not accepted for ${error.action} (${error.code}); check that the region is enabled for the account (an opt-in region is enabled in the account's AWS Regions settings, or removed from regions) and that the credentials are valid.`;
  }
  if (error.code === "Timeout") {
    return `Could not evaluate: ${error.action} did not finish (Timeout): ${error.message.replace(/\.?\s*$/, "")}.`;
  }
  return `Could not evaluate: ${error.action} failed with ${error.code}: ${error.message.replace(/\.?\s*$/, "")}.`;
}

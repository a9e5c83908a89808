/** Turns AWS SDK errors into collect errors, so that a failed call becomes data (an ERROR finding), not a crash. */
import { type CollectError, failed, ok, type Slice } from "../domain/result.js";
import { maskSensitive } from "../domain/sensitive.js";

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * The HTTP status of an error response whose body is not AWS-shaped (an HTML page from a proxy or load
 * balancer, an empty body): the JSON protocols fail to parse it (`SyntaxError`, "Deserialization error"), the
 * XML ones name it `Unknown`/`UnknownError`. `undefined` for a proper AWS error.
 */
function unparsedResponseStatus(e: SdkErrorShape): number | undefined {
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return undefined;
  const message = typeof e.message === "string" ? e.message : "";
  if (e.name === "SyntaxError" || message.includes("Deserialization error")) return status;
  if (e.name === "Unknown" && (message === "Unknown" || message === "UnknownError" || message === "")) {
    return status;
  }
  return undefined;
}

/** The code of a response that is not an AWS answer: its HTTP status when it is an error, else `InvalidResponse`. */
function unparsedCode(status: number): string {
  return status >= 400 ? `HTTP${status}` : "InvalidResponse";
}

/** Codes that mean the call ran out of time: the request timeout, an idle socket, the scan's deadline. */
const TIMEOUT_NAMES = new Set(["TimeoutError", "AbortError", "ETIMEDOUT", "ESOCKETTIMEDOUT"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** The AWS error code of anything thrown by an SDK v3 call (or `Timeout`, `NetworkError`, `HTTP502`, `Error`). */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return "Error";
  const e = error as SdkErrorShape;
  const unparsed = unparsedResponseStatus(e);
  if (unparsed !== undefined) return unparsedCode(unparsed);
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === "string" && candidate !== "" && candidate !== "Error") {
      if (TIMEOUT_NAMES.has(candidate)) return "Timeout";
      if (NETWORK_CODES.has(candidate)) return "NetworkError";
      return candidate;
    }
  }
  const status = e.$metadata?.httpStatusCode;
  if (status === 403) return "AccessDenied";
  if (status === 404) return "NotFound";
  return "Error";
}

function describeUnparsed(status: number): string {
  return status >= 400
    ? `The service answered HTTP ${status} with a body that is not an AWS error response`
    : `The service answered HTTP ${status} with a body that is not an AWS response`;
}

export function toCollectError(error: unknown, action: string): CollectError {
  const shape = typeof error === "object" && error !== null ? (error as SdkErrorShape) : undefined;
  const unparsed = shape ? unparsedResponseStatus(shape) : undefined;
  const raw = shape?.message;
  const message =
    unparsed !== undefined
      ? describeUnparsed(unparsed)
      : typeof raw === "string" && raw.trim() !== ""
        ? raw
        : String(error);
  return { code: awsErrorCode(error), message: maskSensitive(message).slice(0, 500), action };
}

/**
 * Runs one AWS call and returns its value as a slice. `absent` lists the error codes that mean
 * "not configured" (e.g. `NoSuchBucketPolicy`) and maps them to a value instead of an error.
 */
export async function attempt<T>(
  action: string,
  call: () => Promise<T>,
  absent?: { codes: readonly string[]; value: T },
): Promise<Slice<T>> {
  try {
    return ok(await call());
  } catch (error) {
    const code = awsErrorCode(error);
    if (absent?.codes.includes(code)) return ok(absent.value);
    return failed(toCollectError(error, action));
  }
}

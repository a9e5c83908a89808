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

/** The AWS error code of anything thrown by an SDK v3 call (or `Timeout`/`NetworkError`/`Error`). */
/** An SDK error raised because the response body could not be parsed (an HTML error page, a proxy's answer). */
function unparsedResponseStatus(e: SdkErrorShape): number | undefined {
  const status = e.$metadata?.httpStatusCode;
  const message = typeof e.message === "string" ? e.message : "";
  if (status === undefined) return undefined;
  return e.name === "SyntaxError" || message.startsWith("Deserialization error") ? status : undefined;
}

export function awsErrorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return "Error";
  const e = error as SdkErrorShape;
  const unparsed = unparsedResponseStatus(e);
  if (unparsed !== undefined) {
    if (unparsed === 403) return "AccessDenied";
    if (unparsed === 429) return "Throttling";
    return unparsed >= 500 ? "ServiceUnavailable" : `HTTP${unparsed}`;
  }
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === "string" && candidate !== "" && candidate !== "Error") {
      if (candidate === "TimeoutError" || candidate === "AbortError") return "Timeout";
      if (candidate === "ECONNREFUSED" || candidate === "ECONNRESET" || candidate === "ENOTFOUND")
        return "NetworkError";
      return candidate;
    }
  }
  const status = e.$metadata?.httpStatusCode;
  if (status === 403) return "AccessDenied";
  if (status === 404) return "NotFound";
  return "Error";
}

export function toCollectError(error: unknown, action: string): CollectError {
  const shape = typeof error === "object" && error !== null ? (error as SdkErrorShape) : undefined;
  const unparsed = shape ? unparsedResponseStatus(shape) : undefined;
  const raw = shape?.message;
  const message =
    unparsed !== undefined
      ? `The service answered HTTP ${unparsed} with a body that is not an AWS error response`
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

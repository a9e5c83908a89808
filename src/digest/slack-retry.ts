/**
 * Retries a Slack Web API call with exponential back-off: transient failures (rate limits, network errors,
 * 5xx, Slack's own internal errors) are tried again; errors that another try cannot fix (a channel the bot is
 * not in, a revoked token, blocks Slack refuses) fail at once. The sleep is injected so tests take no time.
 */

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 };

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const PERMANENT_PLATFORM_ERRORS = new Set([
  "account_inactive",
  "channel_not_found",
  "ekm_access_denied",
  "invalid_arguments",
  "invalid_auth",
  "invalid_blocks",
  "invalid_blocks_format",
  "is_archived",
  "missing_scope",
  "msg_too_long",
  "no_permission",
  "no_text",
  "not_allowed_token_type",
  "not_authed",
  "not_in_channel",
  "restricted_action",
  "team_access_not_granted",
  "token_revoked",
  "too_many_attachments",
]);

interface SlackishError {
  code?: unknown;
  data?: { error?: unknown };
  retryAfter?: unknown;
  statusCode?: unknown;
}

/** Slack's error string (`channel_not_found`), the HTTP status, or the message, for logs and records. */
export function describeSlackError(error: unknown): string {
  const e = (error ?? {}) as SlackishError;
  if (typeof e.data?.error === "string") return e.data.error;
  if (e.code === "slack_webapi_rate_limited_error") return "rate_limited";
  if (typeof e.statusCode === "number") return `http_${e.statusCode}`;
  return error instanceof Error ? error.message : String(error);
}

export function isPermanentSlackError(error: unknown): boolean {
  const e = (error ?? {}) as SlackishError;
  if (e.code === "slack_webapi_platform_error" && typeof e.data?.error === "string") {
    return PERMANENT_PLATFORM_ERRORS.has(e.data.error);
  }
  if (e.code === "slack_webapi_http_error" && typeof e.statusCode === "number") {
    // 4xx other than 429 are requests Slack will refuse again.
    return e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429;
  }
  return false;
}

/**
 * Whether a failed `chat.postMessage` may still have reached the channel: Slack answered neither "not ok" nor
 * "rate limited" nor a 4xx (a lost connection, a timeout, a 5xx). Before trying again, look the message up.
 */
export function mayHavePosted(error: unknown): boolean {
  const e = (error ?? {}) as SlackishError;
  if (e.code === "slack_webapi_platform_error" || e.code === "slack_webapi_rate_limited_error") return false;
  if (e.code === "slack_webapi_http_error" && typeof e.statusCode === "number") return e.statusCode >= 500;
  return true;
}

/** Slack's Retry-After for a rate-limited call, in milliseconds. */
export function retryAfterMs(error: unknown): number | undefined {
  const e = (error ?? {}) as SlackishError;
  return e.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number"
    ? e.retryAfter * 1000
    : undefined;
}

export class SlackCallFailedError extends Error {
  override readonly name = "SlackCallFailedError";
  constructor(
    readonly reason: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(
      `Slack refused the message after ${attempts} ${attempts === 1 ? "try" : "tries"}: ${reason}.`,
      options,
    );
  }
}

export async function withSlackRetries<T>(
  call: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    sleep?: Sleep;
    onRetry?: (info: { attempt: number; delayMs: number; reason: string; error: unknown }) => void;
    /** Errors that another try cannot fix besides Slack's own (default: none). */
    permanent?: (error: unknown) => boolean;
  } = {},
): Promise<{ value: T; attempts: number }> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(), attempts: attempt };
    } catch (error) {
      const reason = describeSlackError(error);
      if (attempt >= policy.attempts || isPermanentSlackError(error) || options.permanent?.(error)) {
        throw new SlackCallFailedError(reason, attempt, { cause: error });
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.max(backoff, retryAfterMs(error) ?? 0);
      options.onRetry?.({ attempt, delayMs, reason, error });
      await sleep(delayMs);
    }
  }
}

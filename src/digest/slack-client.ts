/** The Web API client the digest posts with, from the same environment as the Slack app. */
import { WebClient } from "@slack/web-api";
import type { DigestSlackClient } from "./post-digest.js";

/**
 * Undefined without `SLACK_BOT_TOKEN`. The SDK's own retries (up to half an hour) are off and rate limits
 * surface as errors: the digest retries with its own back-off, logs every try and records the outcome.
 */
export function createDigestSlackClient(env: NodeJS.ProcessEnv): DigestSlackClient | undefined {
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token) return undefined;
  const url = env.SLACK_API_URL?.trim();
  return new WebClient(token, {
    ...(url ? { slackApiUrl: url.endsWith("/") ? url : `${url}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

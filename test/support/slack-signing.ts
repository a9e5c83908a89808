/**
 * Signs requests exactly as Slack does (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing
 * secret) and posts them to the app, as a slash command form, an interaction `payload=` form or an event.
 */
import { createHmac } from "node:crypto";

export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

export interface SignedPostOptions {
  signingSecret: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Replaces the computed signature (for the bad-signature test). */
  signature?: string;
  headers?: Record<string, string>;
}

export interface SignedResponse {
  status: number;
  text: string;
  /** From sending the request to receiving the whole response. */
  elapsedMs: number;
}

export async function postSigned(
  url: string,
  rawBody: string,
  contentType: string,
  options: SignedPostOptions,
): Promise<SignedResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? slackSignature(options.signingSecret, timestamp, rawBody),
      ...options.headers,
    },
    body: rawBody,
  });
  const text = await res.text();
  return { status: res.status, text, elapsedMs: performance.now() - started };
}

export interface SlashCommandFields {
  text: string;
  userId?: string;
  channelId?: string;
  triggerId?: string;
  responseUrl: string;
  command?: string;
}

let triggerCounter = 0;
export function uniqueTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}.${triggerCounter}.abcdef${triggerCounter}`;
}

/** The form Slack posts for a slash command. */
export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: "T0FAKE",
    team_domain: "fake",
    channel_id: fields.channelId ?? "C0SCANS",
    channel_name: "security",
    user_id: fields.userId ?? "U0ALICE",
    user_name: "alice",
    command: fields.command ?? "/forecast-audit",
    text: fields.text,
    api_app_id: "A0FAKE",
    is_enterprise_install: "false",
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? uniqueTriggerId(),
  }).toString();
}

/** The form Slack posts for an interaction: one field, `payload`, holding JSON. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export const FORM = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

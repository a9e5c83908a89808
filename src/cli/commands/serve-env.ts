/** The Slack settings of `serve`, read from the environment and checked with zod. */
import { z } from "zod";
import { CliError } from "../errors.js";

const optional = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)" })
      .regex(/^xoxb-/, "SLACK_BOT_TOKEN must be a bot token (xoxb-…)"),
    SLACK_SIGNING_SECRET: optional(z.string().min(8, "SLACK_SIGNING_SECRET is too short")),
    SLACK_APP_TOKEN: optional(
      z.string().regex(/^xapp-/, "SLACK_APP_TOKEN must be an app-level token (xapp-…)"),
    ),
    SLACK_API_URL: optional(z.url({ protocol: /^https?$/, error: "SLACK_API_URL must be an http(s) URL" })),
    PORT: z.preprocess(
      (v) => (v === undefined || v === "" ? 3000 : Number(v)),
      z
        .number({ error: "PORT must be a number" })
        .int("PORT must be a whole number")
        .min(0)
        .max(65535, "PORT must be at most 65535"),
    ),
  })
  .refine((e) => e.SLACK_SIGNING_SECRET !== undefined || e.SLACK_APP_TOKEN !== undefined, {
    message: "SLACK_SIGNING_SECRET is not set (HTTP mode); set it, or SLACK_APP_TOKEN for Socket Mode",
  });

export interface ServeEnv {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  slackApiUrl?: string;
  port: number;
}

/** Reads the Slack settings from the environment; a missing or bad one is a usage error that names it. */
export function parseServeEnv(env: NodeJS.ProcessEnv): ServeEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => i.message).join("; "));
  const e = parsed.data;
  const out: ServeEnv = { botToken: e.SLACK_BOT_TOKEN, port: e.PORT };
  if (e.SLACK_SIGNING_SECRET) out.signingSecret = e.SLACK_SIGNING_SECRET;
  if (e.SLACK_APP_TOKEN) out.appToken = e.SLACK_APP_TOKEN;
  // The Web API client appends method names to this base, so it must end with a slash.
  if (e.SLACK_API_URL)
    out.slackApiUrl = e.SLACK_API_URL.endsWith("/") ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`;
  return out;
}

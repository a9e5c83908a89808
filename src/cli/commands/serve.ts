/**
 * `forecast-audit serve`: runs the Slack app until SIGINT or SIGTERM. HTTP mode with SLACK_SIGNING_SECRET
 * (on PORT, path /slack/events), Socket Mode with SLACK_APP_TOKEN; SLACK_API_URL points the Web API client
 * elsewhere (proxies, tests).
 */
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import type { Config } from "../../config/schema.js";
import type { Logger } from "../../logging/logger.js";
import { createSlackApp } from "../../slack/app.js";
import type { SlackPorts } from "../../slack/ports.js";
import { CliError } from "../errors.js";

export interface SlackRuntime {
  ports: SlackPorts;
  /** Closes what the ports hold (the store, running scans) after the app has stopped. */
  close?(): Promise<void>;
}

export interface ServeDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  createLogger(level: string): Logger;
  stderr(text: string): void;
  /** Builds the ports over the real store and scan coordinator (the composition root provides it). */
  createSlackRuntime(context: { config: Config; logger: Logger }): Promise<SlackRuntime>;
  /** Resolves when the app should stop; by default on SIGINT or SIGTERM. */
  waitForShutdown?(): Promise<void>;
}

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

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function registerServeCommand(program: Command, deps: ServeDeps): void {
  program
    .command("serve")
    .description(
      "Run the Slack app: HTTP on $PORT with $SLACK_SIGNING_SECRET, or Socket Mode with $SLACK_APP_TOKEN.",
    )
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ config?: string; logLevel?: string }>();
      const env = parseServeEnv(deps.env);
      const { config } = loadConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      const logger = deps.createLogger(opts.logLevel ?? "info");
      const runtime = await deps.createSlackRuntime({ config, logger });
      const slack = createSlackApp({
        config,
        ports: runtime.ports,
        logger,
        botToken: env.botToken,
        port: env.port,
        ...(env.signingSecret ? { signingSecret: env.signingSecret } : {}),
        ...(env.appToken ? { appToken: env.appToken } : {}),
        ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {}),
      });
      const { port } = await slack.start();
      deps.stderr(
        slack.mode === "socket"
          ? `forecast-audit: Slack app connected in Socket Mode (health check on :${port}/healthz)\n`
          : `forecast-audit: Slack app listening on :${port} (POST /slack/events, GET /healthz)\n`,
      );
      await (deps.waitForShutdown ?? waitForSignal)();
      await slack.stop();
      await runtime.close?.();
    });
}

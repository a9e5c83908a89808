/**
 * `forecast-audit serve`: runs the Slack app until SIGINT or SIGTERM. HTTP mode with SLACK_SIGNING_SECRET
 * (on PORT, path /slack/events), Socket Mode with SLACK_APP_TOKEN; SLACK_API_URL points the Web API client
 * elsewhere (proxies, tests). Bolt, the store and the AWS clients are imported only when it runs.
 */
import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import type { Logger } from "../../logging/logger.js";
import type { SlackPorts } from "../../slack/ports.js";
import { loadCliConfig } from "../load-cli-config.js";

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
      const { parseServeEnv } = await import("./serve-env.js");
      const env = parseServeEnv(deps.env);
      const { config } = await loadCliConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      const logger = deps.createLogger(opts.logLevel ?? "info");
      const runtime = await deps.createSlackRuntime({ config, logger });
      const { createSlackApp } = await import("../../slack/app.js");
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

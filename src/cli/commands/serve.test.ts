import { Command } from "commander";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeSlackApi, startFakeSlackApi } from "../../../test/support/fake-slack-api.js";
import { createFakePorts } from "../../../test/support/slack-fakes.js";
import { CliError } from "../errors.js";
import { registerServeCommand } from "./serve.js";
import { parseServeEnv } from "./serve-env.js";

describe("parseServeEnv", () => {
  it("reads HTTP mode, Socket Mode, the API URL and the port", () => {
    expect(parseServeEnv({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "secret-123" })).toEqual({
      botToken: "xoxb-1",
      signingSecret: "secret-123",
      port: 3000,
    });
    expect(
      parseServeEnv({
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_APP_TOKEN: "xapp-1",
        SLACK_API_URL: "http://127.0.0.1:9/api",
        PORT: "8080",
      }),
    ).toEqual({ botToken: "xoxb-1", appToken: "xapp-1", slackApiUrl: "http://127.0.0.1:9/api/", port: 8080 });
  });

  it.each([
    [{}, /SLACK_BOT_TOKEN is not set/],
    [{ SLACK_BOT_TOKEN: "xoxb-1" }, /SLACK_SIGNING_SECRET is not set/],
    [{ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "" }, /SLACK_SIGNING_SECRET is not set/],
    [{ SLACK_BOT_TOKEN: "xoxp-1", SLACK_SIGNING_SECRET: "secret-123" }, /must be a bot token/],
    [{ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xoxb-2" }, /SLACK_APP_TOKEN must be an app-level token/],
    [
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "secret-123", PORT: "http" },
      /PORT must be a number/,
    ],
    [
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "secret-123", SLACK_API_URL: "ftp://x" },
      /SLACK_API_URL/,
    ],
  ])("names what is missing or wrong in %j", (env, message) => {
    expect(() => parseServeEnv(env)).toThrow(CliError);
    expect(() => parseServeEnv(env)).toThrow(message);
  });
});

describe("forecast-audit serve", () => {
  let api: FakeSlackApi | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it("starts the app on PORT, answers /healthz, and stops on shutdown", async () => {
    api = await startFakeSlackApi();
    let shutdown: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      shutdown = resolve;
    });
    let closed = false;
    const stderr: string[] = [];
    const program = new Command()
      .exitOverride()
      .option("-c, --config <file>")
      .option("--log-level <level>", "", "warn");
    registerServeCommand(program, {
      env: {
        SLACK_BOT_TOKEN: "xoxb-test",
        SLACK_SIGNING_SECRET: "secret-123",
        SLACK_API_URL: api.url,
        PORT: "0",
      },
      cwd: "/nonexistent",
      createLogger: () => pino({ level: "silent" }),
      stderr: (t) => stderr.push(t),
      createSlackRuntime: async () => ({
        ports: createFakePorts().ports,
        close: async () => {
          closed = true;
        },
      }),
      waitForShutdown: () => stopped,
    });
    const running = program.parseAsync(["node", "forecast-audit", "serve"]);
    while (stderr.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const port = /listening on :(\d+)/.exec(stderr[0] ?? "")?.[1];
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ ok: true, mode: "http" });
    expect(api.callsTo("auth.test")[0]?.token).toBe("xoxb-test");
    shutdown();
    await running;
    expect(closed).toBe(true);
  });
});

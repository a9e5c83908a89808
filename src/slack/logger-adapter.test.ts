import { LogLevel } from "@slack/bolt";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createBoltLogger, redactSecrets } from "./logger-adapter.js";

function capture(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe("Bolt logger over pino", () => {
  it("redacts tokens, secrets and signatures from free-form messages", () => {
    const text = redactSecrets(
      'token=xoxb-123-456-abc {"token":"legacy123","response_url":"https://hooks.slack.com/x"} xapp-1-A-2-b Bearer abc.def alice@example.com',
    );
    expect(text).not.toMatch(/xoxb-|xapp-|legacy123|hooks\.slack|abc\.def|alice@example\.com/);
  });

  it("writes Bolt's messages through pino, redacted, at the matching level", () => {
    const { logger, lines } = capture();
    const bolt = createBoltLogger(logger);
    bolt.debug("sending", { token: "xoxb-999-secret" });
    bolt.error("failed", new Error("invalid_auth for xoxb-999-secret"));
    expect(lines).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain("xoxb-999");
    expect(lines[0]).toMatchObject({ level: 20, component: "slack" });
    expect(lines[1]).toMatchObject({
      level: 50,
      error: { name: "Error", message: "invalid_auth for [redacted-token]" },
    });
  });

  it("maps levels both ways and honours setLevel", () => {
    const { logger, lines } = capture("warn");
    const bolt = createBoltLogger(logger);
    expect(bolt.getLevel()).toBe(LogLevel.WARN);
    bolt.info("hidden");
    bolt.setLevel(LogLevel.INFO);
    bolt.info("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });
});

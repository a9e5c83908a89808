import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("redacts tokens, credentials and tag values, even in child loggers", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination }).child({ scanId: "s1" });
    logger.info(
      {
        botToken: "xoxb-123",
        slack: { signingSecret: "shh" },
        creds: { secretAccessKey: "wJalr", sessionToken: "FwoG" },
        resource: { tags: [{ key: "owner", value: "jane@example.com" }] },
      },
      "hello",
    );
    const text = lines.join("");
    expect(text).toContain('"scanId":"s1"');
    for (const secret of ["xoxb-123", "shh", "wJalr", "FwoG", "jane@example.com"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });
});

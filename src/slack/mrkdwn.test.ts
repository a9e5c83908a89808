import { describe, expect, it } from "vitest";
import {
  escapeMrkdwn,
  mentionUser,
  truncateMrkdwn,
  unescapeSlackText,
  untrusted,
  untrustedCode,
} from "./mrkdwn.js";

describe("mrkdwn", () => {
  it("escapes the three control characters and nothing else", () => {
    expect(escapeMrkdwn("a & b <!channel> <@U123> *bold*")).toBe(
      "a &amp; b &lt;!channel&gt; &lt;@U123&gt; *bold*",
    );
  });

  it("masks sensitive values before escaping", () => {
    expect(untrusted("owner <alice@example.com>")).toBe("owner &lt;[email]&gt;");
  });

  it("keeps inline code on one line and closed", () => {
    expect(untrustedCode("a`b\nc")).toBe("`a'b c`");
    expect(untrustedCode("")).toBe("` `");
  });

  it("never cuts an entity in half", () => {
    const text = escapeMrkdwn(`${"x".repeat(8)}<<<<`);
    const cut = truncateMrkdwn(text, 12);
    expect(cut.length).toBeLessThanOrEqual(12);
    expect(cut).toMatch(/(&lt;|x)…$/);
    expect(cut).not.toMatch(/&[a-z]{0,3}…$/);
  });

  it("never cuts a surrogate pair in half", () => {
    const cut = truncateMrkdwn(`abc${"😀".repeat(5)}`, 7);
    expect(cut).toBe("abc😀…");
  });

  it("returns short text unchanged", () => {
    expect(truncateMrkdwn("short", 10)).toBe("short");
  });

  it("mentions only well-formed user ids", () => {
    expect(mentionUser("U0123ABC")).toBe("<@U0123ABC>");
    expect(mentionUser("<!here>")).toBe("`&lt;!here&gt;`");
  });

  it("undoes Slack's entities in command text", () => {
    expect(unescapeSlackText("&lt;!channel&gt; &amp;")).toBe("<!channel> &");
  });
});

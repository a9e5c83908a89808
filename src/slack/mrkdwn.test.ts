import { describe, expect, it } from "vitest";
import {
  escapeMrkdwn,
  mentionUser,
  mrkdwnToFallback,
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

  it("makes notification text readable: formatting goes, colons, underscores and ARNs stay", () => {
    expect(mrkdwnToFallback(":no_entry: That was not done.")).toBe("That was not done.");
    expect(mrkdwnToFallback("Suppressed `arn:aws:iam::123456789012:root` for *30 days*")).toBe(
      "Suppressed arn:aws:iam::123456789012:root for 30 days",
    );
    expect(mrkdwnToFallback("Bucket `sales_data_2024`, _italic_ note: see <#C0SEC> and <@U0ALICE>")).toBe(
      "Bucket sales_data_2024, italic note: see #C0SEC and @U0ALICE",
    );
    expect(mrkdwnToFallback("Only in <#C0SEC|security>, time 09:30 UTC.")).toBe(
      "Only in #C0SEC, time 09:30 UTC.",
    );
    expect(mrkdwnToFallback("x :warning:\n*a_b*")).toBe("x a_b");
  });
});

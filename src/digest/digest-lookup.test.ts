import { describe, expect, it } from "vitest";
import {
  DIGEST_EVENT_TYPE,
  type DigestHistoryClient,
  DigestLookupIncompleteError,
  digestMetadata,
  findDigestPage,
  type HistoryArgs,
  type HistoryMessage,
  isDigestPage,
  LOOKUP_BOUNDS,
} from "./digest-lookup.js";

const WANTED = { slot: "2026-03-02T09:00:00.000Z", channel: "C0DIGEST", page: 0 };

/** A channel of `messages`, newest first, served `limit` at a time with cursors, as Slack does. */
function channelOf(messages: HistoryMessage[]): DigestHistoryClient & { calls: HistoryArgs[] } {
  const calls: HistoryArgs[] = [];
  const page = (args: HistoryArgs) => {
    calls.push(args);
    const offset = Number(args.cursor ?? 0);
    const limit = args.limit ?? 100;
    const slice = messages.slice(offset, offset + limit);
    const more = offset + limit < messages.length;
    return Promise.resolve({
      messages: slice,
      has_more: more,
      response_metadata: { next_cursor: more ? String(offset + limit) : "" },
    });
  };
  return { calls, history: page, replies: page };
}

function other(i: number): HistoryMessage {
  return { ts: `1772442000.${String(i).padStart(6, "0")}`, metadata: undefined };
}

describe("findDigestPage", () => {
  it("finds the page by its metadata past other messages, paging from a bounded oldest", async () => {
    const ours = { ts: "1772442000.999999", metadata: digestMetadata(WANTED) };
    const channel = channelOf([...Array.from({ length: 450 }, (_, i) => other(i)), ours]);
    const startedAtMs = Date.parse(WANTED.slot);
    expect(await findDigestPage(channel, WANTED, { startedAtMs })).toBe(ours.ts);
    expect(channel.calls).toHaveLength(3);
    for (const call of channel.calls) {
      expect(call.include_all_metadata).toBe(true);
      expect(Number(call.oldest)).toBe((startedAtMs - LOOKUP_BOUNDS.skewMs) / 1000);
    }
  });

  it("says not found when the window holds no such page (another slot, page or channel does not count)", async () => {
    const channel = channelOf([
      { ts: "1.1", metadata: digestMetadata({ ...WANTED, slot: "2026-03-01T09:00:00.000Z" }) },
      { ts: "1.2", metadata: digestMetadata({ ...WANTED, page: 1 }) },
      { ts: "1.3", metadata: digestMetadata({ ...WANTED, channel: "C0OTHER" }) },
      { ts: "1.4", metadata: { event_type: "something_else", event_payload: WANTED } },
      { ts: "1.5" },
    ]);
    expect(await findDigestPage(channel, WANTED, { startedAtMs: 0 })).toBeUndefined();
  });

  it("refuses to say 'not found' when the bounded window was read to its end", async () => {
    const channel = channelOf(
      Array.from({ length: LOOKUP_BOUNDS.pageSize * LOOKUP_BOUNDS.maxPages + 1 }, (_, i) => other(i)),
    );
    await expect(findDigestPage(channel, WANTED, { startedAtMs: 0 })).rejects.toThrow(
      DigestLookupIncompleteError,
    );
    expect(channel.calls).toHaveLength(LOOKUP_BOUNDS.maxPages);
  });

  it("looks thread pages up in the main message's replies", async () => {
    const page2 = { ...WANTED, page: 2 };
    const channel = channelOf([{ ts: "1.0" }, { ts: "1.2", metadata: digestMetadata(page2) }]);
    const calls: string[] = [];
    const client: DigestHistoryClient = {
      history: (args) => {
        calls.push("history");
        return channel.history(args);
      },
      replies: (args) => {
        calls.push(`replies:${args.ts}`);
        return channel.replies(args);
      },
    };
    expect(await findDigestPage(client, page2, { startedAtMs: 0, threadTs: "1.0" })).toBe("1.2");
    expect(calls).toEqual(["replies:1.0"]);
  });

  it("reads a payload whose page came back as a string", () => {
    expect(
      isDigestPage(
        { metadata: { event_type: DIGEST_EVENT_TYPE, event_payload: { ...WANTED, page: "0" } } },
        WANTED,
      ),
    ).toBe(true);
  });
});

import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createFakePorts } from "../../../../test/support/slack-fakes.js";
import { parseConfig } from "../../../config/load-config.js";
import type { InterruptedScanNotice, SlackPorts } from "../../ports.js";
import { announceInterruptedScans } from "./scan-interruptions.js";

const SCHEDULED: InterruptedScanNotice = {
  id: "scan-1",
  startedAt: new Date("2026-03-01T08:00:00.000Z"),
  accounts: ["123456789012"],
  regions: ["us-east-1"],
  requestedIn: { kind: "schedule", slot: "2026-03-01T08:00:00.000Z" },
};
const THREADED: InterruptedScanNotice = {
  ...SCHEDULED,
  id: "scan-2",
  requestedIn: { kind: "slack", channel: "C0SCANS", user: "U0ALICE", threadTs: "1700000000.000100" },
};

function setup(channels: string[], notices: InterruptedScanNotice[], failing: string[] = []) {
  const released: string[] = [];
  const posts: Record<string, unknown>[] = [];
  const fakes = createFakePorts();
  const ports: SlackPorts = {
    ...fakes.ports,
    scans: Object.assign(fakes.scans, {
      interrupted: {
        take: async () => notices.splice(0),
        release: async (id: string) => {
          released.push(id);
        },
        announced: async () => {},
      },
    }),
  };
  const client = {
    chat: {
      postMessage: async (args: Record<string, unknown>) => {
        if (failing.includes(String(args.channel))) throw new Error("channel_not_found");
        posts.push(args);
        return { ok: true };
      },
    },
  } as unknown as Parameters<typeof announceInterruptedScans>[0];
  const deps = {
    config: parseConfig({ slack: { digest: { channels } } }),
    ports,
    logger: pino({ level: "silent" }),
  };
  return { run: () => announceInterruptedScans(client, deps), released, posts };
}

describe("announcing interrupted scans", () => {
  it("tells the digest channels about an interrupted scheduled scan", async () => {
    const { run, posts, released } = setup(["C0DIGEST", "C0OTHER"], [SCHEDULED]);
    expect(await run()).toBe(2);
    expect(posts.map((p) => p.channel)).toEqual(["C0DIGEST", "C0OTHER"]);
    expect(String(posts[0]?.text)).toContain("scheduled scan");
    expect(released).toEqual([]);
  });

  it("answers in the thread a Slack scan was asked in", async () => {
    const { run, posts } = setup([], [THREADED]);
    expect(await run()).toBe(1);
    expect(posts[0]).toMatchObject({ channel: "C0SCANS", thread_ts: "1700000000.000100" });
  });

  it("gives back an announcement no channel accepted, and keeps one that reached a channel", async () => {
    const refused = setup([], [THREADED], ["C0SCANS"]);
    expect(await refused.run()).toBe(0);
    expect(refused.released).toEqual(["scan-2"]);
    const partly = setup(["C0DIGEST", "C0GONE"], [SCHEDULED], ["C0GONE"]);
    expect(await partly.run()).toBe(1);
    // Given back it would be posted twice in the channel that took it.
    expect(partly.released).toEqual([]);
  });
});

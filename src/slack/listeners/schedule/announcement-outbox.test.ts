/**
 * The announcement outboxes with a lease, on the real store: a claim whose holder died before posting
 * (a kill after the claim, simulated by a claim nobody posts) is posted once by a later run after the lease,
 * `announced_at` is written only after the post, and one announcement whose give-back fails does not strand
 * the others.
 */
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../config/load-config.js";
import { openStore } from "../../../store/open-store.js";
import type { Store, SuppressionAnnouncement } from "../../../store/types.js";
import type { InterruptedScanNotice, SuppressionAnnouncementView } from "../../ports.js";
import { announceInterruptedScans, type InterruptedScanOutbox } from "./scan-interruptions.js";
import { announceSuppressions, type SuppressionAnnouncementOutbox } from "./suppression-announcements.js";

const logger = pino({ level: "silent" });
const LEASE_MS = 5 * 60_000;
const KEY = "kms-key-rotation-enabled|123456789012|us-east-1|arn:aws:kms:us-east-1:123456789012:key/k-1";

let t: number;
let store: Store;
beforeEach(async () => {
  t = Date.parse("2026-06-01T08:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => new Date(t) });
});
afterEach(async () => {
  await store.close();
});

const staleBefore = () => new Date(t - LEASE_MS).toISOString();

/** A replica's suppression outbox as the port wires it: leased, confirmed after the post. */
function suppressionOutbox(
  claimer: string,
  faults: { releaseFails?: (id: string) => boolean } = {},
): SuppressionAnnouncementOutbox {
  const view = (a: SuppressionAnnouncement): SuppressionAnnouncementView => ({
    kind: a.kind === "created" ? "suppressed" : a.suppression.removedAt ? "lifted" : "expired",
    suppressionId: a.suppression.id,
    target: a.suppression.findingKey ?? "",
    reason: a.suppression.reason,
    handle: a,
  });
  return {
    takeAnnouncements: async () =>
      (await store.leaseSuppressionAnnouncements(claimer, staleBefore())).map(view),
    releaseAnnouncement: async (a) => {
      if (faults.releaseFails?.(a.suppressionId)) throw new Error("injected: the store failed the give-back");
      await store.settleSuppressionAnnouncement(a.handle as SuppressionAnnouncement, claimer, false);
    },
    confirmAnnouncement: (a) =>
      store.settleSuppressionAnnouncement(a.handle as SuppressionAnnouncement, claimer, true),
  };
}

/** Slack: records each post (its channel and message); a post that `refuse` names fails. */
function slack(refuse: (text: string) => boolean = () => false) {
  const posts: string[] = [];
  const client = {
    chat: {
      postMessage: async (args: { channel: string }) => {
        const text = JSON.stringify(args);
        if (refuse(text)) throw new Error("ratelimited");
        posts.push(`${args.channel} ${text}`);
        return { ok: true };
      },
    },
  } as unknown as Parameters<typeof announceSuppressions>[0];
  return { client, posts };
}

const config = parseConfig({
  slack: { approvalsChannel: "C0APPROVALS", digest: { channels: ["C0DIGEST"] } },
});

describe("suppression announcements with a lease", () => {
  it("posts, once and after the lease, one whose claimer died between the claim and the post", async () => {
    const made = await store.addSuppression({ findingKey: KEY, reason: "Accepted.", createdBy: "cli:alice" });
    // Replica A claims it and is killed before posting.
    const claimedByA = await suppressionOutbox("replica-a").takeAnnouncements();
    expect(claimedByA.map((a) => a.suppressionId)).toEqual([made.id]);

    const { client, posts } = slack();
    const b = { config, logger, ports: { suppressions: suppressionOutbox("replica-b") } };
    // A's claim is live: B leaves it alone.
    expect(await announceSuppressions(client, b)).toBe(0);
    // The lease has passed: B takes it and posts it, once.
    t += LEASE_MS + 1000;
    expect(await announceSuppressions(client, b)).toBe(1);
    expect(posts).toHaveLength(1);
    t += LEASE_MS + 1000;
    expect(await announceSuppressions(client, b)).toBe(0);
    expect(posts).toHaveLength(1);
  });

  it("does not strand the others when the give-back of one fails, and posts that one after the lease", async () => {
    const first = await store.addSuppression({
      findingKey: KEY,
      reason: "refused first",
      createdBy: "cli:a",
    });
    t += 1;
    await store.addSuppression({ findingKey: KEY, reason: "second", createdBy: "cli:b" });
    t += 1;
    await store.addSuppression({ findingKey: KEY, reason: "third", createdBy: "cli:c" });

    let refusing = true;
    const { client, posts } = slack((text) => refusing && text.includes("refused first"));
    const deps = {
      config,
      logger,
      ports: { suppressions: suppressionOutbox("replica-a", { releaseFails: (id) => id === first.id }) },
    };
    expect(await announceSuppressions(client, deps)).toBe(2);
    expect(posts.map((p) => p.includes("second") || p.includes("third"))).toEqual([true, true]);

    // Its give-back failed: the claim stands until the lease passes, then it is posted once.
    refusing = false;
    expect(await announceSuppressions(client, deps)).toBe(0);
    t += LEASE_MS + 1000;
    expect(await announceSuppressions(client, deps)).toBe(1);
    expect(posts.filter((p) => p.includes("refused first"))).toHaveLength(1);
    expect(await announceSuppressions(client, deps)).toBe(0);
    expect(posts).toHaveLength(3);
  });
});

/** A replica's interrupted-scan outbox as the port wires it: leased, written announced after the post. */
function scanOutbox(
  claimer: string,
  faults: { releaseFails?: (id: string) => boolean } = {},
): InterruptedScanOutbox {
  return {
    take: async () => {
      await store.markScansInterrupted(new Date(t - 45_000).toISOString());
      const notices: InterruptedScanNotice[] = [];
      for (const scan of await store.leaseInterruptedScanAnnouncements(claimer, staleBefore())) {
        if (scan.origin?.kind !== "slack") continue;
        notices.push({
          id: scan.id,
          startedAt: new Date(scan.startedAt),
          accounts: scan.scope.accounts,
          regions: scan.scope.regions,
          requestedIn: scan.origin,
        });
      }
      return notices;
    },
    release: async (scanId) => {
      if (faults.releaseFails?.(scanId)) throw new Error("injected: the store failed the give-back");
      await store.settleInterruptedScanAnnouncement(scanId, claimer, false);
    },
    announced: (scanId) => store.settleInterruptedScanAnnouncement(scanId, claimer, true),
  };
}

async function runningScan(id: string, channel: string): Promise<void> {
  await store.startScan({
    id,
    trigger: "slack:U0ALICE",
    scope: { accounts: ["123456789012"], regions: ["us-east-1"], controls: ["kms-key-rotation-enabled"] },
    origin: { kind: "slack", channel, user: "U0ALICE" },
  });
}

describe("interrupted-scan announcements with a lease", () => {
  it("posts, once and after the lease, one whose claimer died between the claim and the post", async () => {
    await runningScan("scan-1", "C0SCANS");
    t += 60_000;
    // Replica A marks and claims it, and is killed before posting.
    expect((await scanOutbox("replica-a").take()).map((n) => n.id)).toEqual(["scan-1"]);

    const { client, posts } = slack();
    const b = { config, logger, ports: { scans: { interrupted: scanOutbox("replica-b") } } };
    expect(await announceInterruptedScans(client, b)).toBe(0);
    t += LEASE_MS + 1000;
    expect(await announceInterruptedScans(client, b)).toBe(1);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^C0SCANS /);
    t += LEASE_MS + 1000;
    expect(await announceInterruptedScans(client, b)).toBe(0);
    expect(posts).toHaveLength(1);
  });

  it("does not strand the others when the give-back of one fails", async () => {
    await runningScan("scan-1", "C0GONE");
    await runningScan("scan-2", "C0SCANS");
    t += 60_000;
    const { client, posts } = slack();
    const failing = {
      ...client,
      chat: {
        postMessage: async (args: { channel: string; text?: string }) => {
          if (args.channel === "C0GONE") throw new Error("channel_not_found");
          return client.chat.postMessage(args as never);
        },
      },
    } as unknown as Parameters<typeof announceInterruptedScans>[0];
    const deps = {
      config,
      logger,
      ports: { scans: { interrupted: scanOutbox("replica-a", { releaseFails: (id) => id === "scan-1" }) } },
    };
    expect(await announceInterruptedScans(failing, deps)).toBe(1);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^C0SCANS /);
    // scan-2 is announced for good; scan-1's claim runs out and it is tried again.
    t += LEASE_MS + 1000;
    expect(await announceInterruptedScans(client, deps)).toBe(1);
    expect(posts).toHaveLength(2);
    expect(posts[1]).toMatch(/^C0GONE /);
    expect(await announceInterruptedScans(client, deps)).toBe(0);
  });
});

/**
 * Digests that are neither lost nor doubled, on both engines: the real Web API client posting to the fake
 * Slack (which keeps messages with their metadata and serves conversations.history/replies), and crashes
 * injected where they hurt: the process dies right after Slack accepted a page and before the store recorded
 * it, the store refuses the record, a post's answer is lost, Slack refuses the history lookup. A resumed slot
 * adopts what Slack already has and posts only what is missing; a lookup that cannot be done posts nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KyselyPlugin } from "kysely";
import { pino } from "pino";
import { afterAll, afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { DIGEST_EVENT_TYPE } from "../../src/digest/digest-lookup.js";
import {
  DIGEST_ACTIONS,
  DigestPostError,
  DigestPoster,
  type DigestSlackClient,
  digestSlotJob,
} from "../../src/digest/post-digest.js";
import { createDigestSlackClient } from "../../src/digest/slack-client.js";
import { openStore } from "../../src/store/open-store.js";
import type { Engine, Store } from "../../src/store/types.js";
import { ACCOUNTS, digestFinding, SEED_SCOPE, TestClock } from "../support/digest-fixtures.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const logger = pino({ level: "silent" });
const CHANNEL = "C0DIGEST";
const SLOT = "2026-03-02T09:00:00.000Z";

interface Harness {
  engine: Engine;
  available: boolean;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const harnesses: Harness[] = [
  {
    engine: "sqlite",
    available: true,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-digest-"));
      return {
        url: `sqlite:${join(dir, "state.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
];

/** The wrapped client's `n`th post reaches Slack, and then the process "dies": its answer never arrives. */
function diesAfterPost(client: DigestSlackClient, n: number): DigestSlackClient {
  let posts = 0;
  const dying: DigestSlackClient = {
    chat: {
      postMessage: async (args) => {
        const answer = await client.chat.postMessage(args);
        posts += 1;
        if (posts === n) return new Promise<never>(() => {});
        return answer;
      },
    },
  };
  if (client.conversations) dying.conversations = client.conversations;
  return dying;
}

/** The wrapped client's `n`th post reaches Slack, but its answer is lost on the way back. */
function losesAnswer(client: DigestSlackClient, n: number): DigestSlackClient {
  let posts = 0;
  const lossy: DigestSlackClient = {
    chat: {
      postMessage: async (args) => {
        const answer = await client.chat.postMessage(args);
        posts += 1;
        if (posts === n) {
          throw Object.assign(new Error("A request error occurred: socket hang up"), {
            code: "slack_webapi_request_error",
          });
        }
        return answer;
      },
    },
  };
  if (client.conversations) lossy.conversations = client.conversations;
  return lossy;
}

/**
 * Fails the first insert into the audit log after `arm()`, as a store that dies (or loses its connection)
 * between a digest's last post and the record of its outcome.
 */
function failsNextAuditInsert(): { plugin: KyselyPlugin; arm(): void; fired(): boolean } {
  let armed = false;
  let fired = false;
  return {
    plugin: {
      transformQuery(args) {
        const node = args.node;
        if (armed && node.kind === "InsertQueryNode" && node.into?.table.identifier.name === "audit_log") {
          armed = false;
          fired = true;
          throw new Error("Connection terminated unexpectedly");
        }
        return node;
      },
      async transformResult(args) {
        return args.result;
      },
    },
    arm: () => {
      armed = true;
    },
    fired: () => fired,
  };
}

describe.each(harnesses)("digest crash recovery on $engine", (h) => {
  let api: FakeSlackApi;
  let url: string;
  let store: Store;
  let clock: TestClock;
  let cleanup: () => Promise<void>;
  let sleeps: number[];
  let client: DigestSlackClient;

  beforeEach(async (ctx) => {
    if (!h.available) ctx.skip();
    clock = new TestClock("2026-03-02T08:00:00.000Z");
    api = await startFakeSlackApi({ now: () => clock.now().getTime() });
    const db = await h.newDatabase();
    cleanup = db.cleanup;
    url = db.url;
    store = await openStore({ databaseUrl: db.url, now: clock.now });
    sleeps = [];
    const real = createDigestSlackClient({ SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: api.url });
    if (!real) throw new Error("no client");
    client = real;
  });

  afterEach(async () => {
    if (!h.available) return;
    await store.close();
    await api.close();
    await cleanup();
  });

  function poster(slack: DigestSlackClient, on: Store = store): DigestPoster {
    return new DigestPoster({
      store: on,
      client: slack,
      accounts: ACCOUNTS,
      logger,
      instanceId: "test",
      now: clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 },
    });
  }

  /** Enough failing findings that the digest's thread has several pages. */
  async function seedMany(count: number): Promise<void> {
    clock.set("2026-03-02T08:30:00.000Z");
    const findings = Array.from({ length: count }, (_, i) =>
      digestFinding(`bucket-${String(i).padStart(4, "0")}-${"x".repeat(40)}`, "high", "FAIL"),
    );
    await store.recordScan({ scope: SEED_SCOPE, trigger: "schedule", findings });
    clock.set(SLOT);
  }

  const topLevel = () => api.messages(CHANNEL).filter((m) => m.thread_ts === undefined);
  const replies = (ts: string) => api.messages(CHANNEL).filter((m) => m.thread_ts === ts);

  it("tags every page with its slot, channel and page in Slack message metadata", async () => {
    await seedMany(300);
    const result = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT });
    expect(result.status).toBe("posted");
    const [main] = topLevel();
    expect(main?.metadata).toEqual({
      event_type: DIGEST_EVENT_TYPE,
      event_payload: { slot: SLOT, channel: CHANNEL, page: 0 },
    });
    const thread = replies(result.ts ?? "");
    expect(thread.length).toBeGreaterThan(1);
    expect(thread.map((m) => (m.metadata as { event_payload: { page: number } }).event_payload.page)).toEqual(
      thread.map((_, i) => i + 1),
    );
    // As Slack does, the history carries metadata only when asked for it.
    const plain = await client.conversations?.history({ channel: CHANNEL, include_all_metadata: false });
    expect(plain?.messages?.length).toBeGreaterThan(0);
    expect(plain?.messages?.some((m) => m.metadata !== undefined)).toBe(false);
    api.clear();
    // A first post looks nothing up: nothing of this slot can be in Slack yet.
    expect(api.callsTo("conversations.history")).toHaveLength(0);
  });

  it("a crash between posting the main message and recording it: the resumed slot adopts it and posts no second one", async () => {
    await seedMany(300);
    void poster(diesAfterPost(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    const [posted] = topLevel();
    const pages = await store.digestMessages(CHANNEL, SLOT);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.ts).toBeUndefined();

    clock.set("2026-03-02T09:03:00.000Z");
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed.status).toBe("posted");
    expect(resumed.ts).toBe(posted?.ts);
    expect(resumed.adopted).toBe(1);
    expect(topLevel()).toHaveLength(1);
    // The thread went out once, under the one main message.
    const thread = replies(posted?.ts ?? "");
    expect(thread.length).toBe(resumed.threadPosted);
    expect(new Set(thread.map((m) => JSON.stringify(m.metadata))).size).toBe(thread.length);
    const history = api.callsTo("conversations.history");
    expect(history.length).toBeGreaterThan(0);
    expect(history[0]?.body.channel).toBe(CHANNEL);
    expect(String(history[0]?.body.include_all_metadata)).toBe("true");
    expect(Number(history[0]?.body.oldest)).toBeLessThanOrEqual(Date.parse(SLOT) / 1000);
    expect((await store.digestMessages(CHANNEL, SLOT))[0]?.ts).toBe(posted?.ts);
    // The resumed digest reports the window of its first attempt, not of the resume.
    expect(resumed.asOf).toBe(SLOT);
    const claim = await store.lastClaimedSlot(digestSlotJob(CHANNEL));
    expect(claim?.outcome).toBe(`posted ts=${posted?.ts}`);
    // Asked again, the settled slot is a duplicate.
    const again = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(again.status).toBe("duplicate");
    expect(topLevel()).toHaveLength(1);
  });

  it("an older slot's crashed digest is resumed even after a newer slot of the channel was claimed", async () => {
    await seedMany(300);
    void poster(diesAfterPost(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    const [posted] = topLevel();
    // The job queue retries the dead slot's job after the next slot's digest has claimed (and posted).
    const NEXT = "2026-03-03T09:00:00.000Z";
    clock.set(NEXT);
    const next = await poster(client).post(CHANNEL, { kind: "schedule", slot: NEXT });
    expect(next.status).toBe("posted");
    clock.set("2026-03-03T09:05:00.000Z");
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", ts: posted?.ts, adopted: 1 });
    expect((await store.slotClaim(digestSlotJob(CHANNEL), SLOT))?.outcome).toBe(`posted ts=${posted?.ts}`);
    // Two main messages in all: one per slot.
    expect(topLevel()).toHaveLength(2);
  });

  it("a crash between thread pages: the resume skips the recorded pages, adopts the one in the thread and posts the rest", async () => {
    await seedMany(300);
    // Main, page 1, then page 2 reaches Slack and the process dies.
    void poster(diesAfterPost(client, 3)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.filter((c) => c.method === "chat.postMessage").length === 3);
    const [main] = topLevel();
    clock.set("2026-03-02T09:02:00.000Z");
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", ts: main?.ts, adopted: 3 });
    expect(topLevel()).toHaveLength(1);
    const pages = replies(main?.ts ?? "").map(
      (m) => (m.metadata as { event_payload: { page: number } }).event_payload.page,
    );
    expect(pages).toEqual(pages.map((_, i) => i + 1));
    expect(pages.length).toBe(resumed.threadPosted);
    expect(api.callsTo("conversations.replies").length).toBeGreaterThan(0);
    // Page 1 was recorded: only page 2 had to be looked up.
    expect(api.callsTo("conversations.replies")).toHaveLength(1);
  });

  it("a page found nowhere in Slack after a crash before it reached Slack is posted by the resume", async () => {
    await seedMany(10);
    // The store recorded the page as started, then the process died before the post left.
    await store.claimSlot(digestSlotJob(CHANNEL), SLOT, "dead");
    await store.digestMessageStarted({ channel: CHANNEL, slot: SLOT, page: 0, asOf: SLOT });
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", adopted: 0 });
    expect(topLevel()).toHaveLength(1);
    expect(api.callsTo("conversations.history")).toHaveLength(1);
  });

  it("the store refuses to record a posted page: the slot stays open and the resume adopts the message", async () => {
    await seedMany(10);
    let refuse = true;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "digestMessagePosted" && refuse) {
          return async () => {
            refuse = false;
            throw new Error("database is locked");
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(poster(client, flaky).post(CHANNEL, { kind: "schedule", slot: SLOT })).rejects.toThrow(
      DigestPostError,
    );
    const failed = await store.listAudit({ action: DIGEST_ACTIONS.failed, target: CHANNEL });
    expect(failed[0]?.detail).toMatchObject({ stage: "record", slot: SLOT });
    expect((await store.lastClaimedSlot(digestSlotJob(CHANNEL)))?.doneAt).toBeUndefined();
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", ts: topLevel()[0]?.ts });
    expect(topLevel()).toHaveLength(1);
  });

  /** The same store with the fault plugin; every post arms it, so its next audit insert is the outcome's. */
  async function faultyAfterPosts(): Promise<{
    store: Store;
    slack: DigestSlackClient;
    fired(): boolean;
  }> {
    const fault = failsNextAuditInsert();
    const faulty = await openStore({ databaseUrl: url, now: clock.now, plugins: [fault.plugin] });
    onTestFinished(() => faulty.close());
    const slack: DigestSlackClient = {
      chat: {
        postMessage: async (args) => {
          const answer = await client.chat.postMessage(args);
          fault.arm();
          return answer;
        },
      },
    };
    if (client.conversations) slack.conversations = client.conversations;
    return { store: faulty, slack, fired: fault.fired };
  }

  it("the store fails between settling a posted slot and recording it: neither is written, and the retry records it once without posting again", async () => {
    await seedMany(300);
    const faulty = await faultyAfterPosts();
    await expect(
      poster(faulty.slack, faulty.store).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true }),
    ).rejects.toMatchObject({ name: "DigestPostError", retryable: true });
    expect(faulty.fired()).toBe(true);
    const [main] = topLevel();
    const posts = api.callsTo("chat.postMessage").length;
    // Not settled without its record: a settled slot is a duplicate for every retry, and the post is lost.
    expect((await store.slotClaim(digestSlotJob(CHANNEL), SLOT))?.doneAt).toBeUndefined();
    expect(await store.listAudit({ action: DIGEST_ACTIONS.posted, target: CHANNEL })).toHaveLength(0);

    clock.set("2026-03-02T09:01:00.000Z");
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", ts: main?.ts });
    expect(resumed.adopted).toBe(resumed.threadPosted + 1);
    expect(api.callsTo("chat.postMessage")).toHaveLength(posts);
    const records = await store.listAudit({ action: DIGEST_ACTIONS.posted, target: CHANNEL });
    expect(records.map((r) => (r.detail as { ts?: string }).ts)).toEqual([main?.ts]);
    expect((await store.slotClaim(digestSlotJob(CHANNEL), SLOT))?.outcome).toBe(`posted ts=${main?.ts}`);
    // And once settled, every further retry is a duplicate that records nothing.
    expect((await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true })).status).toBe(
      "duplicate",
    );
    expect(await store.listAudit({ action: DIGEST_ACTIONS.posted, target: CHANNEL })).toHaveLength(1);
  });

  it("the store fails while settling a slot Slack refused for good: the slot stays open, and the retry settles it with one record", async () => {
    await seedMany(10);
    const fault = failsNextAuditInsert();
    const faulty = await openStore({ databaseUrl: url, now: clock.now, plugins: [fault.plugin] });
    onTestFinished(() => faulty.close());
    const refusing: DigestSlackClient = {
      chat: {
        postMessage: async (args) => {
          api.failNext("chat.postMessage", "channel_not_found");
          try {
            return await client.chat.postMessage(args);
          } finally {
            fault.arm();
          }
        },
      },
    };
    const error = await poster(refusing, faulty)
      .post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true })
      .catch((e: unknown) => e);
    expect(fault.fired()).toBe(true);
    // Not refused for good as far as the job is concerned: nothing settled it, so the queue must retry.
    expect(error).toMatchObject({ name: "DigestPostError", retryable: true });
    expect((await store.slotClaim(digestSlotJob(CHANNEL), SLOT))?.doneAt).toBeUndefined();

    api.failNext("chat.postMessage", "channel_not_found");
    await expect(
      poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true }),
    ).rejects.toMatchObject({ retryable: false });
    const claim = await store.slotClaim(digestSlotJob(CHANNEL), SLOT);
    expect(claim?.outcome).toMatch(/^failed: .*channel_not_found/);
    const failed = await store.listAudit({ action: DIGEST_ACTIONS.failed, target: CHANNEL });
    expect(failed.filter((f) => (f.detail as { retryable?: boolean }).retryable === false)).toHaveLength(1);
    expect(topLevel()).toHaveLength(0);
  });

  it("a post whose answer was lost is looked up before it is tried again, and not posted twice", async () => {
    await seedMany(10);
    const result = await poster(losesAnswer(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    expect(result.status).toBe("posted");
    expect(topLevel()).toHaveLength(1);
    expect(result.ts).toBe(topLevel()[0]?.ts);
    expect(api.callsTo("conversations.history")).toHaveLength(1);
    expect(sleeps).toEqual([1000]);
  });

  it("a rate-limited history lookup is retried after Retry-After, then adopts", async () => {
    await seedMany(10);
    void poster(diesAfterPost(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    api.failNextHttp("conversations.history", 429, 7);
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", adopted: 1 });
    expect(sleeps).toEqual([7000]);
    expect(topLevel()).toHaveLength(1);
  });

  it("a history lookup that cannot be done posts nothing, records the digest failed with the reason and leaves the slot open", async () => {
    await seedMany(10);
    void poster(diesAfterPost(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    for (let i = 0; i < 3; i++) api.failNextHttp("conversations.history", 500);
    const posts = api.callsTo("chat.postMessage").length;
    await expect(
      poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true }),
    ).rejects.toThrow(/history lookup failed/);
    expect(api.callsTo("chat.postMessage")).toHaveLength(posts);
    expect(sleeps).toEqual([1000, 2000]);
    const [failed] = await store.listAudit({ action: DIGEST_ACTIONS.failed, target: CHANNEL });
    expect(failed?.detail).toMatchObject({ stage: "lookup", slot: SLOT, resumed: true });
    expect(String((failed?.detail as { error?: unknown } | undefined)?.error)).toContain("http_500");
    expect((await store.lastClaimedSlot(digestSlotJob(CHANNEL)))?.doneAt).toBeUndefined();

    // Slack answers again: the next resume adopts the message, still without a second post of it.
    const resumed = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true });
    expect(resumed).toMatchObject({ status: "posted", adopted: 1 });
    expect(topLevel()).toHaveLength(1);
  });

  it("without a history client, a page that may be in Slack is never posted again", async () => {
    await seedMany(10);
    void poster(diesAfterPost(client, 1)).post(CHANNEL, { kind: "schedule", slot: SLOT });
    await api.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage"));
    const postOnly: DigestSlackClient = { chat: client.chat };
    await expect(
      poster(postOnly).post(CHANNEL, { kind: "schedule", slot: SLOT, resume: true }),
    ).rejects.toThrow(/no conversations client/);
    expect(topLevel()).toHaveLength(1);
  });

  it("a slot claimed by another instance is a duplicate unless the caller resumes it", async () => {
    await seedMany(10);
    await store.claimSlot(digestSlotJob(CHANNEL), SLOT, "other");
    const result = await poster(client).post(CHANNEL, { kind: "schedule", slot: SLOT });
    expect(result.status).toBe("duplicate");
    expect(api.callsTo("chat.postMessage")).toHaveLength(0);
  });
});

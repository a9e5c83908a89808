import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNTS, DIGEST_AT, seedDigestHistory, TestClock } from "../../test/support/digest-fixtures.js";
import { checkMessage } from "../slack/limits.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import {
  DIGEST_ACTIONS,
  DigestPostError,
  DigestPoster,
  type DigestSlackClient,
  digestSlotJob,
} from "./post-digest.js";

const logger = pino({ level: "silent" });
const CHANNEL = "C0DIGEST";

type PostArgs = Parameters<DigestSlackClient["chat"]["postMessage"]>[0];

/** A Slack client that records every post and fails the next calls as scripted. */
class FakeSlack implements DigestSlackClient {
  readonly posts: PostArgs[] = [];
  readonly failures: unknown[] = [];
  #ts = 0;
  chat = {
    postMessage: async (args: PostArgs) => {
      const failure = this.failures.shift();
      if (failure) throw failure;
      this.posts.push(args);
      this.#ts += 1;
      return { ts: `1700000000.${String(this.#ts).padStart(6, "0")}` };
    },
  };
}

function platformError(error: string) {
  return Object.assign(new Error(`An API error occurred: ${error}`), {
    code: "slack_webapi_platform_error",
    data: { ok: false, error },
  });
}

function rateLimited(seconds: number) {
  return Object.assign(new Error("rate limited"), {
    code: "slack_webapi_rate_limited_error",
    retryAfter: seconds,
  });
}

let store: Store;
let clock: TestClock;
let slack: FakeSlack;
let sleeps: number[];

function poster(): DigestPoster {
  return new DigestPoster({
    store,
    client: slack,
    accounts: ACCOUNTS,
    logger,
    instanceId: "test",
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
  });
}

beforeEach(async () => {
  clock = new TestClock("2026-02-27T00:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: clock.now });
  slack = new FakeSlack();
  sleeps = [];
});
afterEach(async () => {
  await store.close();
});

describe("DigestPoster", () => {
  it("records, posts the main message and its thread, and marks the slot done", async () => {
    await seedDigestHistory(store, clock);
    const slot = DIGEST_AT;
    const result = await poster().post(CHANNEL, { kind: "schedule", slot });

    expect(result).toMatchObject({ status: "posted", ts: "1700000000.000001", asOf: DIGEST_AT });
    const [main, ...thread] = slack.posts;
    expect(main?.channel).toBe(CHANNEL);
    expect(main?.thread_ts).toBeUndefined();
    expect(checkMessage({ text: main?.text ?? "", blocks: main?.blocks ?? [] })).toEqual([]);
    expect(main?.text).toContain("4 failing");
    expect(thread.length).toBeGreaterThan(0);
    for (const page of thread) expect(page.thread_ts).toBe("1700000000.000001");
    expect(result.threadPosted).toBe(thread.length);

    const claim = await store.lastClaimedSlot(digestSlotJob(CHANNEL));
    expect(claim?.outcome).toBe("posted ts=1700000000.000001");
    const actions = (await store.listAudit({ target: CHANNEL, order: "asc" })).map((e) => e.action);
    expect(actions).toEqual([DIGEST_ACTIONS.recorded, DIGEST_ACTIONS.posted]);
  });

  it("posts a scheduled slot once per channel, even when asked twice", async () => {
    const first = await poster().post(CHANNEL, { kind: "schedule", slot: DIGEST_AT });
    const second = await poster().post(CHANNEL, { kind: "schedule", slot: DIGEST_AT });
    const other = await poster().post("C0OTHER", { kind: "schedule", slot: DIGEST_AT });
    expect([first.status, second.status, other.status]).toEqual(["posted", "duplicate", "posted"]);
    expect(slack.posts.filter((p) => p.thread_ts === undefined).map((p) => p.channel)).toEqual([
      CHANNEL,
      "C0OTHER",
    ]);
  });

  it("counts new and resolved since the last scheduled digest posted in the channel; on-demand ones do not move it", async () => {
    clock.set("2026-03-01T09:00:00.000Z");
    const first = await poster().post(CHANNEL, { kind: "schedule", slot: "2026-03-01T09:00:00.000Z" });
    expect(first.since).toBe("2026-02-28T09:00:00.000Z");
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain("in the last 24 hours");

    clock.set("2026-03-01T15:00:00.000Z");
    const adHoc = await poster().post(CHANNEL, { kind: "on-demand", requestedBy: "slack:U0ALICE" });
    expect(adHoc.since).toBe("2026-03-01T09:00:00.000Z");

    clock.set("2026-03-02T09:00:00.000Z");
    const second = await poster().post(CHANNEL, { kind: "schedule", slot: "2026-03-02T09:00:00.000Z" });
    expect(second.since).toBe("2026-03-01T09:00:00.000Z");
    expect(JSON.stringify(slack.posts.at(-1)?.blocks)).toContain(
      "since the last digest (2026-03-01 09:00 UTC)",
    );
  });

  it("retries a rate-limited or failing Slack call with back-off, honouring Retry-After", async () => {
    slack.failures.push(rateLimited(30), platformError("internal_error"));
    const result = await poster().post(CHANNEL, { kind: "schedule", slot: DIGEST_AT });
    expect(result.status).toBe("posted");
    expect(result.attempts).toBe(3);
    expect(sleeps).toEqual([30_000, 2000]);
  });

  it("keeps the record and marks the slot failed when Slack refuses for good, without retrying", async () => {
    slack.failures.push(platformError("channel_not_found"));
    await expect(poster().post(CHANNEL, { kind: "schedule", slot: DIGEST_AT })).rejects.toThrow(
      DigestPostError,
    );
    expect(sleeps).toEqual([]);
    const claim = await store.lastClaimedSlot(digestSlotJob(CHANNEL));
    expect(claim?.outcome).toMatch(/^failed: .*channel_not_found/);
    const audit = await store.listAudit({ target: CHANNEL, order: "asc" });
    expect(audit.map((e) => e.action)).toEqual([DIGEST_ACTIONS.recorded, DIGEST_ACTIONS.failed]);
    expect(audit[1]?.detail).toMatchObject({ stage: "main", attempts: 1, slot: DIGEST_AT });
    // The same slot is not posted again by another replica or a restart.
    const again = await poster().post(CHANNEL, { kind: "schedule", slot: DIGEST_AT });
    expect(again.status).toBe("duplicate");
  });

  it("gives up after the configured tries with back-off, and the next digest still counts from the last one seen", async () => {
    clock.set("2026-03-01T09:00:00.000Z");
    await poster().post(CHANNEL, { kind: "schedule", slot: "2026-03-01T09:00:00.000Z" });
    clock.set("2026-03-02T09:00:00.000Z");
    for (let i = 0; i < 4; i++) slack.failures.push(platformError("internal_error"));
    await expect(
      poster().post(CHANNEL, { kind: "schedule", slot: "2026-03-02T09:00:00.000Z" }),
    ).rejects.toThrow(/after 4 tries: internal_error/);
    expect(sleeps).toEqual([1000, 2000, 4000]);
    // Not refused for good: the slot is left open for the job's retry to resume, and the record says so.
    const open = await store.slotClaim(digestSlotJob(CHANNEL), "2026-03-02T09:00:00.000Z");
    expect(open?.doneAt).toBeUndefined();
    const [failed] = await store.listAudit({ action: DIGEST_ACTIONS.failed, target: CHANNEL });
    expect(failed?.detail).toMatchObject({ stage: "main", attempts: 4, retryable: true });
    clock.set("2026-03-03T09:00:00.000Z");
    const third = await poster().post(CHANNEL, { kind: "schedule", slot: "2026-03-03T09:00:00.000Z" });
    expect(third.since).toBe("2026-03-01T09:00:00.000Z");
  });

  it("posts the main message even when a thread page fails, and says so in the outcome", async () => {
    await seedDigestHistory(store, clock);
    const poster1 = poster();
    // The main message succeeds; the first thread page is refused for good.
    slack.failures.push(undefined, platformError("invalid_blocks"));
    const result = await poster1.post(CHANNEL, { kind: "schedule", slot: DIGEST_AT });
    expect(result.status).toBe("partial");
    expect(result.threadFailed).toBe(1);
    const claim = await store.lastClaimedSlot(digestSlotJob(CHANNEL));
    expect(claim?.outcome).toMatch(/^partial ts=.* thread_failed=1$/);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../config/load-config.js";
import {
  type AuthorizerOptions,
  createAuthorizer,
  LOOKUP_TIMEOUT_MS,
  MEMBERSHIP_TTL_MS,
} from "./authorize.js";
import { RECHECK_BUDGET } from "./group-membership.js";
import { effectiveRoles, LISTENER_POLICY, type ListenerKey } from "./policy.js";
import type { Principal } from "./principal.js";

const HOME = "T0HOME";

function slackConfig(slack: Record<string, unknown>) {
  return parseConfig({ slack: { teamId: HOME, ...slack } }).slack;
}

function authorizer(slack: Record<string, unknown>, extra: Partial<AuthorizerOptions> = {}) {
  return createAuthorizer({
    slack: slackConfig(slack),
    listUsergroupMembers: async () => [],
    ...extra,
  });
}

const at = (userId: string, extra: Partial<Principal> = {}): Principal => ({
  userId,
  teamId: HOME,
  channelId: "C0SEC",
  ...extra,
});

async function allowed(auth: ReturnType<typeof createAuthorizer>, key: ListenerKey, who: Principal) {
  return (await auth.check(key, who)).ok;
}

describe("roles and their defaults", () => {
  it("are closed when nothing is configured: nobody may see, scan, request or approve", async () => {
    const auth = authorizer({});
    for (const key of Object.keys(LISTENER_POLICY) as ListenerKey[]) {
      const verdict = await auth.check(key, at("U0ANYONE"));
      expect(verdict.ok, key).toBe(LISTENER_POLICY[key].role === "none");
    }
    const refused = await auth.check("command:scan", at("U0ANYONE"));
    expect(refused).toMatchObject({ ok: false, code: "role", role: "scanners" });
    expect(refused.ok ? "" : refused.reason).toContain("nobody has it yet");
  });

  it("default requesters to approvers, scanners to requesters, viewers to all three", async () => {
    const roles = effectiveRoles(
      slackConfig({ approvers: { users: ["U0APP"] }, requesters: { usergroups: ["S0REQ"] } }),
    );
    expect([...roles.approvers.users]).toEqual(["U0APP"]);
    expect([...roles.requesters.usergroups]).toEqual(["S0REQ"]);
    expect([...roles.requesters.users]).toEqual([]);
    expect([...roles.scanners.usergroups]).toEqual(["S0REQ"]);
    expect([...roles.viewers.users]).toEqual(["U0APP"]);
    expect([...roles.viewers.usergroups]).toEqual(["S0REQ"]);
    const onlyApprovers = effectiveRoles(slackConfig({ approvers: { users: ["U0APP"] } }));
    expect([...onlyApprovers.requesters.users]).toEqual(["U0APP"]);
    expect([...onlyApprovers.scanners.users]).toEqual(["U0APP"]);
  });

  it("opens a role to the whole workspace only when it says `everyone: true`, never approvers", async () => {
    const auth = authorizer({ viewers: { everyone: true }, approvers: { users: ["U0APP"] } });
    expect(await allowed(auth, "command:findings", at("U0ANYONE"))).toBe(true);
    expect(await allowed(auth, "command:scan", at("U0ANYONE"))).toBe(false);
    expect(() => slackConfig({ approvers: { everyone: true } })).toThrow(/approvers/);
  });

  it("names the role needed and where it is configured", async () => {
    const auth = authorizer({ approvers: { users: ["U0APP"] }, requesters: { users: ["U0REQ"] } });
    const verdict = await auth.check("action:request:approve", at("U0REQ"));
    expect(verdict).toMatchObject({ ok: false, code: "role", role: "approvers" });
    expect(verdict.ok ? "" : verdict.reason).toBe(
      "You need the *approvers* role to approve, reject, retry or revert fixes. Ask an administrator to add you to `slack.approvers`.",
    );
    expect(await allowed(auth, "action:finding:fix", at("U0REQ"))).toBe(true);
    expect(await allowed(auth, "action:finding:fix", at("U0APP"))).toBe(false);
  });

  it("refuses an entry point that has no policy entry, and a request that names no user", async () => {
    const auth = authorizer({ viewers: { everyone: true } });
    expect(await auth.check("action:finding:explode", at("U0ANY"))).toMatchObject({
      ok: false,
      code: "no-policy",
    });
    expect(await auth.check("command:findings", undefined)).toMatchObject({ ok: false, code: "no-user" });
  });
});

describe("the workspace", () => {
  it("refuses another workspace, a foreign user in a shared channel, and another Grid organization", async () => {
    const auth = authorizer({ viewers: { everyone: true }, enterpriseId: "E0ORG" });
    const home = { enterpriseId: "E0ORG" };
    expect(await allowed(auth, "command:help", at("U1", home))).toBe(true);
    for (const who of [
      at("U1", { ...home, teamId: "T0EVIL" }),
      at("U1", { ...home, userTeamId: "T0EVIL" }),
      at("U1", { enterpriseId: "E0EVIL" }),
      at("U1"),
      at("U1", { ...home, teamId: undefined as unknown as string }),
    ]) {
      expect(await auth.check("command:help", who)).toMatchObject({ ok: false, code: "workspace" });
    }
  });

  it("uses the installing team (and its organization) from auth.test, asking again after a failure", async () => {
    let calls = 0;
    const auth = createAuthorizer({
      slack: parseConfig({ slack: { viewers: { everyone: true } } }).slack,
      listUsergroupMembers: async () => [],
      installation: async () => {
        calls += 1;
        if (calls === 1) throw new Error("network");
        return { teamId: "T0INST", enterpriseId: "E0INST" };
      },
    });
    const who = { userId: "U1", teamId: "T0INST", enterpriseId: "E0INST" };
    expect(await auth.check("command:help", who)).toMatchObject({ ok: false, code: "workspace" });
    expect(await auth.check("command:help", who)).toMatchObject({ ok: true });
    expect(await auth.check("command:help", { userId: "U1", teamId: "T0INST" })).toMatchObject({
      ok: false,
      code: "workspace",
    });
    expect(calls).toBe(2);
  });
});

describe("channels", () => {
  it("bind channel output to slack.scanChannels; modals and Home are not bound", async () => {
    const auth = authorizer({
      scanChannels: ["C0SEC"],
      viewers: { everyone: true },
      scanners: { everyone: true },
    });
    expect(await allowed(auth, "command:scan", at("U1"))).toBe(true);
    const elsewhere = await auth.check("command:findings", at("U1", { channelId: "C0OTHER" }));
    expect(elsewhere).toMatchObject({ ok: false, code: "channel" });
    expect(elsewhere.ok ? "" : elsewhere.reason).toContain("<#C0SEC>");
    expect(await allowed(auth, "command:status", at("U1", { channelId: "D0DM" }))).toBe(false);
    expect(await allowed(auth, "event:app_home_opened", at("U1", { channelId: undefined } as never))).toBe(
      true,
    );
    expect(await allowed(auth, "command:help", at("U1", { channelId: "C0OTHER" }))).toBe(true);
  });
});

describe("user group membership", () => {
  it("confirms every grant with a read, refuses a person found outside twice from the one-minute cache", async () => {
    let now = 0;
    let members = ["U0CAROL"];
    const lookups: string[] = [];
    const auth = authorizer(
      { approvers: { usergroups: ["S0APP"] } },
      {
        listUsergroupMembers: async (group) => {
          lookups.push(group);
          return members;
        },
        now: () => now,
      },
    );
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(true);
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(1);
    // Carol leaves the group: the next approval reads it again (the list still has her) and refuses her.
    members = [];
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(false);
    // She was inside the list before that read: one more read, in case she was only moved back and forth.
    expect(await allowed(auth, "action:request:revert", at("U0CAROL"))).toBe(false);
    expect(lookups).toHaveLength(3);
    // Found outside twice in a row: refused from the list for a minute, without reading.
    expect(await allowed(auth, "view:finding:suppress:modal", at("U0CAROL"))).toBe(false);
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(false);
    expect(lookups).toHaveLength(3);
    // And the reads refreshed what views see too.
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(false);
    // Added back, she waits for the minute to pass, never longer.
    members = ["U0CAROL"];
    now = 59_000;
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(false);
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(false);
    expect(lookups).toHaveLength(3);
    now = 61_000;
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(4);
  });

  it("lets someone removed and added back through at once (the list had them before the refusing read)", async () => {
    let members = ["U0CAROL"];
    let lookups = 0;
    const auth = authorizer(
      { approvers: { usergroups: ["S0APP"] } },
      {
        listUsergroupMembers: async () => {
          lookups += 1;
          return members;
        },
        now: () => 0,
      },
    );
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    members = [];
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(false);
    members = ["U0CAROL"];
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(lookups).toBe(3);
  });

  it("refuses, and asks again next time, when a group cannot be read or the read hangs", async () => {
    let mode: "fail" | "hang" | "ok" = "fail";
    const errors: string[] = [];
    const auth = authorizer(
      { approvers: { usergroups: ["S0APP"] } },
      {
        listUsergroupMembers: (group) => {
          if (mode === "fail") return Promise.reject(new Error("ratelimited"));
          if (mode === "hang") return new Promise(() => {});
          return Promise.resolve(group === "S0APP" ? ["U0CAROL"] : []);
        },
        lookupTimeoutMs: 50,
        onLookupError: (what) => errors.push(what),
      },
    );
    const failed = await auth.check("action:request:approve", at("U0CAROL"));
    expect(failed).toMatchObject({ ok: false, code: "lookup-failed", role: "approvers" });
    mode = "hang";
    expect(await auth.check("command:findings", at("U0CAROL"))).toMatchObject({
      ok: false,
      code: "lookup-failed",
    });
    mode = "ok";
    expect(await allowed(auth, "command:findings", at("U0CAROL"))).toBe(true);
    expect(errors).toEqual(["usergroup S0APP", "usergroup S0APP"]);
  });

  it("tells whether a user holds a role, for what views show", async () => {
    const auth = authorizer({ approvers: { users: ["U0APP"] } });
    expect(await auth.hasRole("U0APP", "approvers", "cached")).toBe(true);
    expect(await auth.hasRole("U0OTHER", "approvers", "cached")).toBe(false);
  });
});

describe("user group lookups under a flood of clicks", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Approvers are the group S0APP; `answer` is what each read of it does. */
  function flooded(answer: () => Promise<string[]>) {
    const lookups: string[] = [];
    const errors: unknown[] = [];
    const auth = authorizer(
      { approvers: { usergroups: ["S0APP"] } },
      {
        listUsergroupMembers: (group) => {
          lookups.push(group);
          return answer();
        },
        onLookupError: (_what, error) => errors.push(error),
      },
    );
    return { auth, lookups, errors };
  }

  it("shares one read between concurrent decisions (single-flight)", async () => {
    let release: (ids: string[]) => void = () => {};
    const { auth, lookups } = flooded(() => new Promise((resolve) => (release = resolve)));
    const pending = [
      ...Array.from({ length: 10 }, () => auth.check("action:request:approve", at("U0MALLORY"))),
      auth.check("action:request:approve", at("U0CAROL")),
      auth.check("command:findings", at("U0CAROL")),
    ];
    await vi.advanceTimersByTimeAsync(10);
    expect(lookups).toEqual(["S0APP"]);
    release(["U0CAROL"]);
    const verdicts = await Promise.all(pending);
    expect(verdicts.map((v) => v.ok)).toEqual([...Array(10).fill(false), true, true]);
    expect(verdicts[0]).toMatchObject({ code: "role" });
    expect(lookups).toHaveLength(1);
  });

  it("costs one read per minute for someone without the role clicking Approve over and over", async () => {
    const { auth, lookups } = flooded(async () => ["U0CAROL"]);
    for (let i = 0; i < 30; i += 1) {
      expect(await auth.check("action:request:approve", at("U0MALLORY"))).toMatchObject({
        ok: false,
        code: "role",
      });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    // 30 clicks over 30 seconds: one read. An approver's click is still confirmed by a read of its own.
    expect(lookups).toHaveLength(1);
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(2);
    // The refusal expires with the list: past the minute, the next click reads again (once).
    await vi.advanceTimersByTimeAsync(MEMBERSHIP_TTL_MS);
    expect(await allowed(auth, "action:request:approve", at("U0MALLORY"))).toBe(false);
    expect(await allowed(auth, "action:request:approve", at("U0MALLORY"))).toBe(false);
    expect(lookups).toHaveLength(3);
  });

  it("bounds the re-reads that many people without the role can cause, refusing from the list past that", async () => {
    const { auth, lookups } = flooded(async () => ["U0CAROL"]);
    const people = Array.from({ length: RECHECK_BUDGET + 5 }, (_, i) => `U0NOBODY${i}`);
    for (const who of people) expect(await allowed(auth, "action:request:approve", at(who))).toBe(false);
    // The first read, then one re-read per person up to the budget; the rest are refused from the list.
    expect(lookups).toHaveLength(1 + RECHECK_BUDGET);
    for (const who of people) expect(await allowed(auth, "action:request:approve", at(who))).toBe(false);
    expect(lookups).toHaveLength(1 + RECHECK_BUDGET);
    // Approvers are still confirmed by a read; the budget is for refusals only.
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(2 + RECHECK_BUDGET);
  });

  it("never remembers a failed read: not as membership, not as a refusal", async () => {
    let fail = true;
    const { auth, lookups } = flooded(() =>
      fail ? Promise.reject(new Error("fatal_error")) : Promise.resolve(["U0CAROL"]),
    );
    expect(await auth.check("action:request:approve", at("U0CAROL"))).toMatchObject({
      ok: false,
      code: "lookup-failed",
    });
    expect(await auth.check("action:request:approve", at("U0MALLORY"))).toMatchObject({
      ok: false,
      code: "lookup-failed",
    });
    expect(await auth.check("command:findings", at("U0CAROL"))).toMatchObject({ code: "lookup-failed" });
    expect(lookups).toHaveLength(3);
    fail = false;
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    // With a good list in hand, a failed confirmation still refuses: the list never grants a decision.
    fail = true;
    expect(await auth.check("action:request:approve", at("U0CAROL"))).toMatchObject({
      ok: false,
      code: "lookup-failed",
    });
    expect(lookups).toHaveLength(5);
  });

  it("asks Slack nothing for the Retry-After of a 429, refusing what needs a read meanwhile", async () => {
    let limited = true;
    const { auth, lookups } = flooded(() =>
      limited
        ? Promise.reject(Object.assign(new Error("rate limited"), { retryAfter: 5 }))
        : Promise.resolve(["U0CAROL"]),
    );
    expect(await auth.check("action:request:approve", at("U0CAROL"))).toMatchObject({
      code: "lookup-failed",
    });
    limited = false;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(await auth.check("action:request:approve", at("U0CAROL"))).toMatchObject({
      code: "lookup-failed",
    });
    expect(await auth.check("command:findings", at("U0CAROL"))).toMatchObject({ code: "lookup-failed" });
    expect(lookups).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(2);
  });

  it("gives up on a read that hangs after the timeout, and the next request reads again", async () => {
    let hang = true;
    const { auth, lookups } = flooded(() => (hang ? new Promise(() => {}) : Promise.resolve(["U0CAROL"])));
    const first = auth.check("action:request:approve", at("U0CAROL"));
    const joined = auth.check("action:request:approve", at("U0CAROL"));
    await vi.advanceTimersByTimeAsync(LOOKUP_TIMEOUT_MS);
    expect(await first).toMatchObject({ ok: false, code: "lookup-failed" });
    expect(await joined).toMatchObject({ ok: false, code: "lookup-failed" });
    expect(lookups).toHaveLength(1);
    hang = false;
    expect(await allowed(auth, "action:request:approve", at("U0CAROL"))).toBe(true);
    expect(lookups).toHaveLength(2);
  });
});

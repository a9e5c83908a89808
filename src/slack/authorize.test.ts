import { describe, expect, it } from "vitest";
import { createAuthorizer } from "./authorize.js";

const empty = { users: [], usergroups: [] };

describe("createAuthorizer", () => {
  it("lets anyone scan anywhere when nothing is configured", async () => {
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: empty },
      listUsergroupMembers: async () => [],
    });
    expect(await auth.canScan("U1", "C1")).toEqual({ ok: true });
    expect(await auth.canSuppress("U1")).toEqual({ ok: true });
  });

  it("limits scans to the configured channels", async () => {
    const auth = createAuthorizer({
      slack: { scanChannels: ["C0SEC"], scanners: empty },
      listUsergroupMembers: async () => [],
    });
    expect(await auth.canScan("U1", "C0SEC")).toEqual({ ok: true });
    expect(await auth.canScan("U1", "C0OTHER")).toEqual({
      ok: false,
      reason: "Scans can be started only in <#C0SEC>.",
    });
  });

  it("allows listed users and members of listed groups, caching members for the TTL", async () => {
    let now = 0;
    const lookups: string[] = [];
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: { users: ["U0ALICE"], usergroups: ["S0SEC"] } },
      listUsergroupMembers: async (group) => {
        lookups.push(group);
        return now < 1000 ? ["U0CAROL"] : [];
      },
      now: () => now,
      ttlMs: 1000,
    });
    expect(await auth.canScan("U0ALICE", "C1")).toEqual({ ok: true });
    expect(await auth.canScan("U0CAROL", "C1")).toEqual({ ok: true });
    expect((await auth.canScan("U0MALLORY", "C1")).ok).toBe(false);
    expect(lookups).toEqual(["S0SEC"]);
    now = 1000;
    expect((await auth.canScan("U0CAROL", "C1")).ok).toBe(false);
    expect(lookups).toEqual(["S0SEC", "S0SEC"]);
  });

  it("refuses, and retries next time, when a group cannot be read", async () => {
    let fail = true;
    const errors: string[] = [];
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: { users: [], usergroups: ["S0SEC"] } },
      listUsergroupMembers: async () => {
        if (fail) throw new Error("ratelimited");
        return ["U0CAROL"];
      },
      onLookupError: (group) => errors.push(group),
    });
    const refused = await auth.canSuppress("U0CAROL");
    expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining("could not be read") });
    expect(errors).toEqual(["S0SEC"]);
    fail = false;
    expect(await auth.canSuppress("U0CAROL")).toEqual({ ok: true });
  });
});

describe("canApprove", () => {
  const approvers = { users: ["U0ALICE"], usergroups: ["S0APP"] };

  it("allows listed approvers and group members from the configured workspace only", async () => {
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: empty, approvers, teamId: "T0HOME" },
      listUsergroupMembers: async () => ["U0CAROL"],
    });
    expect(await auth.canApprove("U0ALICE", "T0HOME")).toEqual({ ok: true });
    expect(await auth.canApprove("U0CAROL", "T0HOME")).toEqual({ ok: true });
    expect(await auth.canApprove("U0MALLORY", "T0HOME")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not an approver/),
    });
    expect(await auth.canApprove("U0ALICE", "T0OTHER")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/workspace/),
    });
    expect(await auth.canApprove("U0ALICE", undefined)).toMatchObject({ ok: false });
  });

  it("lets nobody approve when no approver is configured, and says so", async () => {
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: empty, teamId: "T0HOME" },
      listUsergroupMembers: async () => [],
    });
    expect(await auth.canApprove("U0ALICE", "T0HOME")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Nobody can approve.*slack\.approvers/),
    });
  });

  it("asks auth.test once for the installed workspace when no teamId is configured", async () => {
    let calls = 0;
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: empty, approvers },
      listUsergroupMembers: async () => [],
      installedTeamId: async () => {
        calls += 1;
        return "T0INST";
      },
    });
    expect(await auth.canApprove("U0ALICE", "T0INST")).toEqual({ ok: true });
    expect(await auth.canApprove("U0ALICE", "T0ELSE")).toMatchObject({ ok: false });
    expect(calls).toBe(1);
  });

  it("refuses when the workspace cannot be confirmed", async () => {
    const auth = createAuthorizer({
      slack: { scanChannels: [], scanners: empty, approvers },
      listUsergroupMembers: async () => [],
      installedTeamId: async () => {
        throw new Error("down");
      },
    });
    expect(await auth.canApprove("U0ALICE", "T0INST")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/could not be confirmed/),
    });
  });
});

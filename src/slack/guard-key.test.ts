import type { Context } from "@slack/bolt";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../config/load-config.js";
import type { Authorizer } from "./authorize.js";
import { allowedBy, policyMiddleware, REFUSED_ACTION, requestDestination } from "./guard.js";
import { AMBIGUOUS_KEY, findingActionOf, readIncoming } from "./principal.js";
import { createTaskTracker } from "./tasks.js";

const config = parseConfig({});
const REF = "f-0123456789ab";

function click(action: Record<string, unknown>) {
  return {
    type: "block_actions",
    user: { id: "U1", team_id: "T1" },
    team: { id: "T1" },
    channel: { id: "C1" },
    actions: [action],
  };
}

describe("the finding actions' policy key", () => {
  it("reads a button by its id only when it is a button, and the menu by its option", () => {
    expect(findingActionOf({ type: "button", action_id: "finding:details", value: REF })).toMatchObject({
      kind: "details",
      key: "action:finding:details",
    });
    expect(
      findingActionOf({
        type: "overflow",
        action_id: "finding:menu",
        selected_option: { value: `fix:${REF}` },
      }),
    ).toMatchObject({ kind: "fix", key: "action:finding:menu/fix", ref: REF });
    // A viewer's button id sent in the menu's shape: no entry point, so the guard refuses it.
    const forged = {
      type: "overflow",
      action_id: "finding:details",
      selected_option: { value: `fix:${REF}` },
    };
    expect(findingActionOf(forged)).toBeUndefined();
    expect(readIncoming(click(forged), config).key).toBe("action:finding:details/?");
    expect(
      readIncoming(click({ type: "button", action_id: "finding:menu", value: `fix:${REF}` }), config).key,
    ).toBe("action:finding:menu/?");
  });
});

describe("a body of more than one shape", () => {
  it("is refused as a whole, whoever Bolt would have acted for", () => {
    const mixed = {
      type: "event_callback",
      team_id: "T1",
      event: { type: "app_home_opened", user: "U9", tab: "home" },
      command: "/forecast-audit",
      text: "help",
      user_id: "U9",
    };
    expect(readIncoming(mixed, config)).toEqual({
      key: AMBIGUOUS_KEY,
      surface: "other",
      principal: { userId: "U9", teamId: "T1" },
    });
    const submitted = { ...click({ type: "button", action_id: "request:approve", value: "x" }) };
    expect(
      readIncoming({ ...submitted, type: "view_submission", view: { callback_id: "x" } }, config).key,
    ).toBe(AMBIGUOUS_KEY);
  });
});

describe("allowedBy", () => {
  async function guarded(body: unknown) {
    const audit = { record: vi.fn(async () => {}) };
    const tasks = createTaskTracker(pino({ level: "silent" }));
    const authorizer: Authorizer = {
      check: async (key, principal) =>
        principal
          ? { ok: true, key, principal, policy: { role: "none", does: "x", membership: "cached" } }
          : { ok: false, key, code: "no-user", reason: "no" },
      hasRole: async () => true,
    };
    const context = {} as Context;
    let ran = false;
    await policyMiddleware({ config, authorizer, audit, logger: pino({ level: "silent" }), tasks })({
      body,
      context,
      next: async () => {
        ran = true;
      },
      client: {},
    } as never);
    return { context, ran, audit, tasks };
  }

  it("gives the verdict only to the listener of the entry point it was given for, and audits a mismatch once", async () => {
    const body = { command: "/forecast-audit", text: "help", user_id: "U1", team_id: "T1", channel_id: "C1" };
    const { context, ran, audit, tasks } = await guarded(body);
    expect(ran).toBe(true);
    expect(allowedBy(context, "command:help")).toMatchObject({ ok: true, key: "command:help" });
    expect(allowedBy(context, "event:app_home_opened")).toBeUndefined();
    expect(allowedBy(context, "event:app_home_opened")).toBeUndefined();
    await tasks.idle();
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        actor: "slack:U1",
        action: REFUSED_ACTION,
        detail: expect.objectContaining({ code: "key-mismatch", listener: "command:help" }),
      }),
    );
    expect(allowedBy({} as Context, "command:help")).toBeUndefined();
  });
});

describe("requestDestination", () => {
  const slack = { scanChannels: ["C0SCANS"], approvalsChannel: undefined };
  it("posts in the approvals channel, else only in a configured scan channel (anywhere when none is)", () => {
    expect(requestDestination({ ...slack, approvalsChannel: "C0APPR" }, "C0OTHER")).toEqual({
      ok: true,
      channel: "C0APPR",
    });
    expect(requestDestination(slack, "C0SCANS")).toEqual({ ok: true, channel: "C0SCANS" });
    expect(requestDestination(slack, undefined)).toEqual({ ok: true, channel: undefined });
    expect(requestDestination(slack, "C0OTHER")).toMatchObject({ ok: false, code: "channel" });
    // No channel list configured: like a command's output, the request goes where Fix was clicked.
    expect(requestDestination({ scanChannels: [], approvalsChannel: undefined }, "C0OTHER")).toEqual({
      ok: true,
      channel: "C0OTHER",
    });
  });
});

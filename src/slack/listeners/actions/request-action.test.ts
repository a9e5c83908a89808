import { describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../ids.js";
import { parseRequestClick } from "./request-action.js";

const body = (extra: Record<string, unknown> = {}) => ({
  trigger_id: "1.2.abc",
  user: { id: "U0BOB", team_id: "T0HOME" },
  team: { id: "T0HOME" },
  channel: { id: "C0APPROVE" },
  container: { channel_id: "C0APPROVE", message_ts: "1700000000.000100" },
  ...extra,
});
const button = (actionId: string, value = "req_ABCDEFGHIJKLMNOPQRSTU") => ({
  type: "button",
  action_id: actionId,
  value,
});

describe("parseRequestClick", () => {
  it("reads the kind, the request id and who clicked from where", () => {
    expect(parseRequestClick(button(ACTION_IDS.requestApprove), body())).toEqual({
      kind: "approve",
      requestId: "req_ABCDEFGHIJKLMNOPQRSTU",
      userId: "U0BOB",
      teamId: "T0HOME",
      triggerId: "1.2.abc",
      channel: "C0APPROVE",
      ts: "1700000000.000100",
    });
  });

  it("gives no workspace when the payload's team and user's team disagree", () => {
    const click = parseRequestClick(
      button(ACTION_IDS.requestRevert),
      body({ user: { id: "U0BOB", team_id: "T0OTHER" } }),
    );
    expect(click?.teamId).toBeUndefined();
  });

  it("ignores values that are not request ids and actions that are not ours", () => {
    expect(parseRequestClick(button(ACTION_IDS.requestApprove, "<!channel>"), body())).toBeUndefined();
    expect(parseRequestClick(button("request:explode"), body())).toBeUndefined();
    expect(parseRequestClick(button(ACTION_IDS.requestApprove), { user: {} })).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import { readIncoming } from "./principal.js";

const config = parseConfig({});

describe("readIncoming", () => {
  it("reads a slash command's subcommand, user, workspace, organization and channel", () => {
    const body = {
      command: "/forecast-audit",
      text: "findings high",
      user_id: "U1",
      team_id: "T1",
      enterprise_id: "E1",
      channel_id: "C1",
    };
    expect(readIncoming(body, config)).toEqual({
      key: "command:findings",
      surface: "command",
      principal: { userId: "U1", teamId: "T1", enterpriseId: "E1", channelId: "C1" },
    });
    expect(readIncoming({ ...body, text: "" }, config).key).toBe("command:scan");
    expect(readIncoming({ ...body, text: "drop tables" }, config).key).toBe("command:usage");
  });

  it("reads a click: the action, the user's own workspace, and the opaque value as the target", () => {
    const click = {
      type: "block_actions",
      user: { id: "U1", team_id: "T2" },
      team: { id: "T1" },
      enterprise: null,
      container: { type: "message", channel_id: "C9" },
      actions: [{ action_id: "request:approve", value: "AbCdEfGhIjKlMnOpQrStUv" }],
    };
    expect(readIncoming(click, config)).toEqual({
      key: "action:request:approve",
      surface: "action",
      principal: { userId: "U1", teamId: "T1", userTeamId: "T2", channelId: "C9" },
      target: "AbCdEfGhIjKlMnOpQrStUv",
    });
    const menu = {
      ...click,
      actions: [{ action_id: "finding:menu", selected_option: { value: "suppress:ref123" } }],
    };
    expect(readIncoming(menu, config)).toMatchObject({
      key: "action:finding:menu/suppress",
      target: "ref123",
    });
    const forged = {
      ...click,
      actions: [{ action_id: "finding:menu", selected_option: { value: "delete:ref" } }],
    };
    expect(readIncoming(forged, config).key).toBe("action:finding:menu/?");
    expect(readIncoming({ ...click, actions: [] }, config).key).toBe("action:?");
    const evilValue = { ...click, actions: [{ action_id: "request:approve", value: "<!channel>" }] };
    expect(readIncoming(evilValue, config)).not.toHaveProperty("target");
  });

  it("reads a submission by its callback id and an event by its type", () => {
    const submission = {
      type: "view_submission",
      user: { id: "U1" },
      team: { id: "T1" },
      view: { callback_id: "finding:fix:modal" },
    };
    expect(readIncoming(submission, config)).toMatchObject({
      key: "view:finding:fix:modal",
      surface: "view",
    });
    const event = { type: "event_callback", team_id: "T1", event: { type: "app_home_opened", user: "U1" } };
    expect(readIncoming(event, config)).toEqual({
      key: "event:app_home_opened",
      surface: "event",
      principal: { userId: "U1", teamId: "T1" },
    });
    expect(readIncoming({ type: "shortcut" }, config)).toEqual({
      key: "other:shortcut",
      surface: "other",
      principal: undefined,
    });
  });
});

/** The Refresh button on the Home tab. */
import type { App, BlockAction } from "@slack/bolt";
import type { ListenerDeps } from "../../deps.js";
import { publishHome } from "../../home.js";
import { ACTION_IDS } from "../../ids.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION_IDS.homeRefresh, async ({ ack, body, client }) => {
    await ack();
    await publishHome(client, body.user.id, deps);
  });
}

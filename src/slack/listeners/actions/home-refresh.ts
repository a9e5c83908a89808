/** The Refresh button on the Home tab (viewers; others got a Home that says so). */
import type { App, BlockAction } from "@slack/bolt";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { publishHome } from "../../home.js";
import { ACTION_IDS } from "../../ids.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION_IDS.homeRefresh, async ({ ack, body, client, context }) => {
    await ack();
    if (!allowedBy(context, `action:${ACTION_IDS.homeRefresh}`)) return;
    await publishHome(client, body.user.id, deps);
  });
}

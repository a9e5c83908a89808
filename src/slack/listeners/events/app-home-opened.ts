/** Publishes the Home tab each time a viewer opens it, so it is never stale (others: see guard.ts). */
import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { publishHome } from "../../home.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, client, context }) => {
    if (event.tab !== "home" || !allowedBy(context, "event:app_home_opened")) return;
    await publishHome(client, event.user, deps);
  });
}

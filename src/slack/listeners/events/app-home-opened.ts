/** Publishes the Home tab each time a user opens it, so it is never stale. */
import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../../deps.js";
import { publishHome } from "../../home.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await publishHome(client, event.user, deps);
  });
}

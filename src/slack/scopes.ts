/**
 * The Web API methods this app calls and the bot scopes each needs. manifest.yml must ask for exactly
 * REQUIRED_BOT_SCOPES (a test compares them); add a method here whenever a listener starts calling one.
 */
export const WEB_API_METHOD_SCOPES = {
  "auth.test": [],
  "chat.postMessage": ["chat:write"],
  "chat.update": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  // The digest looks a page up by its message metadata before posting a slot again (public, private channels).
  "conversations.history": ["channels:history", "groups:history"],
  "conversations.replies": ["channels:history", "groups:history"],
  "usergroups.users.list": ["usergroups:read"],
  "views.open": [],
  "views.publish": [],
  "views.update": [],
} as const satisfies Record<string, readonly string[]>;

/** `commands` is for the slash command itself, which no Web API method stands for. */
export const REQUIRED_BOT_SCOPES: readonly string[] = [
  ...new Set(["commands", ...Object.values(WEB_API_METHOD_SCOPES).flat()]),
].sort();

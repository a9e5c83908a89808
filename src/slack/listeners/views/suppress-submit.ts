/** The submitted Suppress modal: validate, authorize, suppress, and tell the user where they clicked. */
import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../../deps.js";
import { publishHome } from "../../home.js";
import { CALLBACK_IDS } from "../../ids.js";
import type { SlackMessage } from "../../limits.js";
import { untrusted } from "../../mrkdwn.js";
import { parseSuppressSubmission } from "../../views/suppress-modal.js";
import { renderNotice } from "../../views/usage.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.suppressModal, async ({ ack, view, body, client }) => {
    // Field errors can only travel in the ack itself, so this pure, synchronous parse precedes it.
    const parsed = parseSuppressSubmission(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      return;
    }
    await ack();
    const userId = body.user.id;
    const { ref, channelId } = parsed.metadata;
    let notice: SlackMessage;
    const allowed = await deps.authorizer.canSuppress(userId);
    if (!allowed.ok) {
      notice = renderNotice(`:no_entry: ${allowed.reason}`);
    } else {
      const expiresAt = parsed.days > 0 ? new Date(deps.now().getTime() + parsed.days * DAY_MS) : undefined;
      const result = await deps.ports.suppressions.suppress({
        ref,
        userId,
        reason: parsed.reason,
        ...(expiresAt ? { expiresAt } : {}),
      });
      const record = await deps.ports.findings.findingByRef(ref);
      const what = record
        ? `*${untrusted(record.finding.title)}* on \`${untrusted(record.finding.resourceArn)}\``
        : "The finding";
      const until = parsed.days > 0 ? `for ${parsed.days} days` : "until someone lifts it";
      notice = result.ok
        ? renderNotice(`:zipper_mouth_face: ${what} is suppressed ${until}.`)
        : renderNotice(":x: The finding could not be suppressed.", result.reason);
    }
    if (channelId) await client.chat.postEphemeral({ channel: channelId, user: userId, ...notice });
    else await publishHome(client, userId, deps);
  });
}

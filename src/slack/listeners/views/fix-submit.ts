/**
 * The submitted Fix modal: record the request for exactly the plan shown, post it in the approvals channel
 * with Approve and Reject, and tell the requester where it went.
 */
import type { App } from "@slack/bolt";
import { describeSlackError } from "../../../digest/slack-retry.js";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy, requestDestination } from "../../guard.js";
import { CALLBACK_IDS } from "../../ids.js";
import { parseFixSubmission } from "../../views/fix-modal.js";
import {
  renderFixRefusal,
  renderFixRequestMessage,
  renderRequestPosted,
} from "../../views/fix-request-message.js";
import { approversConfigured, recordMalformed, recordSubmissionRefusal, tellUser } from "../fix-messages.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.fixModal, async ({ ack, view, body, client, context }) => {
    if (!allowedBy(context, `view:${CALLBACK_IDS.fixModal}`)) {
      await ack();
      return;
    }
    // Field errors travel only in the ack itself, so this pure parse precedes it.
    const parsed = parseFixSubmission(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      recordMalformed(deps, body.user.id, CALLBACK_IDS.fixModal, parsed.errors);
      return;
    }
    await ack();
    const userId = body.user.id;
    const { ref, fingerprint, choice } = parsed.metadata;
    // The channel in the metadata came back from the client: posted to only when the configuration allows it.
    const destination = requestDestination(deps.config.slack, parsed.metadata.channelId);
    deps.tasks.run("fix:request", async () => {
      const port = deps.ports.remediations;
      if (!destination.ok) {
        recordSubmissionRefusal(deps, userId, CALLBACK_IDS.fixModal, {
          code: destination.code,
          reason: destination.reason,
          target: ref,
        });
        // Told in a direct message: the channel named is the one refused.
        await tellUser(client, { user: userId }, renderFixRefusal(destination.reason));
        return;
      }
      const channelId = parsed.metadata.channelId;
      const where = { channel: channelId, user: userId };
      if (!port) {
        await tellUser(
          client,
          where,
          renderFixRefusal("Automated fixes are not enabled in this deployment."),
        );
        return;
      }
      const channel = destination.channel;
      if (!channel) {
        await tellUser(
          client,
          where,
          renderFixRefusal(
            "No approvals channel is configured (`slack.approvalsChannel`); request the fix from a channel instead.",
          ),
        );
        return;
      }
      const answer = await port.request({
        ref,
        userId,
        fingerprint,
        ...(choice !== undefined ? { choice } : {}),
        ...(parsed.reason ? { reason: parsed.reason } : {}),
      });
      if (!answer.ok) {
        // A stale plan, a forged fingerprint or choice, a finding gone: refused and audited.
        recordSubmissionRefusal(deps, userId, CALLBACK_IDS.fixModal, {
          code: answer.code,
          reason: answer.reason,
          target: ref,
        });
        await tellUser(client, where, renderFixRefusal(answer.reason));
        return;
      }
      const message = renderFixRequestMessage(answer.request, {
        now: deps.now(),
        approversConfigured: approversConfigured(deps),
      });
      let posted: Awaited<ReturnType<typeof client.chat.postMessage>>;
      try {
        posted = await client.chat.postMessage({ channel, ...message });
      } catch (error) {
        // Nobody can approve a request whose message is not in Slack: withdrawn at once (audited), so that it
        // does not hold up the next request for this finding until it expires.
        const why = describeSlackError(error);
        deps.logger.warn({ requestId: answer.request.id, err: error }, "could not post a fix request");
        await port.withdraw(answer.request.id, `its approval message could not be posted: ${why}`);
        await tellUser(
          client,
          where,
          renderFixRefusal(
            `The request could not be posted for approval (${why}), so nothing was requested. Try again.`,
          ),
        );
        return;
      }
      if (posted.ts) await port.setMessage(answer.request.id, posted.channel ?? channel, posted.ts);
      await tellUser(client, where, renderRequestPosted(answer.request, channel));
    });
  });
}

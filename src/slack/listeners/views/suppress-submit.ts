/**
 * The submitted Suppress modal (requesters, membership read fresh): validate, then suppress at once or,
 * for "until lifted" and critical or high findings, post a request to the approvals channel that an
 * approver other than the requester must approve. Tell the user where they clicked; announce what applied.
 */

import type { App } from "@slack/bolt";
import { describeSlackError } from "../../../digest/slack-retry.js";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy, requestDestination } from "../../guard.js";
import { publishHome } from "../../home.js";
import { CALLBACK_IDS } from "../../ids.js";
import type { SlackMessage } from "../../limits.js";
import { untrusted, untrustedCode } from "../../mrkdwn.js";
import { parseSuppressSubmission } from "../../views/suppress-modal.js";
import {
  renderSuppressed,
  renderSuppressionRefusal,
  renderSuppressionRequested,
  renderSuppressionRequestMessage,
} from "../../views/suppression-messages.js";
import { recordMalformed, recordSubmissionRefusal, tellUser } from "../fix-messages.js";
import { announceSuppressions } from "../schedule/suppression-announcements.js";

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.suppressModal, async ({ ack, view, body, client, context }) => {
    if (!allowedBy(context, `view:${CALLBACK_IDS.suppressModal}`)) {
      await ack();
      return;
    }
    // Field errors can only travel in the ack itself, so this pure, synchronous parse precedes it.
    const maxDays = deps.config.slack.suppression.maxDays;
    const parsed = parseSuppressSubmission(view.private_metadata, view.state.values, maxDays);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      recordMalformed(deps, body.user.id, CALLBACK_IDS.suppressModal, parsed.errors);
      return;
    }
    await ack();
    const userId = body.user.id;
    const { ref, channelId } = parsed.metadata;
    // The channel in the metadata came back from the client: posted to only when the configuration allows it.
    const destination = requestDestination(deps.config.slack, channelId);
    deps.tasks.run("suppress", async () => {
      if (!destination.ok) {
        recordSubmissionRefusal(deps, userId, CALLBACK_IDS.suppressModal, {
          code: destination.code,
          reason: destination.reason,
          target: ref,
        });
        // Told in a direct message: the channel named is the one refused. Nothing is suppressed or requested.
        await tellUser(client, { user: userId }, renderSuppressionRefusal(destination.reason));
        return;
      }
      const answer = await deps.ports.suppressions.suppress({
        ref,
        userId,
        reason: parsed.reason,
        ...(parsed.days !== undefined ? { days: parsed.days } : {}),
      });
      let notice: SlackMessage;
      if (!answer.ok) {
        recordSubmissionRefusal(deps, userId, CALLBACK_IDS.suppressModal, {
          code: answer.code,
          reason: answer.reason,
          target: ref,
        });
        notice = renderSuppressionRefusal(answer.reason);
      } else if (answer.kind === "requested") {
        const channel = destination.channel;
        if (channel) {
          try {
            const posted = await client.chat.postMessage({
              channel,
              ...renderSuppressionRequestMessage(answer.request, deps.now()),
            });
            if (posted.ts) {
              await deps.ports.suppressions.setMessage(
                answer.request.id,
                posted.channel ?? channel,
                posted.ts,
              );
            }
            notice = renderSuppressionRequested(answer.request, channel);
          } catch (error) {
            // Nobody can approve a request whose message is not in Slack: withdrawn at once (audited), so that
            // it does not hold up the next request for this finding until it expires.
            const why = describeSlackError(error);
            deps.logger.warn(
              { requestId: answer.request.id, err: error },
              "could not post a suppression request",
            );
            await deps.ports.suppressions.withdraw(
              answer.request.id,
              `its approval message could not be posted: ${why}`,
            );
            notice = renderSuppressionRefusal(
              `The request could not be posted for approval (${why}), so nothing was requested. Try again.`,
            );
          }
        } else {
          notice = renderSuppressionRefusal(
            "The suppression waits for approval, but no approvals channel is configured (`slack.approvalsChannel`): ask an approver to look for it, or suppress from a channel.",
          );
        }
      } else {
        const record = await deps.ports.findings.findingByRef(ref);
        const what = record
          ? `*${untrusted(record.finding.title)}* on ${untrustedCode(record.finding.resourceArn)}`
          : "The finding";
        notice = renderSuppressed(what, parsed.days);
        await announceSuppressions(client, deps);
      }
      if (channelId) await client.chat.postEphemeral({ channel: channelId, user: userId, ...notice });
      else await publishHome(client, userId, deps);
    });
  });
}

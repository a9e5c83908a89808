/**
 * What the fix and suppression listeners share: updating a request's message, telling one user something,
 * and auditing a submission that was refused after the policy let it through (stale, forged, malformed).
 */
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "../deps.js";
import type { SlackMessage } from "../limits.js";
import type { FixRequestView } from "../ports.js";
import { renderFixRequestMessage } from "../views/fix-request-message.js";

export function approversConfigured(deps: ListenerDeps): boolean {
  const { approvers } = deps.config.slack;
  return approvers.users.length > 0 || approvers.usergroups.length > 0;
}

/** Re-renders the request's message where it was posted (or where it was clicked, for older rows). */
export async function updateRequestMessage(
  client: WebClient,
  deps: ListenerDeps,
  request: FixRequestView,
  fallback?: { channel?: string | undefined; ts?: string | undefined },
): Promise<void> {
  const channel = request.channel ?? fallback?.channel;
  const ts = request.ts ?? fallback?.ts;
  if (!channel || !ts) return;
  const message = renderFixRequestMessage(request, {
    now: deps.now(),
    approversConfigured: approversConfigured(deps),
  });
  await client.chat.update({ channel, ts, ...message });
}

/** An ephemeral message in the channel when there is one, else a direct message from the app. */
export async function tellUser(
  client: WebClient,
  where: { channel?: string | undefined; user: string },
  message: SlackMessage,
): Promise<void> {
  if (where.channel) {
    await client.chat.postEphemeral({ channel: where.channel, user: where.user, ...message });
  } else {
    await client.chat.postMessage({ channel: where.user, ...message });
  }
}

/** Drift: the requester is asked, in the request's thread, to ask again. */
export async function askToRequestAgain(client: WebClient, request: FixRequestView): Promise<void> {
  if (!request.channel || !request.ts) return;
  const mention = /^[UW][A-Z0-9]{2,}$/.test(request.requestedBy) ? `<@${request.requestedBy}> ` : "";
  await client.chat.postMessage({
    channel: request.channel,
    thread_ts: request.ts,
    text: `${mention}The resource changed after this fix was requested, so nothing was applied. Open Fix on the finding again to request it with a fresh plan.`,
  });
}

/** The audit action of a refused submission: the policy allowed the person, the content was refused. */
export const SUBMISSION_REFUSED = "submission.refused";

/** Audits a refused submission in the background (the ack has gone); a failure is logged. */
export function recordSubmissionRefusal(
  deps: Pick<ListenerDeps, "ports" | "tasks">,
  userId: string,
  listener: string,
  detail: { code: string; reason: string; target?: string },
): void {
  const { target, ...rest } = detail;
  deps.tasks.run("audit:submission", () =>
    deps.ports.audit.record({
      actor: `slack:${userId}`,
      action: SUBMISSION_REFUSED,
      target: target ?? `view:${listener}`,
      detail: { listener: `view:${listener}`, ...rest },
    }),
  );
}

/** A submission whose fields or metadata did not parse: its form errors are audited too. */
export function recordMalformed(
  deps: Pick<ListenerDeps, "ports" | "tasks">,
  userId: string,
  listener: string,
  errors: Record<string, string>,
): void {
  recordSubmissionRefusal(deps, userId, listener, {
    code: "malformed",
    reason: Object.values(errors).join(" "),
  });
}

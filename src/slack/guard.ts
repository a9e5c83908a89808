/**
 * The policy applied to every request before any listener runs (a global Bolt middleware): the request's
 * entry point and principal are read from the signed body, checked by the authorizer, and a refusal is
 * acknowledged, explained to the person where they clicked or typed, and audited (`access.refused`, actor
 * `slack:<USERID>`). Nothing else runs for it. An allowed request carries its verdict to the listener, which
 * acts only when the verdict is for its own entry point (allowedBy): a request the guard read as one entry
 * point and Bolt routed to another is refused there too. A body of two shapes (an event that is also a
 * command) never gets a verdict (principal.ts).
 */
import type { AnyMiddlewareArgs, Context, Middleware } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Authorizer, Verdict } from "./authorize.js";
import { mentionChannel } from "./mrkdwn.js";
import type { AuditPort } from "./ports.js";
import { type IncomingRequest, readIncoming } from "./principal.js";
import type { TaskTracker } from "./tasks.js";
import { renderRefusal, renderRefusalHome, renderRefusalModal } from "./views/refusal.js";

export const REFUSED_ACTION = "access.refused";

type Allowed = Extract<Verdict, { ok: true }>;
type Refused = Extract<Verdict, { ok: false }>;

export interface GuardDeps {
  config: Pick<Config, "accounts">;
  authorizer: Authorizer;
  audit: AuditPort;
  logger: Logger;
  tasks: TaskTracker;
}

const VERDICT = "forecastAuditVerdict";
const MISMATCH = "forecastAuditKeyMismatch";

/**
 * The verdict the guard left for this request, when it was given for `expected`: the listener's own entry
 * point, derived from what the listener is about to do. A listener that finds none, or a verdict for another
 * entry point (the guard read the request one way and Bolt routed it another), refuses: nothing runs, and a
 * mismatch is logged and audited as a refusal (`access.refused`, code `key-mismatch`).
 */
export function allowedBy(context: Context, expected: string): Allowed | undefined {
  const verdict = context[VERDICT] as Verdict | undefined;
  if (verdict?.ok && verdict.key === expected) return verdict;
  const report = context[MISMATCH] as ((expected: string) => void) | undefined;
  report?.(expected);
  return undefined;
}

export type RequestDestination =
  | { ok: true; channel: string | undefined }
  | { ok: false; code: "channel"; reason: string };

/**
 * Where a submitted fix or suppression request is posted: `slack.approvalsChannel`; without one, the channel
 * the modal's metadata names, only when it is one of `slack.scanChannels` (where the findings it was opened
 * from are shown). The metadata comes back from the client and can be forged, so a channel outside the
 * configuration is refused, never posted to. `channel: undefined`: the metadata names none (the Home tab).
 */
export function requestDestination(
  slack: Pick<Config["slack"], "approvalsChannel" | "scanChannels">,
  metadataChannel: string | undefined,
): RequestDestination {
  if (slack.approvalsChannel) return { ok: true, channel: slack.approvalsChannel };
  if (metadataChannel === undefined) return { ok: true, channel: undefined };
  // With no scan channels configured, output of channel-bound entry points may land in any channel (the
  // policy's rule for commands too); configuring either list bounds where requests can be posted.
  if (slack.scanChannels.length === 0 || slack.scanChannels.includes(metadataChannel)) {
    return { ok: true, channel: metadataChannel };
  }
  const where = `in one of ${slack.scanChannels.map(mentionChannel).join(", ")} (\`slack.scanChannels\`)`;
  return {
    ok: false,
    code: "channel",
    reason: `Requests are posted only ${where}; ${mentionChannel(metadataChannel)} is not one of them, so nothing was requested.`,
  };
}

type Ack = (response?: unknown) => Promise<void>;
type Respond = (message: Record<string, unknown>) => Promise<unknown>;

interface BodyShape {
  container?: { type?: string; view_id?: string; channel_id?: string };
  view?: { id?: string; type?: string };
  channel?: { id?: string };
  response_url?: string;
  type?: string;
}

async function tell(
  client: WebClient,
  body: BodyShape,
  incoming: IncomingRequest,
  verdict: Refused,
  respond: Respond | undefined,
): Promise<void> {
  const user = incoming.principal?.userId;
  const message = renderRefusal(verdict.reason);
  if (incoming.surface === "command") {
    await respond?.({ response_type: "ephemeral", replace_original: false, ...message });
    return;
  }
  if (incoming.key === "event:app_home_opened" && user) {
    await client.views.publish({ user_id: user, view: renderRefusalHome(verdict.reason) });
    return;
  }
  if (incoming.surface !== "action" || !user) return;
  if (body.container?.type === "view" || (body.view?.id && !body.channel?.id)) {
    if (body.view?.type === "home") {
      await client.views.publish({ user_id: user, view: renderRefusalHome(verdict.reason) });
    } else if (body.view?.id) {
      await client.views.update({ view_id: body.view.id, view: renderRefusalModal(verdict.reason) });
    }
    return;
  }
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (channel) {
    await client.chat.postEphemeral({ channel, user, ...message });
    return;
  }
  await respond?.({ response_type: "ephemeral", replace_original: false, ...message });
}

export function policyMiddleware(deps: GuardDeps): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, context, next, client } = args;
    const incoming = readIncoming(body, deps.config);
    const verdict = await deps.authorizer.check(incoming.key, incoming.principal);
    if (verdict.ok) {
      context[VERDICT] = verdict;
      let reported = false;
      context[MISMATCH] = (expected: string) => {
        if (reported) return;
        reported = true;
        refuseMismatch(deps, incoming, expected);
      };
      await next();
      return;
    }
    const ack = (args as { ack?: Ack }).ack;
    const respond = (args as { respond?: Respond }).respond;
    if (incoming.surface === "view") {
      await ack?.({ response_action: "update", view: renderRefusalModal(verdict.reason) });
    } else {
      await ack?.();
    }
    const p = incoming.principal;
    deps.logger.info(
      { listener: incoming.key, code: verdict.code, user: p?.userId },
      "refused a Slack request",
    );
    deps.tasks.run("refusal", async () => {
      const detail = refusalDetail(incoming, { code: verdict.code });
      if (verdict.role) detail.role = verdict.role;
      const [told, audited] = await Promise.allSettled([
        incoming.surface === "view"
          ? Promise.resolve()
          : tell(client, body as BodyShape, incoming, verdict, respond),
        deps.audit.record({
          actor: `slack:${p?.userId ?? "unknown"}`,
          action: REFUSED_ACTION,
          target: incoming.target ?? incoming.key,
          detail,
        }),
      ]);
      if (told.status === "rejected")
        deps.logger.warn({ err: told.reason }, "could not tell a user about a refusal");
      if (audited.status === "rejected") throw audited.reason;
    });
  };
}

function refusalDetail(incoming: IncomingRequest, extra: Record<string, unknown>): Record<string, unknown> {
  const p = incoming.principal;
  const detail: Record<string, unknown> = { listener: incoming.key, ...extra };
  if (p?.teamId) detail.teamId = p.teamId;
  if (p?.userTeamId) detail.userTeamId = p.userTeamId;
  if (p?.enterpriseId) detail.enterpriseId = p.enterpriseId;
  if (p?.channelId) detail.channelId = p.channelId;
  return detail;
}

/** A listener found the verdict given for another entry point than its own: logged and audited, once. */
function refuseMismatch(deps: GuardDeps, incoming: IncomingRequest, expected: string): void {
  const p = incoming.principal;
  deps.logger.warn(
    { listener: incoming.key, expected, user: p?.userId },
    "refused a Slack request allowed for another entry point than the listener's",
  );
  deps.tasks.run("refusal", () =>
    deps.audit.record({
      actor: `slack:${p?.userId ?? "unknown"}`,
      action: REFUSED_ACTION,
      target: incoming.target ?? expected,
      detail: refusalDetail(incoming, { code: "key-mismatch", expected }),
    }),
  );
}

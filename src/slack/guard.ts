/**
 * The policy applied to every request before any listener runs (a global Bolt middleware): the request's
 * entry point and principal are read from the signed body, checked by the authorizer, and a refusal is
 * acknowledged, explained to the person where they clicked or typed, and audited (`access.refused`, actor
 * `slack:<USERID>`). Nothing else runs for it. An allowed request carries its verdict to the listener.
 */
import type { AnyMiddlewareArgs, Context, Middleware } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Authorizer, Verdict } from "./authorize.js";
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

/** The verdict the guard left for this request; a listener that finds none refuses (it was not guarded). */
export function allowedBy(context: Context): Allowed | undefined {
  const verdict = context[VERDICT] as Verdict | undefined;
  return verdict?.ok ? verdict : undefined;
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
      const detail: Record<string, unknown> = { listener: incoming.key, code: verdict.code };
      if (verdict.role) detail.role = verdict.role;
      if (p?.teamId) detail.teamId = p.teamId;
      if (p?.userTeamId) detail.userTeamId = p.userTeamId;
      if (p?.enterpriseId) detail.enterpriseId = p.enterpriseId;
      if (p?.channelId) detail.channelId = p.channelId;
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

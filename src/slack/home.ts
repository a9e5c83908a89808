/**
 * Gathers what the App Home tab shows for one viewer and publishes it; the approvals waiting are listed
 * only for an approver. Callers have checked that the user is a viewer.
 */
import type { WebClient } from "@slack/web-api";
import type { ListenerDeps } from "./deps.js";
import { renderAppHome } from "./views/app-home.js";

export async function publishHome(
  client: { views: Pick<WebClient["views"], "publish"> },
  userId: string,
  deps: Pick<ListenerDeps, "ports" | "now" | "authorizer">,
): Promise<void> {
  const { findings, approvals, scans } = deps.ports;
  const [posture, lastScan, topFindings, pending] = await Promise.all([
    findings.posture(),
    findings.lastScan(),
    findings.openFindings({ limit: 10 }).then((page) => page.records),
    deps.authorizer
      .hasRole(userId, "approvers", "cached")
      .then((approver) => (approver ? approvals.pendingFor(userId) : [])),
  ]);
  const view = renderAppHome({
    userId,
    posture,
    lastScan,
    running: scans.running(),
    topFindings,
    approvals: pending,
    generatedAt: deps.now(),
  });
  await client.views.publish({ user_id: userId, view });
}

/** Adapts the suppression flow and the announcement outbox to the Slack app's `suppressions` port. */
import { randomUUID } from "node:crypto";
import { findingKey } from "../domain/finding.js";
import { isSeverity } from "../domain/severity.js";
import type {
  FindingRecord as SlackFindingRecord,
  SuppressionRefusal as SlackRefusal,
  SuppressionService as SlackSuppressionService,
  SuppressionAnnouncementView,
  SuppressionRequestView,
} from "../slack/ports.js";
import { parseFindingKey } from "../store/suppression-match.js";
import {
  ANNOUNCEMENT_CLAIM_LEASE_MS,
  type Store,
  type Suppression,
  type SuppressionAnnouncement,
  type SuppressionRequest,
} from "../store/types.js";
import { approvalNeeded, type SuppressionFlow, type SuppressionRefusal } from "./suppression-flow.js";

type FindingView = SuppressionRequestView["finding"];

async function findingView(store: Store, key: string): Promise<FindingView | undefined> {
  const record = await store.getFinding(key);
  if (record) {
    return {
      controlId: record.controlId,
      accountId: record.accountId,
      region: record.region,
      resourceArn: record.resourceArn,
      severity: record.severity,
      title: record.title,
    };
  }
  return undefined;
}

export async function toSuppressionRequestView(
  store: Store,
  request: SuppressionRequest,
): Promise<SuppressionRequestView> {
  const parsed = parseFindingKey(request.findingKey);
  const finding = (await findingView(store, request.findingKey)) ?? {
    controlId: parsed?.controlId ?? "unknown",
    accountId: parsed?.accountId ?? "unknown",
    region: parsed?.region ?? "unknown",
    resourceArn: parsed?.resourceArn ?? request.findingKey,
    severity: isSeverity(request.severity) ? request.severity : "critical",
    title: parsed?.controlId ?? "Finding",
  };
  const view: SuppressionRequestView = {
    id: request.id,
    state: request.state,
    finding,
    reason: request.reason,
    why: approvalNeeded(request.severity, request.durationDays) ?? "it was asked for",
    requestedBy: request.requester,
    requestedAt: new Date(request.createdAt),
    expiresAt: new Date(request.expiresAt),
  };
  if (request.durationDays !== undefined) view.days = request.durationDays;
  if (request.approver) view.approvedBy = request.approver;
  if (request.rejecter) view.rejectedBy = request.rejecter;
  if (request.suppressionId) view.suppressionId = request.suppressionId;
  if (request.slackChannel) view.channel = request.slackChannel;
  if (request.slackTs) view.ts = request.slackTs;
  return view;
}

async function toAnnouncementView(
  store: Store,
  announcement: SuppressionAnnouncement,
  now: Date,
): Promise<SuppressionAnnouncementView> {
  const s: Suppression = announcement.suppression;
  const ended = announcement.kind === "ended";
  const kind = !ended ? "suppressed" : s.removedAt ? "lifted" : "expired";
  const view: SuppressionAnnouncementView = {
    kind,
    suppressionId: s.id,
    target: s.findingKey ?? `${s.controlId} on ${s.resourcePattern ?? "*"}`,
    reason: s.reason,
    handle: announcement,
  };
  const by = kind === "suppressed" ? s.createdBy : kind === "lifted" ? s.removedBy : undefined;
  if (by) view.by = by;
  if (s.approvedBy) view.approvedBy = s.approvedBy;
  if (s.expiresAt && (kind === "suppressed" || Date.parse(s.expiresAt) <= now.getTime())) {
    view.expiresAt = new Date(s.expiresAt);
  }
  if (s.findingKey) {
    const finding = await findingView(store, s.findingKey);
    if (finding) view.finding = finding;
  }
  return view;
}

export interface SuppressionPortDeps {
  flow: SuppressionFlow;
  store: Store;
  /** The findings port's ref → finding lookup (buttons and modals carry refs, never keys). */
  findingByRef(ref: string): Promise<SlackFindingRecord | undefined>;
  now?: () => Date;
  /** Who claims announcements (default: a random id per service, i.e. per process). */
  claimer?: string;
}

export function createSuppressionService(deps: SuppressionPortDeps): SlackSuppressionService {
  const { flow, store } = deps;
  const now = deps.now ?? (() => new Date());
  // Names this process's claims on announcements: a give-back counts only for the claim's own holder.
  const claimer = deps.claimer ?? randomUUID();
  const view = (request: SuppressionRequest) => toSuppressionRequestView(store, request);

  async function refusal(r: SuppressionRefusal): Promise<SlackRefusal> {
    const out: SlackRefusal = { ok: false, code: r.code, reason: r.reason };
    if (r.request) out.request = await view(r.request);
    return out;
  }

  return {
    async suppress(input) {
      const record = await deps.findingByRef(input.ref);
      if (!record) {
        return {
          ok: false,
          code: "not-found",
          reason: "That finding is no longer known; run a scan and try again.",
        };
      }
      const done = await flow.suppress({
        findingKey: findingKey(record.finding),
        actor: `slack:${input.userId}`,
        reason: input.reason,
        ...(input.days !== undefined ? { days: input.days } : {}),
      });
      if (!done.ok) return refusal(done);
      if (done.kind === "requested")
        return { ok: true, kind: "requested", request: await view(done.request) };
      return {
        ok: true,
        kind: "suppressed",
        suppressionId: done.suppression.id,
        ...(done.suppression.expiresAt ? { expiresAt: new Date(done.suppression.expiresAt) } : {}),
      };
    },
    async get(requestId) {
      const request = await flow.get(requestId);
      return request ? view(request) : undefined;
    },
    async setMessage(requestId, channel, ts) {
      await store.setSuppressionRequestMessage(requestId, channel, ts);
    },
    async withdraw(requestId, reason) {
      await store.withdrawSuppressionRequest(requestId, reason);
    },
    async approve(click) {
      const done = await flow.approve({
        requestId: click.requestId,
        actor: `slack:${click.userId}`,
        authorization: click.authorization,
      });
      return done.ok ? { ok: true, request: await view(done.request) } : refusal(done);
    },
    async reject(click) {
      const done = await flow.reject({
        requestId: click.requestId,
        actor: `slack:${click.userId}`,
        authorization: click.authorization,
      });
      return done.ok ? { ok: true, request: await view(done.request) } : refusal(done);
    },
    async expireDue() {
      return Promise.all((await flow.expireDue()).map(view));
    },
    async takeAnnouncements() {
      const staleBefore = new Date(now().getTime() - ANNOUNCEMENT_CLAIM_LEASE_MS).toISOString();
      const claimed = await store.leaseSuppressionAnnouncements(claimer, staleBefore);
      return Promise.all(claimed.map((a) => toAnnouncementView(store, a, now())));
    },
    async releaseAnnouncement(announcement) {
      await store.settleSuppressionAnnouncement(
        announcement.handle as SuppressionAnnouncement,
        claimer,
        false,
      );
    },
    async confirmAnnouncement(announcement) {
      await store.settleSuppressionAnnouncement(
        announcement.handle as SuppressionAnnouncement,
        claimer,
        true,
      );
    },
  };
}

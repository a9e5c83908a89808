/** Adapts the remediation flow to the Slack app's narrow `remediations` port (src/slack/ports.ts). */
import { randomUUID } from "node:crypto";
import { findingKey } from "../domain/finding.js";
import type { Plan, PlanChoice } from "../domain/remediation.js";
import { isSeverity } from "../domain/severity.js";
import { remediationById } from "../remediations/catalog.js";
import type {
  ApprovalsQuery,
  FixChoiceIndex,
  FixPlanChoice,
  FixPlanView,
  FixRequestView,
  PendingApproval,
  RemediationsPort,
  FindingRecord as SlackFindingRecord,
} from "../slack/ports.js";
import { parseFindingKey } from "../store/suppression-match.js";
import type { RemediationRequest, Store } from "../store/types.js";
import { flowResult, storedPlanOf } from "./decisions.js";
import type { RemediationFlow } from "./remediation-flow.js";
import { type Principal, type RequestOptions, refuse } from "./types.js";

/** The plan's choice as indexes into its candidates: the modal never holds an ARN or a tag key as a value. */
export function toPlanChoice(choice: PlanChoice): FixPlanChoice {
  const out: FixPlanChoice = {
    kind: choice.option === "kmsKeyArn" ? "kms-key" : "tag-key",
    labels: choice.candidates.map((c) => c.label),
  };
  const selected = choice.candidates.findIndex((c) => c.value === choice.selected);
  if (selected >= 0) out.selected = selected;
  return out;
}

/** The option a choice index stands for, resolved against a fresh plan's candidates. */
export function optionsForChoice(
  choice: PlanChoice | undefined,
  index: FixChoiceIndex,
): RequestOptions | undefined {
  const picked = choice?.candidates[index];
  if (!choice || !picked) return undefined;
  return choice.option === "kmsKeyArn" ? { kmsKeyArn: picked.value } : { tagKey: picked.value };
}

export function toPlanView(
  plan: Pick<Plan, "steps" | "refusal" | "before" | "after" | "diff" | "notes" | "fingerprint" | "choice">,
): FixPlanView {
  const view: FixPlanView = {
    // Only what people read: never a step's input (it may carry tag values) nor the prior state.
    steps: plan.steps.map((s) => ({
      service: s.service,
      operation: s.operation,
      region: s.region,
      description: s.description,
    })),
    before: plan.before,
    after: plan.after,
    notes: plan.notes,
    fingerprint: plan.fingerprint,
  };
  if (plan.refusal !== undefined) view.refusal = plan.refusal;
  if (plan.diff !== undefined) view.diff = plan.diff;
  if (plan.choice !== undefined && plan.choice.candidates.length > 0) view.choice = toPlanChoice(plan.choice);
  return view;
}

export async function toRequestView(store: Store, request: RemediationRequest): Promise<FixRequestView> {
  const record = await store.getFinding(request.findingKey);
  const parsed = parseFindingKey(request.findingKey);
  const stored = storedPlanOf(request);
  const severity = record?.severity;
  const view: FixRequestView = {
    id: request.id,
    state: request.state,
    remediationId: request.remediationId,
    remediationTitle: remediationById(request.remediationId)?.title ?? request.remediationId,
    finding: {
      controlId: record?.controlId ?? parsed?.controlId ?? "unknown",
      accountId: record?.accountId ?? parsed?.accountId ?? "unknown",
      region: record?.region ?? parsed?.region ?? "unknown",
      resourceArn: record?.resourceArn ?? parsed?.resourceArn ?? request.findingKey,
      severity: severity && isSeverity(severity) ? severity : "medium",
      title: record?.title ?? parsed?.controlId ?? "Finding",
    },
    requestedBy: request.requester,
    requestedAt: new Date(request.createdAt),
    expiresAt: new Date(request.expiresAt),
    updatedAt: new Date(request.updatedAt),
    plan: stored
      ? toPlanView(stored)
      : {
          steps: [],
          before: "",
          after: "",
          notes: [],
          fingerprint: request.planFingerprint,
          refusal: "The stored plan is unreadable.",
        },
  };
  const reason = (request.plan as { requestReason?: unknown } | null)?.requestReason;
  if (typeof reason === "string") view.requestReason = reason;
  if (request.approver) view.approvedBy = request.approver;
  if (request.rejecter) view.rejectedBy = request.rejecter;
  if (request.rejecter && request.reason) view.rejectReason = request.reason;
  const result = flowResult(request);
  if (result) {
    const out: NonNullable<FixRequestView["result"]> = { phase: result.phase, stepsDone: result.stepsDone };
    if (result.outcome) out.outcome = result.outcome;
    if (result.error) out.error = result.error;
    if (result.failedStep) out.failedStep = result.failedStep;
    if (result.action) out.action = result.action;
    if (result.recheck) out.recheck = { status: result.recheck.status, detail: result.recheck.detail };
    if (result.by) out.by = result.by;
    if (result.revert) {
      const revert: NonNullable<typeof out.revert> = {
        mode: result.revert.mode,
        steps: result.revert.steps,
        notes: result.revert.notes,
      };
      if (result.revert.diff !== undefined) revert.diff = result.revert.diff;
      out.revert = revert;
    }
    view.result = out;
  }
  if (request.slackChannel) view.channel = request.slackChannel;
  if (request.slackTs) view.ts = request.slackTs;
  return view;
}

export interface RemediationsPortDeps {
  flow: RemediationFlow;
  store: Store;
  /** The findings port's ref → finding lookup (buttons carry refs, never keys). */
  findingByRef(ref: string): Promise<SlackFindingRecord | undefined>;
  /** Who claims interrupted-fix announcements (this replica); random by default. */
  claimer?: string;
}

export function createRemediationsPort(deps: RemediationsPortDeps): RemediationsPort {
  const { flow, store } = deps;
  const claimer = deps.claimer ?? `announce-${randomUUID()}`;
  const slackUser = (userId: string, teamId?: string): Principal =>
    teamId ? { kind: "slack", userId, teamId } : { kind: "slack", userId };
  const view = (request: RemediationRequest) => toRequestView(store, request);

  async function answer(result: Awaited<ReturnType<RemediationFlow["approveRequest"]>>) {
    if (result.ok) return { ok: true as const, request: await view(result.request) };
    const out: { ok: false; code: string; reason: string; request?: FixRequestView } = {
      ok: false,
      code: result.code,
      reason: result.reason,
    };
    if (result.request) out.request = await view(result.request);
    return out;
  }

  async function keyOf(ref: string): Promise<string | undefined> {
    const record = await deps.findingByRef(ref);
    return record ? findingKey(record.finding) : undefined;
  }

  const gone = {
    ok: false as const,
    code: "not-found",
    reason: "That finding is no longer known; run a scan and try again.",
  };
  const stale = {
    ok: false as const,
    code: "choice-gone",
    reason: "That choice is no longer offered (the resource changed); open Fix again.",
  };

  /** The options a choice index stands for, from a fresh plan: the index is all Slack ever sends. */
  async function resolveChoice(
    key: string,
    choice: FixChoiceIndex | undefined,
  ): Promise<{ ok: true; options?: RequestOptions } | { ok: false; code: string; reason: string }> {
    if (choice === undefined) return { ok: true };
    const made = await flow.preview(key);
    if (!made.ok) return { ok: false, code: made.code, reason: made.reason };
    const options = optionsForChoice(made.preview.plan.choice, choice);
    return options ? { ok: true, options } : stale;
  }

  return {
    async preview(ref, choice) {
      const key = await keyOf(ref);
      if (!key) return gone;
      const resolved = await resolveChoice(key, choice);
      if (!resolved.ok) return resolved;
      const made = await flow.preview(key, resolved.options);
      if (!made.ok) return { ok: false, code: made.code, reason: made.reason };
      const record = await deps.findingByRef(ref);
      if (!record) return gone;
      return {
        ok: true,
        preview: {
          finding: record.finding,
          remediationTitle: made.preview.remediation.title,
          plan: toPlanView(made.preview.plan),
        },
      };
    },
    async request(input) {
      const key = await keyOf(input.ref);
      if (!key) return gone;
      const resolved = await resolveChoice(key, input.choice);
      if (!resolved.ok) return resolved;
      const made = await flow.requestFix({
        findingKey: key,
        requester: slackUser(input.userId),
        expectedFingerprint: input.fingerprint,
        ...(resolved.options ? { options: resolved.options } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      });
      return made.ok ? { ok: true, request: await view(made.request) } : answer(made);
    },
    async get(requestId) {
      const request = await flow.getRequest(requestId);
      return request ? view(request) : undefined;
    },
    async setMessage(requestId, channel, ts) {
      await store.setRequestMessage(requestId, channel, ts);
    },
    async withdraw(requestId, reason) {
      await flow.withdrawRequest(requestId, reason);
    },
    async approve(click) {
      return answer(
        await flow.approveRequest({
          requestId: click.requestId,
          actor: slackUser(click.userId, click.teamId),
          authorization: click.authorization,
          ...(click.onStarted ? { onStarted: async (r) => click.onStarted?.(await view(r)) } : {}),
        }),
      );
    },
    async reject(click) {
      return answer(
        await flow.rejectRequest({
          requestId: click.requestId,
          actor: slackUser(click.userId, click.teamId),
          authorization: click.authorization,
          reason: click.reason,
        }),
      );
    },
    async retry(click) {
      return answer(
        await flow.retryRequest({
          requestId: click.requestId,
          actor: slackUser(click.userId, click.teamId),
          authorization: click.authorization,
          ...(click.onStarted ? { onStarted: async (r) => click.onStarted?.(await view(r)) } : {}),
        }),
      );
    },
    async revert(click) {
      return answer(
        await flow.revertRequest({
          requestId: click.requestId,
          actor: slackUser(click.userId, click.teamId),
          authorization: click.authorization,
          ...(click.onStarted ? { onStarted: async (r) => click.onStarted?.(await view(r)) } : {}),
        }),
      );
    },
    async recordRefusal(input) {
      await flow.recordRefusal(
        slackUser(input.userId),
        input.action,
        input.requestId,
        refuse("not-authorized", input.reason),
      );
    },
    async expireDue() {
      return Promise.all((await flow.expireRequests()).map(view));
    },
    async takeInterrupted() {
      // The recovery sweep first (fixes whose lease ran out), then the outbox: once across replicas.
      await flow.recoverCutOff();
      return Promise.all((await flow.claimInterrupted(claimer)).map(view));
    },
    async settleInterrupted(requestId, announced) {
      await flow.settleInterrupted(requestId, claimer, announced);
    },
  };
}

/**
 * App Home's "approvals waiting for you": pending, unexpired requests that someone else asked for (under
 * four-eyes). Listed users see them; with user groups configured, everyone does, since membership is checked
 * on the click itself.
 */
export function createApprovalsPort(
  store: Store,
  slack: { approvers: { users: readonly string[]; usergroups: readonly string[] }; fourEyes: boolean },
  now: () => Date = () => new Date(),
): ApprovalsQuery {
  return {
    async pendingFor(userId) {
      const { users, usergroups } = slack.approvers;
      if (!users.includes(userId) && usergroups.length === 0) return [];
      const pending = await store.listRequests({ states: ["pending"] });
      const open = pending.filter(
        (r) => Date.parse(r.expiresAt) > now().getTime() && !(slack.fourEyes && r.requester === userId),
      );
      const views = await Promise.all(open.map((r) => toRequestView(store, r)));
      return views.map(
        (v): PendingApproval => ({
          id: v.id,
          remediationId: v.remediationId,
          finding: v.finding,
          requestedBy: v.requestedBy,
          requestedAt: v.requestedAt,
          expiresAt: v.expiresAt,
        }),
      );
    },
  };
}

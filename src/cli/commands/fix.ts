/**
 * `forecast-audit fix FINDING`: prints the plan of a fix from a fresh read (`--dry-run`, the default), or
 * applies it with the account's remediation role (`--apply --yes`), re-checks the control and records the
 * local user as requester and approver in the audit log. It goes through the same request states as Slack.
 */
import type { Command } from "commander";
import { findingId, isFindingId } from "../../domain/finding.js";
import type { Plan } from "../../domain/remediation.js";
import { maskArn, maskSensitive } from "../../domain/sensitive.js";
import type { FlowResult, RequestOptions } from "../../remediation-flow/types.js";
import type { RemediationRequest } from "../../store/types.js";
import type { CliDeps } from "../deps.js";
import { CliError, EXIT_FAILED_FINDINGS, EXIT_OK } from "../errors.js";
import { loadCliConfig } from "../load-cli-config.js";
import { checkFindingKey, resolveFindingArg } from "./finding-arg.js";

interface FixOptions {
  dryRun?: boolean;
  apply?: boolean;
  yes?: boolean;
  kmsKey?: string;
  tagKey?: string;
  config?: string;
  logLevel?: string;
}

const MAX_DOCUMENT_LINES = 80;

function clip(text: string): string {
  const lines = maskSensitive(text).split("\n");
  if (lines.length <= MAX_DOCUMENT_LINES) return lines.join("\n");
  return [...lines.slice(0, MAX_DOCUMENT_LINES), `… (${lines.length - MAX_DOCUMENT_LINES} more lines)`].join(
    "\n",
  );
}

/** The plan as text: the calls, the change, the notes; never a step's raw input nor the prior state. */
export function renderPlanText(plan: Plan, title: string): string {
  const out = [
    `Fix: ${title} (${plan.remediationId})`,
    `Finding: ${findingId(plan.finding)} (${maskArn(plan.finding.resourceArn)})`,
  ];
  if (plan.refusal !== undefined) {
    out.push(`Refused: ${maskSensitive(plan.refusal)}`);
  } else if (plan.steps.length === 0) {
    out.push("Nothing to do: the resource already holds.");
  } else {
    out.push(`Plan (${plan.steps.length} API call${plan.steps.length === 1 ? "" : "s"}):`);
    plan.steps.forEach((s, i) => {
      out.push(`  ${i + 1}. ${s.service}:${s.operation} in ${s.region} — ${maskSensitive(s.description)}`);
    });
    if (plan.diff !== undefined && plan.diff.trim() !== "") out.push("Change:", clip(plan.diff));
    else if (plan.before !== plan.after) out.push("Before:", clip(plan.before), "After:", clip(plan.after));
  }
  for (const note of plan.notes) out.push(`Note: ${maskSensitive(note)}`);
  return `${out.join("\n")}\n`;
}

export function renderOutcomeText(request: RemediationRequest): string {
  const result = request.result as FlowResult | undefined;
  const lines = [`Request ${request.id}: ${request.state}`];
  if (result?.stepsDone.length) lines.push(`Steps done: ${result.stepsDone.join(", ")}`);
  if (result?.failedStep) lines.push(`Failed at: ${result.failedStep}`);
  if (result?.error) lines.push(`Error: ${maskSensitive(result.error)}`);
  if (result?.recheck)
    lines.push(`Re-check: ${result.recheck.status} — ${maskSensitive(result.recheck.detail)}`);
  if (request.state === "failed" && result?.outcome === "step-failed") {
    lines.push("Every step is safe to run again: run the same command to retry from the start.");
  }
  return `${lines.join("\n")}\n`;
}

export function registerFixCommand(program: Command, deps: CliDeps): void {
  program
    .command("fix <finding>")
    .description(
      "Show the plan that fixes a finding (--dry-run, the default), or apply it (--apply --yes). FINDING is a finding id (f-…, as `findings` shows it) or a finding key: control|account|region|resource.",
    )
    .option("--dry-run", "print the plan from a fresh read; change nothing (default)")
    .option("--apply", "apply the plan with the account's remediation role, then re-check the control")
    .option("--yes", "confirm --apply (required: the fix changes the account)")
    .option("--kms-key <arn>", "s3-bucket-attach-kms-key: the customer-managed key to use")
    .option("--tag-key <key>", "forecast-remove-sensitive-tag: the one tag key to remove")
    .action(async (finding: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<FixOptions>();
      if (opts.apply && opts.dryRun) throw new CliError("use --dry-run or --apply, not both.");
      if (opts.apply && !opts.yes) {
        throw new CliError(
          "--apply changes the account: add --yes to confirm (see the plan with --dry-run).",
        );
      }
      // Shape, control and masked text are checked before the configuration is even read.
      if (!isFindingId(finding.trim())) checkFindingKey(finding.trim(), "FINDING");
      const options: RequestOptions = {};
      if (opts.kmsKey) options.kmsKeyArn = opts.kmsKey;
      if (opts.tagKey) options.tagKey = opts.tagKey;
      const { config } = await loadCliConfig({ path: opts.config, env: deps.env, cwd: deps.cwd });
      const logger = deps.createLogger(opts.logLevel ?? "warn");
      const store = await deps.openStore(config);
      let key: string;
      try {
        key = (await resolveFindingArg(store, finding, "FINDING")).key;
      } catch (error) {
        await store.close();
        throw error;
      }
      const runtime = await deps.createAuditRuntime(config, { sessionName: `cli-${deps.localUser}`, logger });
      try {
        // The local user holds the credentials already; four-eyes is Slack's control, not the terminal's.
        const { createLiveRemediationFlow } = await import("../../remediation-flow/live.js");
        const flow = createLiveRemediationFlow({
          config,
          store,
          factory: runtime.factory,
          logger,
          now: () => deps.now(),
          fourEyes: false,
        });
        const actor = { kind: "cli", user: deps.localUser } as const;
        if (!opts.apply) {
          const made = await flow.preview(key, options);
          if (!made.ok) throw new CliError(made.reason);
          deps.stdout(renderPlanText(made.preview.plan, made.preview.remediation.title));
          deps.setExitCode(made.preview.plan.refusal === undefined ? EXIT_OK : EXIT_FAILED_FINDINGS);
          return;
        }
        // A fix of this finding whose process stopped mid-way (an earlier `fix --apply` killed, a replica gone)
        // holds no lease any more: marked interrupted (or failed if it had not started) so it no longer
        // blocks this one; an approver can Retry or Revert it from Slack. One another process runs is kept.
        for (const cut of await flow.recoverCutOff()) {
          if (cut.findingKey !== key) continue;
          deps.stderr(
            `Request ${cut.id} for this finding was cut off part-way (its process stopped) and is now marked ${cut.state}; Retry or Revert it from Slack. Planning again from a fresh read.\n`,
          );
        }
        const requested = await flow.requestFix({ findingKey: key, requester: actor, options });
        if (!requested.ok) throw new CliError(requested.reason);
        deps.stdout(renderPlanText(requested.plan, requested.request.remediationId));
        const applied = await flow.approveRequest({
          requestId: requested.request.id,
          actor,
          authorization: { ok: true },
        });
        if (!applied.ok) throw new CliError(applied.reason);
        deps.stdout(renderOutcomeText(applied.request));
        const result = applied.request.result as FlowResult | undefined;
        deps.setExitCode(
          applied.request.state === "applied" && result?.recheck?.status === "PASS"
            ? EXIT_OK
            : EXIT_FAILED_FINDINGS,
        );
      } finally {
        runtime.destroy();
        await store.close();
      }
    });
}

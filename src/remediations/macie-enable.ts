/** Enables Amazon Macie in the region (or resumes it when paused), so the buckets holding Forecast data are watched. */
import { z } from "zod";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  nothingToRevert,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";

const ID = "macie-enable";

export const MACIE_COST_NOTE =
  "Cost: Macie bills per S3 bucket it evaluates (bucket inventory and monitoring) and per GB of objects it inspects (automated discovery and classification jobs); the first 30 days are a free trial. See https://aws.amazon.com/macie/pricing/ and, once enabled, the Usage page of the Macie console for this account's estimate.";

const priorStateSchema = z.object({
  region: z.string(),
  /** The session status before the fix; null when Macie was not enabled. */
  status: z.string().nullable(),
});
type PriorState = z.infer<typeof priorStateSchema>;

const describe = (region: string, status: string | null) =>
  `Amazon Macie in ${region}: ${status ?? "not enabled"}.`;

export const macieEnable = defineRemediation({
  id: ID,
  title: "Enable Amazon Macie",
  fixes: ["macie-enabled"],
  permissions: ["iam:CreateServiceLinkedRole", "macie2:EnableMacie", "macie2:UpdateMacieSession"],
  revertPermissions: ["macie2:DisableMacie", "macie2:UpdateMacieSession"],

  plan(finding, account): Plan {
    const region = finding.region;
    const regional = account.regions.find((r) => r.region === region);
    if (!regional) return refusePlan(ID, finding, null, `The region ${region} is not in the inventory.`);
    const session = regional.macie.session;
    const readState = { region, session };
    const problem = unreadable(session, "The Macie session");
    if (problem || !session.ok) return refusePlan(ID, finding, readState, `${problem}.`);
    const status = session.value?.status ?? null;
    if (status === "ENABLED")
      return compliantPlan(ID, finding, readState, describe(region, status), "Macie is enabled.");
    const priorState: PriorState = { region, status };
    const resume = status === "PAUSED";
    return buildPlan(ID, finding, readState, {
      steps: [
        resume
          ? step(
              "macie2",
              "UpdateMacieSession",
              region,
              { status: "ENABLED" },
              `Resume Amazon Macie in ${region}.`,
            )
          : step(
              "macie2",
              "EnableMacie",
              region,
              { status: "ENABLED", findingPublishingFrequency: "FIFTEEN_MINUTES" },
              `Enable Amazon Macie in ${region}.`,
            ),
      ],
      before: describe(region, status),
      after: describe(region, "ENABLED"),
      notes: [
        MACIE_COST_NOTE,
        resume
          ? "Macie was paused: resuming keeps its existing findings, jobs and settings."
          : "Enabling Macie creates its service-linked role and starts monitoring every bucket of the account in this region; automated discovery may start by default.",
        "Revert warning: disabling Macie deletes its findings, classification jobs and settings for good, so a revert pauses Macie instead when it had been enabled before.",
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    if (prior.status === null) {
      return buildRevertPlan(plan, {
        steps: [step("macie2", "DisableMacie", prior.region, {}, `Disable Amazon Macie in ${prior.region}.`)],
        before: describe(prior.region, "ENABLED"),
        after: describe(prior.region, null),
        notes: [
          "Warning: disabling Macie permanently deletes every finding, classification job, allow list and setting it has in this region (it was not enabled before the fix, so nothing older is lost).",
        ],
      });
    }
    return buildRevertPlan(plan, {
      steps: [
        step(
          "macie2",
          "UpdateMacieSession",
          prior.region,
          { status: prior.status },
          `Set Amazon Macie in ${prior.region} back to ${prior.status}.`,
        ),
      ],
      before: describe(prior.region, "ENABLED"),
      after: describe(prior.region, prior.status),
      notes: ["Pausing keeps Macie's findings and settings; it only stops its monitoring and jobs."],
    });
  },

  revertState(plan, account) {
    const regional = account.regions.find((r) => r.region === plan.finding.region);
    const session = regional?.macie.session;
    return { status: session?.ok ? (session.value?.status ?? null) : sliceState(session) };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const session = account.regions.find((r) => r.region === prior.region)?.macie.session;
    if (!session?.ok) return refuseRevert(plan, cannotReadNow(session, "The Macie session"));
    const status = session.value?.status ?? null;
    if (status !== "ENABLED") {
      return refuseRevert(
        plan,
        `Amazon Macie in ${prior.region} is ${status ?? "not enabled"} now, no longer as the fix left it (ENABLED), so there is nothing to take back.`,
      );
    }
    return macieEnable.revertPlan(plan);
  },
});

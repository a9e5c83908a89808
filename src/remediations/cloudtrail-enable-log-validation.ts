/** Turns on log file validation for the trail, so tampering with delivered logs can be detected. */
import { z } from "zod";
import type { AccountInventory, TrailInventory } from "../domain/inventory.js";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  nothingToRevert,
  priorStateOf,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  step,
  trailsInRegion,
} from "./plan-kit.js";

const ID = "cloudtrail-enable-log-validation";

const priorStateSchema = z.object({
  trailName: z.string(),
  trailArn: z.string(),
  homeRegion: z.string(),
  logFileValidationEnabled: z.boolean(),
});
type PriorState = z.infer<typeof priorStateSchema>;

/** The trail itself when the finding names it; for a region-level finding, the multi-region trail that logs. */
function findTrail(finding: Plan["finding"], account: AccountInventory): TrailInventory | undefined {
  const named = account.trails[finding.resourceArn];
  if (named) return named;
  const listed = trailsInRegion(account, finding.region);
  if (!listed?.ok) return undefined;
  const multiRegion = listed.value.filter((trail) => trail.isMultiRegion);
  return (
    multiRegion.find(
      (trail) => trail.status.ok && trail.status.value.isLogging && !trail.logFileValidationEnabled,
    ) ??
    multiRegion.find((trail) => !trail.logFileValidationEnabled) ??
    multiRegion[0]
  );
}

const describe = (trail: { name: string }, on: boolean) =>
  `Log file validation of trail ${trail.name}: ${on ? "on" : "off"}.`;

export const cloudtrailEnableLogValidation = defineRemediation({
  id: ID,
  title: "Turn on CloudTrail log file validation",
  fixes: ["cloudtrail-log-file-validation"],
  permissions: ["cloudtrail:UpdateTrail"],
  revertPermissions: ["cloudtrail:UpdateTrail"],

  plan(finding, account): Plan {
    const trail = findTrail(finding, account);
    if (!trail)
      return refusePlan(ID, finding, null, `No trail for ${finding.resourceArn} is in the inventory.`);
    const readState = { ...trail };
    if (trail.arn.split(":")[4] !== account.accountId) {
      return refusePlan(
        ID,
        finding,
        readState,
        `The trail ${trail.arn} belongs to another account; change it there.`,
      );
    }
    if (trail.logFileValidationEnabled) {
      return compliantPlan(
        ID,
        finding,
        readState,
        describe(trail, true),
        "log file validation is already on.",
      );
    }
    const priorState: PriorState = {
      trailName: trail.name,
      trailArn: trail.arn,
      homeRegion: trail.homeRegion,
      logFileValidationEnabled: false,
    };
    return buildPlan(ID, finding, readState, {
      steps: [
        step(
          "cloudtrail",
          "UpdateTrail",
          trail.homeRegion,
          { Name: trail.name, EnableLogFileValidation: true },
          `Turn on log file validation for trail ${trail.name}.`,
        ),
      ],
      before: describe(trail, false),
      after: describe(trail, true),
      notes: [
        "CloudTrail then delivers an hourly digest file next to the logs; validate with `aws cloudtrail validate-logs`. Logs delivered before this change are not covered.",
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior || prior.logFileValidationEnabled) return nothingToRevert(plan);
    return buildRevertPlan(plan, {
      steps: [
        step(
          "cloudtrail",
          "UpdateTrail",
          prior.homeRegion,
          { Name: prior.trailName, EnableLogFileValidation: false },
          `Turn log file validation for trail ${prior.trailName} off again, as it was.`,
        ),
      ],
      before: describe({ name: prior.trailName }, true),
      after: describe({ name: prior.trailName }, false),
      notes: ["Digest files already delivered stay in the bucket."],
    });
  },

  revertState(plan, account) {
    const prior = priorStateOf(priorStateSchema, plan);
    const trail = prior ? account.trails[prior.trailArn] : undefined;
    return { validation: trail?.logFileValidationEnabled ?? null };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior || prior.logFileValidationEnabled) return nothingToRevert(plan);
    const trail = account.trails[prior.trailArn];
    if (!trail) return refuseRevert(plan, cannotReadNow(undefined, `Trail ${prior.trailName}`));
    if (!trail.logFileValidationEnabled) {
      return refuseRevert(
        plan,
        `Log file validation of trail ${prior.trailName} was turned off since the fix, so there is nothing to take back.`,
      );
    }
    return cloudtrailEnableLogValidation.revertPlan(plan);
  },
});

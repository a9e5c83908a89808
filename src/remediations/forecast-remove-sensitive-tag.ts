/**
 * Removes the tags of a Forecast resource that look like personal or secret data. The removed tags are kept
 * in the prior state so a revert can put them back, but their values are never shown.
 */
import { z } from "zod";
import { parseArn } from "../domain/arn.js";
import type { Tag } from "../domain/inventory.js";
import { defineRemediation, type Plan, type PlanChoice } from "../domain/remediation.js";
import { detectSensitiveTag, maskSensitive } from "../domain/sensitive.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findForecastResource,
  nothingToRevert,
  priorStateOf,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";

const ID = "forecast-remove-sensitive-tag";
export const MASKED_VALUE = "••••••";

const priorStateSchema = z.object({
  resourceArn: z.string(),
  region: z.string(),
  /** Sensitive: the removed tags with their values, for the revert only. */
  removedTags: z.array(z.object({ key: z.string(), value: z.string() })),
});
type PriorState = z.infer<typeof priorStateSchema>;

/** The same test the tag control applies, so the fix removes exactly the tags the finding is about. */
export function isFlaggedTag(tag: Tag): boolean {
  return detectSensitiveTag(tag).length > 0;
}

/** One line per tag: keys masked where they look sensitive, values of the removed tags never shown. */
function describeTags(tags: readonly Tag[], hidden: ReadonlySet<string>): string {
  if (tags.length === 0) return "No tags.";
  return tags
    .map(
      (tag) => `${maskSensitive(tag.key)} = ${hidden.has(tag.key) ? MASKED_VALUE : maskSensitive(tag.value)}`,
    )
    .join("\n");
}

export const forecastRemoveSensitiveTag = defineRemediation({
  id: ID,
  title: "Remove tags that hold personal or secret data",
  fixes: ["forecast-tags-no-sensitive-data"],
  permissions: ["forecast:UntagResource"],
  revertPermissions: ["forecast:TagResource"],

  plan(finding, account, options): Plan {
    const resource = findForecastResource(account, finding.resourceArn);
    if (!resource)
      return refusePlan(ID, finding, null, `The resource ${finding.resourceArn} is not in the inventory.`);
    const asked = options.tagKey;
    // The fingerprint covers the tag chosen too: a submission that asks for another tag than the plan shown
    // is refused as a changed plan. Without a choice it is what it always was (requests made before still match).
    const readState =
      asked === undefined
        ? { arn: resource.arn, tags: resource.tags }
        : { arn: resource.arn, tags: resource.tags, tagKey: asked };
    const problem = unreadable(resource.tags, "The resource's tags");
    if (problem || !resource.tags.ok) return refusePlan(ID, finding, readState, `${problem}.`);
    const tags = resource.tags.value;
    const region = parseArn(resource.arn)?.region || finding.region;
    const flagged = tags.filter(isFlaggedTag);
    // Labels are the raw keys: whoever shows them masks them (a key can itself be the sensitive part).
    const offered: PlanChoice = {
      option: "tagKey",
      candidates: flagged.map((tag) => ({ value: tag.key, label: tag.key })),
    };
    if (asked !== undefined) offered.selected = asked;
    const offer = (made: Plan): Plan => (flagged.length > 0 ? { ...made, choice: offered } : made);
    const remove = asked === undefined ? tags.filter(isFlaggedTag) : tags.filter((tag) => tag.key === asked);
    if (remove.length === 0) {
      const why =
        asked === undefined
          ? "no tag looks like personal or secret data."
          : `the resource has no tag ${maskSensitive(asked)}.`;
      return offer(compliantPlan(ID, finding, readState, describeTags(tags, new Set()), why));
    }
    const removedKeys = new Set(remove.map((tag) => tag.key));
    const priorState: PriorState = {
      resourceArn: resource.arn,
      region,
      removedTags: remove.map((t) => ({ ...t })),
    };
    return offer(
      buildPlan(ID, finding, readState, {
        steps: [
          step(
            "forecast",
            "UntagResource",
            region,
            { ResourceArn: resource.arn, TagKeys: remove.map((tag) => tag.key) },
            `Remove ${remove.length} tag(s) from ${resource.name}: ${remove.map((tag) => maskSensitive(tag.key)).join(", ")}.`,
          ),
        ],
        before: describeTags(tags, removedKeys),
        after: describeTags(
          tags.filter((tag) => !removedKeys.has(tag.key)),
          removedKeys,
        ),
        notes: [
          "The removed tags (values included) are kept in this plan's prior state so that a revert can restore them; that state is as sensitive as the tags and is never shown.",
          "Tags that cost-allocation reports or IAM conditions rely on stop applying to this resource.",
        ],
        priorState,
      }),
    );
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior || prior.removedTags.length === 0) return nothingToRevert(plan);
    return buildRevertPlan(plan, {
      steps: [
        step(
          "forecast",
          "TagResource",
          prior.region,
          {
            ResourceArn: prior.resourceArn,
            Tags: prior.removedTags.map((tag) => ({ Key: tag.key, Value: tag.value })),
          },
          `Put back ${prior.removedTags.length} removed tag(s): ${prior.removedTags.map((tag) => maskSensitive(tag.key)).join(", ")}.`,
        ),
      ],
      before: plan.after,
      after: plan.before,
      notes: ["This puts the sensitive tags back, values included: the control will fail again."],
    });
  },

  revertState(plan, account) {
    const prior = priorStateOf(priorStateSchema, plan);
    const resource = prior ? findForecastResource(account, prior.resourceArn) : undefined;
    return { tags: sliceState(resource?.tags) };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior || prior.removedTags.length === 0) return nothingToRevert(plan);
    const resource = findForecastResource(account, prior.resourceArn);
    if (!resource?.tags.ok) return refuseRevert(plan, cannotReadNow(resource?.tags, "The resource's tags"));
    // A tag key set again since the fix holds someone's newer value: it is kept, never overwritten.
    const present = new Set(resource.tags.value.map((tag) => tag.key));
    const putBack = prior.removedTags.filter((tag) => !present.has(tag.key));
    const retagged = prior.removedTags.filter((tag) => present.has(tag.key));
    if (putBack.length === 0) {
      return refuseRevert(
        plan,
        `Every tag the fix removed (${retagged.map((t) => maskSensitive(t.key)).join(", ")}) was set again since, so there is nothing to put back.`,
      );
    }
    const notes = ["This puts the sensitive tags back, values included: the control will fail again."];
    if (retagged.length > 0) {
      notes.push(
        `The resource's tags changed since the fix: ${retagged.map((t) => maskSensitive(t.key)).join(", ")} was set again since and keeps its current value.`,
      );
    }
    const hidden = new Set(prior.removedTags.map((tag) => tag.key));
    return buildRevertPlan(plan, {
      steps: [
        step(
          "forecast",
          "TagResource",
          prior.region,
          {
            ResourceArn: prior.resourceArn,
            Tags: putBack.map((tag) => ({ Key: tag.key, Value: tag.value })),
          },
          `Put back ${putBack.length} removed tag(s): ${putBack.map((tag) => maskSensitive(tag.key)).join(", ")}.`,
        ),
      ],
      before: describeTags(resource.tags.value, hidden),
      after: describeTags([...resource.tags.value, ...putBack], hidden),
      notes,
    });
  },
});

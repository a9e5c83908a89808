/** Turns on all four Block Public Access settings of the bucket. */
import { z } from "zod";
import type { PublicAccessBlock } from "../domain/inventory.js";
import { defineRemediation, type Plan } from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findBucket,
  nothingToRevert,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";

const ID = "s3-bucket-block-public-access";

const pabSchema = z.object({
  blockPublicAcls: z.boolean(),
  ignorePublicAcls: z.boolean(),
  blockPublicPolicy: z.boolean(),
  restrictPublicBuckets: z.boolean(),
});
const priorStateSchema = z.object({
  bucket: z.string(),
  region: z.string(),
  expectedOwner: z.string(),
  /** null when the bucket had no configuration. */
  publicAccessBlock: pabSchema.nullable(),
});
type PriorState = z.infer<typeof priorStateSchema>;

const ALL_ON: PublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

function toSdk(pab: PublicAccessBlock): Record<string, boolean> {
  return {
    BlockPublicAcls: pab.blockPublicAcls,
    IgnorePublicAcls: pab.ignorePublicAcls,
    BlockPublicPolicy: pab.blockPublicPolicy,
    RestrictPublicBuckets: pab.restrictPublicBuckets,
  };
}

function describe(pab: PublicAccessBlock | null): string {
  if (pab === null) return "No Block Public Access configuration on the bucket.";
  return Object.entries(toSdk(pab))
    .map(([name, on]) => `${name}: ${on ? "on" : "off"}`)
    .join("\n");
}

export const s3BucketBlockPublicAccess = defineRemediation({
  id: ID,
  title: "Block all public access to the bucket",
  fixes: ["s3-bucket-public-access-blocked"],
  permissions: ["s3:PutBucketPublicAccessBlock"],
  revertPermissions: ["s3:PutBucketPublicAccessBlock"],

  plan(finding, account): Plan {
    const bucket = findBucket(finding, account);
    if (!bucket)
      return refusePlan(ID, finding, null, `The bucket of ${finding.resourceArn} is not in the inventory.`);
    const readState = {
      bucket: bucket.name,
      region: bucket.region,
      publicAccessBlock: bucket.publicAccessBlock,
    };
    const problem =
      unreadable(bucket.region, "The bucket's region") ??
      unreadable(bucket.publicAccessBlock, "The bucket's Block Public Access configuration");
    if (problem || !bucket.region.ok || !bucket.publicAccessBlock.ok) {
      return refusePlan(ID, finding, readState, `${problem}; without it the fix could not be reverted.`);
    }
    const prior = bucket.publicAccessBlock.value;
    if (prior && Object.values(toSdk(prior)).every(Boolean)) {
      return compliantPlan(ID, finding, readState, describe(prior), "all four settings are already on.");
    }
    const priorState: PriorState = {
      bucket: bucket.name,
      region: bucket.region.value,
      expectedOwner: account.accountId,
      publicAccessBlock: prior,
    };
    return buildPlan(ID, finding, readState, {
      steps: [
        step(
          "s3",
          "PutPublicAccessBlock",
          bucket.region.value,
          {
            Bucket: bucket.name,
            PublicAccessBlockConfiguration: toSdk(ALL_ON),
            ExpectedBucketOwner: account.accountId,
          },
          `Turn on all four Block Public Access settings of bucket ${bucket.name}.`,
        ),
      ],
      before: describe(prior),
      after: describe(ALL_ON),
      notes: [
        "Public ACLs and public bucket policies stop granting access; anything that relies on public access to this bucket (a static website, a public data set) stops working.",
      ],
      priorState,
    });
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    return buildRevertPlan(plan, {
      steps: [
        prior.publicAccessBlock === null
          ? step(
              "s3",
              "DeletePublicAccessBlock",
              prior.region,
              { Bucket: prior.bucket, ExpectedBucketOwner: prior.expectedOwner },
              `Delete the Block Public Access configuration of bucket ${prior.bucket}, which had none before the fix.`,
            )
          : step(
              "s3",
              "PutPublicAccessBlock",
              prior.region,
              {
                Bucket: prior.bucket,
                PublicAccessBlockConfiguration: toSdk(prior.publicAccessBlock),
                ExpectedBucketOwner: prior.expectedOwner,
              },
              `Restore the Block Public Access settings of bucket ${prior.bucket} as they were before the fix.`,
            ),
      ],
      before: describe(ALL_ON),
      after: describe(prior.publicAccessBlock),
      notes: ["The bucket becomes reachable by public ACLs or policies again, as it was."],
    });
  },

  revertState(plan, account) {
    return { publicAccessBlock: sliceState(findBucket(plan.finding, account)?.publicAccessBlock) };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const slice = findBucket(plan.finding, account)?.publicAccessBlock;
    if (!slice?.ok)
      return refuseRevert(plan, cannotReadNow(slice, "The bucket's Block Public Access configuration"));
    const current = slice.value;
    if (current === null) {
      return refuseRevert(
        plan,
        `Bucket ${prior.bucket} has no Block Public Access configuration now: it was deleted since the fix, so there is nothing to take back.`,
      );
    }
    // Per setting: back to its prior value only where the fix turned it on and it is still on.
    const was = prior.publicAccessBlock;
    const target = { ...current };
    const undone: string[] = [];
    const kept: string[] = [];
    for (const name of Object.keys(ALL_ON) as (keyof PublicAccessBlock)[]) {
      const before = was?.[name] ?? false;
      if (before) continue;
      if (current[name]) {
        target[name] = false;
        undone.push(name);
      } else kept.push(name);
    }
    if (undone.length === 0) {
      return refuseRevert(
        plan,
        `Every setting the fix turned on for bucket ${prior.bucket} was turned off since, so there is nothing to take back.`,
      );
    }
    const notes = [
      `The Block Public Access settings changed since the fix: only ${undone.join(", ")} (turned on by the fix and still on) go back off; every other setting stays as it is now.`,
    ];
    if (kept.length > 0) notes.push(`${kept.join(", ")} was already turned off again since the fix.`);
    return buildRevertPlan(plan, {
      steps: [
        step(
          "s3",
          "PutPublicAccessBlock",
          prior.region,
          {
            Bucket: prior.bucket,
            PublicAccessBlockConfiguration: toSdk(target),
            ExpectedBucketOwner: prior.expectedOwner,
          },
          `Turn ${undone.join(", ")} of bucket ${prior.bucket} off again, as before the fix; keep the other settings.`,
        ),
      ],
      before: describe(current),
      after: describe(target),
      notes,
    });
  },
});

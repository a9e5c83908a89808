/**
 * Gets a multi-region trail logging all management events: starts a stopped one (adding a management-event
 * selector when it lacks one), or creates one with its own log bucket.
 */
import { z } from "zod";
import { bucketArn } from "../domain/arn.js";
import type { AccountInventory, TrailEventSelectors, TrailInventory } from "../domain/inventory.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import {
  canonicalJson,
  defineRemediation,
  type Plan,
  type PlanOptions,
  type PlanStep,
} from "../domain/remediation.js";
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
  sliceState,
  step,
  trailsInRegion,
} from "./plan-kit.js";
import { tlsDenyStatements } from "./s3-bucket-enforce-tls.js";

const ID = "cloudtrail-enable";
export const DEFAULT_TRAIL_NAME = "forecast-audit-trail";
const MAX_EVENT_SELECTORS = 5;
const ALL_MANAGEMENT_EVENTS = { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] };

const priorStateSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("start"),
    trailName: z.string(),
    trailArn: z.string(),
    homeRegion: z.string(),
    /** The selectors as they were, when the fix changed them; null when it did not. */
    eventSelectors: z.array(z.record(z.string(), z.unknown())).nullable(),
    advancedEventSelectors: z.array(z.record(z.string(), z.unknown())).nullable(),
  }),
  z.object({
    mode: z.literal("create"),
    trailName: z.string(),
    trailArn: z.string(),
    homeRegion: z.string(),
    bucketName: z.string(),
  }),
]);
type PriorState = z.infer<typeof priorStateSchema>;

export function defaultLogBucketName(accountId: string, region: string): string {
  return `forecast-audit-cloudtrail-${accountId}-${region}`;
}

function trailAccount(trail: TrailInventory): string | undefined {
  return trail.arn.split(":")[4];
}

function describeTrail(trail: TrailInventory): string {
  const logging = trail.status.ok ? (trail.status.value.isLogging ? "logging" : "stopped") : "status unknown";
  const events = trail.selectors.ok
    ? `${trail.selectors.value.managementEvents} management events`
    : "selectors unknown";
  return `${trail.name} (${trail.isMultiRegion ? "multi-region" : "single-region"}, home ${trail.homeRegion}): ${logging}, ${events}`;
}

function describeTrails(trails: readonly TrailInventory[]): string {
  if (trails.length === 0) return "No trail.";
  return trails.map((trail) => `- ${describeTrail(trail)}`).join("\n");
}

function cloudTrailBucketStatements(
  partition: string,
  accountId: string,
  bucket: string,
  trailArn: string,
): PolicyStatement[] {
  const arn = bucketArn(partition, bucket);
  return [
    {
      Sid: "AWSCloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: arn,
      Condition: { StringEquals: { "aws:SourceArn": trailArn } },
    },
    {
      Sid: "AWSCloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${arn}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
    },
    ...tlsDenyStatements(partition, bucket),
  ];
}

/** The selectors with one management-event selector added (every existing one kept), or why that cannot be done. */
function withManagementEvents(
  trail: TrailInventory,
): { input: Record<string, unknown> } | { refusal: string } {
  const selectors = trail.selectors.ok ? trail.selectors.value : undefined;
  if (selectors?.advancedEventSelectors !== undefined) {
    if (selectors.advancedEventSelectors.length >= MAX_EVENT_SELECTORS) {
      return {
        refusal: `The trail ${trail.name} already has ${MAX_EVENT_SELECTORS} advanced selectors; add management events by hand.`,
      };
    }
    return {
      input: {
        TrailName: trail.name,
        AdvancedEventSelectors: [
          ...selectors.advancedEventSelectors,
          {
            Name: "Management events (forecast-audit)",
            FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }],
          },
        ],
      },
    };
  }
  if (selectors?.eventSelectors !== undefined) {
    if (selectors.eventSelectors.length >= MAX_EVENT_SELECTORS) {
      return {
        refusal: `The trail ${trail.name} already has ${MAX_EVENT_SELECTORS} event selectors; add management events by hand.`,
      };
    }
    return {
      input: {
        TrailName: trail.name,
        EventSelectors: [...selectors.eventSelectors, ALL_MANAGEMENT_EVENTS],
      },
    };
  }
  return {
    refusal: `The trail ${trail.name} records ${selectors?.managementEvents ?? "unknown"} management events and its full event selectors were not collected; replacing them could drop data-event selectors, so add management events by hand.`,
  };
}

function planStart(
  finding: Plan["finding"],
  readState: unknown,
  trails: readonly TrailInventory[],
  trail: TrailInventory,
): Plan {
  const steps: PlanStep[] = [];
  const isLogging = trail.status.ok && trail.status.value.isLogging;
  if (!isLogging) {
    steps.push(
      step(
        "cloudtrail",
        "StartLogging",
        trail.homeRegion,
        { Name: trail.name },
        `Start logging on trail ${trail.name}.`,
      ),
    );
  }
  const selectors = trail.selectors.ok ? trail.selectors.value : undefined;
  const changeSelectors = selectors?.managementEvents !== "All";
  if (changeSelectors) {
    const change = withManagementEvents(trail);
    if ("refusal" in change) return refusePlan(ID, finding, readState, change.refusal);
    // Selectors first, so the trail never logs without management events.
    steps.unshift(
      step(
        "cloudtrail",
        "PutEventSelectors",
        trail.homeRegion,
        change.input,
        `Add a selector for all read and write management events to trail ${trail.name}, keeping its other selectors.`,
      ),
    );
  }
  const priorState: PriorState = {
    mode: "start",
    trailName: trail.name,
    trailArn: trail.arn,
    homeRegion: trail.homeRegion,
    eventSelectors: changeSelectors ? (selectors?.eventSelectors ?? null) : null,
    advancedEventSelectors: changeSelectors ? (selectors?.advancedEventSelectors ?? null) : null,
  };
  return buildPlan(ID, finding, readState, {
    steps,
    before: describeTrails(trails),
    after: `- ${trail.name} (multi-region, home ${trail.homeRegion}): logging, All management events`,
    notes: [
      "CloudTrail delivers one copy of management events free per region; further copies and data events are billed (https://aws.amazon.com/cloudtrail/pricing/).",
    ],
    priorState,
  });
}

function planCreate(
  finding: Plan["finding"],
  account: AccountInventory,
  readState: unknown,
  trails: readonly TrailInventory[],
  options: PlanOptions,
): Plan {
  const region = finding.region;
  const name = options.trail?.name ?? DEFAULT_TRAIL_NAME;
  const bucketName = options.trail?.bucketName ?? defaultLogBucketName(account.accountId, region);
  if (account.buckets[bucketName]) {
    return refusePlan(
      ID,
      finding,
      readState,
      `The bucket ${bucketName} already exists and holds Forecast data; name a new bucket for the trail's logs.`,
    );
  }
  if (trails.some((trail) => trail.name === name)) {
    return refusePlan(ID, finding, readState, `A trail named ${name} already exists; choose another name.`);
  }
  const trailArn = `arn:${account.partition}:cloudtrail:${region}:${account.accountId}:trail/${name}`;
  const owner = account.accountId;
  const policy = {
    Version: "2012-10-17",
    Statement: cloudTrailBucketStatements(account.partition, owner, bucketName, trailArn),
  };
  const createBucket: Record<string, unknown> = { Bucket: bucketName };
  // us-east-1 is the one region that rejects an explicit location constraint.
  if (region !== "us-east-1") createBucket.CreateBucketConfiguration = { LocationConstraint: region };
  const steps: PlanStep[] = [
    step(
      "s3",
      "CreateBucket",
      region,
      createBucket,
      `Create bucket ${bucketName} in ${region} for the trail's logs.`,
    ),
    step(
      "s3",
      "PutPublicAccessBlock",
      region,
      {
        Bucket: bucketName,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
        ExpectedBucketOwner: owner,
      },
      `Block all public access to bucket ${bucketName}.`,
    ),
    step(
      "s3",
      "PutBucketEncryption",
      region,
      {
        Bucket: bucketName,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        ExpectedBucketOwner: owner,
      },
      `Encrypt bucket ${bucketName} by default with SSE-S3.`,
    ),
    step(
      "s3",
      "PutBucketPolicy",
      region,
      { Bucket: bucketName, Policy: JSON.stringify(policy), ExpectedBucketOwner: owner },
      `Let CloudTrail (for trail ${name} only) check the ACL of bucket ${bucketName} and write logs to it; deny access without TLS 1.2.`,
    ),
    step(
      "cloudtrail",
      "CreateTrail",
      region,
      {
        Name: name,
        S3BucketName: bucketName,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
      },
      `Create trail ${name}: multi-region, global service events, log file validation on.`,
    ),
    // A new trail records all management events by default; saying so makes the plan exact, not implied.
    step(
      "cloudtrail",
      "PutEventSelectors",
      region,
      { TrailName: name, EventSelectors: [ALL_MANAGEMENT_EVENTS] },
      `Record all read and write management events on trail ${name}.`,
    ),
    step("cloudtrail", "StartLogging", region, { Name: name }, `Start logging on trail ${name}.`),
  ];
  const priorState: PriorState = {
    mode: "create",
    trailName: name,
    trailArn,
    homeRegion: region,
    bucketName,
  };
  return buildPlan(ID, finding, readState, {
    steps,
    before: describeTrails(trails),
    after: [
      ...trails.map((trail) => `- ${describeTrail(trail)}`),
      `- ${name} (multi-region, home ${region}): logging, All management events, logs to s3://${bucketName}`,
    ].join("\n"),
    notes: [
      `The bucket ${bucketName} must not exist yet: the plan creates it and writes its whole policy.`,
      "The first copy of management events is free; S3 storage of the logs is billed (https://aws.amazon.com/cloudtrail/pricing/).",
      "The logs are encrypted with SSE-S3; to encrypt them with a customer-managed key, see the control cloudtrail-logs-encrypted-with-cmk.",
    ],
    priorState,
  });
}

export const cloudtrailEnable = defineRemediation({
  id: ID,
  title: "Log management events in every region with CloudTrail",
  fixes: ["cloudtrail-multi-region-logging"],
  permissions: [
    "cloudtrail:CreateTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:StartLogging",
    "s3:CreateBucket",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
  ],
  revertPermissions: ["cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StopLogging"],

  plan(finding, account, options): Plan {
    const listed = trailsInRegion(account, finding.region);
    if (!listed)
      return refusePlan(ID, finding, null, `The region ${finding.region} is not in the inventory.`);
    if (!listed.ok) {
      return refusePlan(
        ID,
        finding,
        listed,
        `The trails of ${finding.region} could not be read (${listed.error.action} failed with ${listed.error.code}); a new trail might duplicate one.`,
      );
    }
    const trails = listed.value;
    const readState = trails.map((t) => ({ ...t }));
    const multiRegion = trails.filter((trail) => trail.isMultiRegion);
    const unknown = multiRegion.find((trail) => !trail.status.ok || !trail.selectors.ok);
    if (unknown) {
      return refusePlan(
        ID,
        finding,
        readState,
        `The status or event selectors of trail ${unknown.name} could not be read.`,
      );
    }
    const healthy = multiRegion.find(
      (trail) =>
        trail.status.ok &&
        trail.status.value.isLogging &&
        trail.selectors.ok &&
        trail.selectors.value.managementEvents === "All",
    );
    if (healthy) {
      return compliantPlan(
        ID,
        finding,
        readState,
        describeTrails(trails),
        `trail ${healthy.name} logs all management events in every region.`,
      );
    }
    const own = multiRegion.filter((trail) => trailAccount(trail) === account.accountId);
    const wanted = options.trail?.name;
    const candidate = own.find((trail) => trail.name === wanted) ?? own[0];
    if (candidate) return planStart(finding, readState, trails, candidate);
    const foreign = multiRegion[0];
    if (foreign) {
      return refusePlan(
        ID,
        finding,
        readState,
        `The multi-region trail ${foreign.arn} belongs to account ${trailAccount(foreign)} (an organization trail); start it from that account.`,
      );
    }
    return planCreate(finding, account, readState, trails, options);
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    if (prior.mode === "create") {
      return buildRevertPlan(plan, {
        steps: [
          step(
            "cloudtrail",
            "StopLogging",
            prior.homeRegion,
            { Name: prior.trailName },
            `Stop logging on trail ${prior.trailName}.`,
          ),
          step(
            "cloudtrail",
            "DeleteTrail",
            prior.homeRegion,
            { Name: prior.trailName },
            `Delete trail ${prior.trailName}.`,
          ),
        ],
        before: plan.after,
        after: plan.before,
        notes: [
          `The log bucket ${prior.bucketName} and the logs in it are kept: they are evidence. Delete them by hand if they are not needed.`,
        ],
      });
    }
    const steps: PlanStep[] = [];
    if (plan.steps.some((s) => s.operation === "StartLogging")) {
      steps.push(
        step(
          "cloudtrail",
          "StopLogging",
          prior.homeRegion,
          { Name: prior.trailName },
          `Stop logging on trail ${prior.trailName}, as it was.`,
        ),
      );
    }
    if (prior.eventSelectors !== null || prior.advancedEventSelectors !== null) {
      const input: Record<string, unknown> = { TrailName: prior.trailName };
      if (prior.advancedEventSelectors !== null) input.AdvancedEventSelectors = prior.advancedEventSelectors;
      else input.EventSelectors = prior.eventSelectors;
      steps.push(
        step(
          "cloudtrail",
          "PutEventSelectors",
          prior.homeRegion,
          input,
          `Restore the event selectors of trail ${prior.trailName}.`,
        ),
      );
    }
    return buildRevertPlan(plan, { steps, before: plan.after, after: plan.before, notes: [] });
  },

  revertState(plan, account) {
    const prior = priorStateOf(priorStateSchema, plan);
    const trail = prior ? account.trails[prior.trailArn] : undefined;
    if (!trail) return { trail: null };
    return {
      trail: {
        isMultiRegion: trail.isMultiRegion,
        logFileValidationEnabled: trail.logFileValidationEnabled,
        kmsKeyId: trail.kmsKeyId ?? null,
        s3BucketName: trail.s3BucketName ?? null,
        status: sliceState(trail.status),
        selectors: sliceState(trail.selectors),
      },
    };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const trail = account.trails[prior.trailArn];
    if (!trail) return refuseRevert(plan, cannotReadNow(undefined, `Trail ${prior.trailName}`));
    if (!trail.status.ok)
      return refuseRevert(plan, cannotReadNow(trail.status, `The status of trail ${prior.trailName}`));
    if (!trail.selectors.ok) {
      return refuseRevert(
        plan,
        cannotReadNow(trail.selectors, `The event selectors of trail ${prior.trailName}`),
      );
    }
    const logging = trail.status.value.isLogging;
    const selectors = trail.selectors.value;
    if (prior.mode === "create") {
      // The trail is the fix's own: it is deleted only while it is still the trail the fix created.
      const changed = [
        trail.isMultiRegion ? undefined : "it is no longer multi-region",
        trail.s3BucketName === prior.bucketName ? undefined : "it logs to another bucket",
        trail.logFileValidationEnabled ? undefined : "log file validation was turned off",
        trail.kmsKeyId === undefined ? undefined : "its logs are now encrypted with a KMS key",
        onlyManagementEvents(selectors)
          ? undefined
          : "its event selectors record more than management events",
      ].filter((c): c is string => c !== undefined);
      if (changed.length > 0) {
        return refuseRevert(
          plan,
          `Trail ${prior.trailName}, which the fix created, was changed since (${changed.join("; ")}), so someone uses it: it is kept. Delete it by hand if it is not needed.`,
        );
      }
      const steps: PlanStep[] = [];
      if (logging) {
        steps.push(
          step(
            "cloudtrail",
            "StopLogging",
            prior.homeRegion,
            { Name: prior.trailName },
            `Stop logging on trail ${prior.trailName}.`,
          ),
        );
      }
      steps.push(
        step(
          "cloudtrail",
          "DeleteTrail",
          prior.homeRegion,
          { Name: prior.trailName },
          `Delete trail ${prior.trailName}.`,
        ),
      );
      return buildRevertPlan(plan, {
        steps,
        before: plan.after,
        after: plan.before,
        notes: [
          `The log bucket ${prior.bucketName} and the logs in it are kept: they are evidence. Delete them by hand if they are not needed.`,
        ],
      });
    }
    const steps: PlanStep[] = [];
    const notes: string[] = [];
    if (plan.steps.some((s) => s.operation === "StartLogging")) {
      if (logging) {
        steps.push(
          step(
            "cloudtrail",
            "StopLogging",
            prior.homeRegion,
            { Name: prior.trailName },
            `Stop logging on trail ${prior.trailName}, as it was.`,
          ),
        );
      } else notes.push(`Trail ${prior.trailName} was stopped again since the fix.`);
    }
    const fixedSelectors = plan.steps.find((s) => s.operation === "PutEventSelectors")?.input;
    if (fixedSelectors && (prior.eventSelectors !== null || prior.advancedEventSelectors !== null)) {
      const current = selectors.advancedEventSelectors
        ? { AdvancedEventSelectors: selectors.advancedEventSelectors }
        : { EventSelectors: selectors.eventSelectors ?? [] };
      const { TrailName: _name, ...fixed } = fixedSelectors;
      if (sameSelectors(current, fixed)) {
        const input: Record<string, unknown> = { TrailName: prior.trailName };
        if (prior.advancedEventSelectors !== null)
          input.AdvancedEventSelectors = prior.advancedEventSelectors;
        else input.EventSelectors = prior.eventSelectors;
        steps.push(
          step(
            "cloudtrail",
            "PutEventSelectors",
            prior.homeRegion,
            input,
            `Restore the event selectors of trail ${prior.trailName}.`,
          ),
        );
      } else {
        notes.push(
          `The event selectors of trail ${prior.trailName} changed since the fix; they are left as they are.`,
        );
      }
    }
    if (steps.length === 0) {
      return refuseRevert(
        plan,
        `Nothing the fix set on trail ${prior.trailName} is still as it left it. ${notes.join(" ")}`.trim(),
      );
    }
    notes.unshift(
      `Trail ${prior.trailName} changed since the fix: only what the fix set and is still as it left it is taken back.`,
    );
    return buildRevertPlan(plan, { steps, before: plan.after, after: plan.before, notes });
  },
});

/** Selectors as the fix created them: all management events, no data events. */
function onlyManagementEvents(selectors: TrailEventSelectors): boolean {
  if (selectors.managementEvents !== "All") return false;
  if (selectors.advancedEventSelectors?.length) return false;
  return (selectors.eventSelectors ?? []).every(
    (s) => !Array.isArray(s.DataResources) || s.DataResources.length === 0,
  );
}

/** Selectors compared as CloudTrail returns them: members holding empty lists are left out on either side. */
function sameSelectors(a: unknown, b: unknown): boolean {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

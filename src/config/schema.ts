/** The configuration file's schema. Every key is optional; the names are public and never renamed. */
import { z } from "zod";
import { FORECAST_REGIONS_HINT, isForecastRegion } from "../aws/regions.js";
import { cronExpressionProblem, timeZoneProblem } from "../schedule/cron-schedule.js";

const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN");
const region = z.string().refine(isForecastRegion, `must be ${FORECAST_REGIONS_HINT}`);
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "must be a Slack user id such as U0123ABCD");
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, "must be a Slack user group id such as S0123ABCD");
/** Checked at start-up so that a typo stops the app instead of silently never running the schedule. */
const cronExpression = z.string().superRefine((value, ctx) => {
  const problem = cronExpressionProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const timeZone = z.string().superRefine((value, ctx) => {
  const problem = timeZoneProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const slackChannelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, "must be a Slack channel id such as C0123ABCD");

const principals = z
  .object({ users: z.array(slackUserId).default([]), usergroups: z.array(slackGroupId).default([]) })
  .strict()
  .default({ users: [], usergroups: [] });
/**
 * A role other than `approvers`: users and user groups, or `everyone: true` for the whole workspace. Left
 * empty, it falls back to its default (see src/slack/policy.ts and the README's table of roles).
 */
const openableRole = z
  .object({
    users: z.array(slackUserId).default([]),
    usergroups: z.array(slackGroupId).default([]),
    everyone: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export const accountSchema = z
  .object({
    id: accountId,
    name: z.string().min(1).max(64).optional(),
    roleArn: roleArn.optional(),
    remediationRoleArn: roleArn.optional(),
    externalId: z.string().min(2).max(1224).optional(),
  })
  .strict();

/** An IAM role name (no path): what the StackSet creates in every member account. */
const roleName = z
  .string()
  .regex(
    /^[\w+=,.@-]{1,64}$/,
    "must be an IAM role name such as ForecastAudit (no path, at most 64 characters)",
  );
const externalId = z
  .string()
  .regex(/^[\w+=,.@:/-]{2,1224}$/, "must be 2 to 1224 characters of letters, digits and +=,.@:/-");
/**
 * An OU by id (`ou-ab12-cdef3456`), root id (`r-ab12`), name (`Prod`) or path from the root (`Prod/Payments`).
 * Names and paths are matched without regard to case.
 */
const ouReference = z
  .string()
  .min(1)
  .max(1024)
  .regex(
    /^[^\s/][^/]*(\/[^/]+)*$/,
    "must be an OU id (ou-…), a root id (r-…), an OU name or a path such as Prod/Payments",
  );

/**
 * AWS Organizations discovery: the member accounts are listed from the management account or a delegated
 * administrator (base credentials, or `managementRoleArn`), and audited through `roleName` in each of them.
 */
export const organizationSchema = z
  .object({
    /** The audit role in every member account (the StackSet in deploy/cloudformation creates it). */
    roleName,
    /** The remediation role in every member account; without it a fix runs with the audit role and AWS refuses it. */
    remediationRoleName: roleName.optional(),
    /** Sent with every AssumeRole into a member account; the role's trust policy requires it. */
    externalId: externalId.optional(),
    /** Only accounts under these OUs (nested OUs included); empty: the whole organization. */
    includeOus: z.array(ouReference).default([]),
    /** Never audited, even when under an included OU. */
    excludeAccounts: z.array(accountId).default([]),
    /** Assumed to list the organization, when the base credentials are not in the management or a delegated-administrator account. */
    managementRoleArn: roleArn.optional(),
    /** Sent with the AssumeRole of `managementRoleArn`. */
    managementExternalId: externalId.optional(),
    /** The StackSet that deploys the roles, named in the fix of an account without them. */
    stackSetName: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,127}$/, "must be a CloudFormation StackSet name")
      .default("forecast-audit-roles"),
  })
  .strict();

/** AWS Security Hub export: findings go to the Security Hub of one account (the delegated administrator). */
export const securityHubSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The region of that account's Security Hub (its aggregation region, usually). */
    region,
    /** Assumed to import the findings; without it, the base credentials import into their own account. */
    roleArn: roleArn.optional(),
    externalId: externalId.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    accounts: z.array(accountSchema).default([]),
    organization: organizationSchema.optional(),
    /** Accounts collected at the same time; each has its own per-region call limit (`concurrency`). */
    accountConcurrency: z.number().int().min(1).max(64).default(4),
    securityHub: securityHubSchema.optional(),
    regions: z.union([z.literal("all"), z.array(region).min(1)]).optional(),
    requireFips: z.boolean().default(false),
    cloudtrailLookbackDays: z.number().int().min(1).max(90).default(7),
    /** Stop reading CloudTrail events after this many per region (LookupEvents is limited to 2 calls/s). */
    cloudtrailMaxEvents: z.number().int().min(50).max(100_000).default(2_000),
    /** Concurrent AWS calls per account and region. */
    concurrency: z.number().int().min(1).max(64).default(8),
    /**
     * `serve`: worker threads that run scans (collection, evaluation, store commit), so that the Slack event
     * loop only acknowledges and posts. 0 runs scans on the event loop (not for production).
     */
    scanWorkers: z.number().int().min(0).max(16).default(2),
    /**
     * `serve`, Linux: the nice value (0–19) scan worker threads give themselves, so that the thread that
     * acknowledges Slack gets the CPU first while a scan runs. 0 leaves them at the process's priority.
     */
    scanWorkerNice: z.number().int().min(0).max(19).default(10),
    /** Each account (every region of it) must be read within this; what is left then is ERROR `Timeout`. */
    scanTimeoutMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(60),
    /** Attempts per AWS call, the first included (adaptive retry with back-off). */
    maxAttempts: z.number().int().min(1).max(20).default(8),
    /** Time to connect to an AWS endpoint, per attempt. */
    connectTimeoutSeconds: z.number().positive().max(120).default(5),
    /** Time to the first byte of an answer, and the longest silence within one, per attempt. */
    requestTimeoutSeconds: z.number().positive().max(600).default(30),
    slack: z
      .object({
        scanChannels: z.array(slackChannelId).default([]),
        viewers: openableRole,
        scanners: openableRole,
        requesters: openableRole,
        approvers: principals,
        fourEyes: z.boolean().default(true),
        approvalsChannel: slackChannelId.optional(),
        /** Removed: nothing read it. Refused with a pointer to where scheduled results do go. */
        findingsChannel: z
          .never({
            error:
              "was removed (nothing ever posted there); scheduled scans are reported by the digest in slack.digest.channels",
          })
          .optional(),
        requestTtlHours: z
          .number()
          .min(1)
          .max(24 * 14)
          .default(24),
        teamId: z
          .string()
          .regex(/^T[A-Z0-9]+$/, "must be a Slack team id such as T0123ABCD")
          .optional(),
        /** Enterprise Grid: the organization the app belongs to; else the installation's (`auth.test`). */
        enterpriseId: z
          .string()
          .regex(/^E[A-Z0-9]+$/, "must be a Slack Enterprise Grid id such as E0123ABCD")
          .optional(),
        suppression: z
          .object({
            /** The longest a suppression may last; "until lifted" always needs an approval. */
            maxDays: z.number().int().min(1).max(365).default(90),
          })
          .strict()
          .prefault({}),
        /** The HTTP receiver's bounds (HTTP mode): body size, timeouts, concurrent connections. */
        http: z
          .object({
            bodyLimitKb: z.number().int().min(16).max(4096).default(512),
            headersTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
            requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
            maxConnections: z.number().int().min(1).max(100_000).default(256),
            /**
             * Requests acknowledged first and not yet processed, at most; past it requests are acknowledged
             * by their listeners (after the claim and the policy), which slows a flood down to what is done.
             */
            maxAcknowledgedPending: z.number().int().min(0).max(100_000).default(256),
          })
          .strict()
          .refine((http) => http.headersTimeoutMs <= http.requestTimeoutMs, {
            path: ["headersTimeoutMs"],
            message: "must not exceed requestTimeoutMs (the headers are part of the request)",
          })
          .prefault({}),
        digest: z
          .object({
            channels: z.array(slackChannelId).default([]),
            cron: cronExpression.default("0 9 * * *"),
            timezone: timeZone.default("UTC"),
          })
          .strict()
          .default({ channels: [], cron: "0 9 * * *", timezone: "UTC" }),
      })
      .strict()
      .prefault({}),
    schedule: z
      .object({
        scanCron: cronExpression.optional(),
        timezone: timeZone.default("UTC"),
        runMissedOnStart: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /**
     * Durable work (scheduled slots, scan parts): pg-boss on PostgreSQL, the in-process runner on SQLite.
     * `leaseSeconds` is the heartbeat lease: a job whose worker stopped heartbeating for that long is run
     * again by another replica (pg-boss needs >= 10). `expireSeconds` bounds one attempt even while it
     * heartbeats. The default lease (20 s, plus `superviseSeconds` until it is noticed) stays inside the scan
     * row's lease (3 × `store.scanHeartbeatSeconds`, 45 s): a slot job is retried before its scan counts as
     * interrupted. After `retryLimit` retries a job is dead-lettered (audit action `job.dead-lettered`).
     */
    jobs: z
      .object({
        leaseSeconds: z.number().int().min(10).max(3600).default(20),
        expireSeconds: z.number().int().min(60).max(86_400).default(3600),
        retryLimit: z.number().int().min(0).max(20).default(2),
        retryDelaySeconds: z.number().int().min(0).max(3600).default(10),
        pollSeconds: z.number().min(0.5).max(60).default(2),
        superviseSeconds: z.number().int().min(1).max(300).default(10),
        /** How long the digest waits for the scan of its own slot to end before reporting it as still running. */
        digestWaitsForScanSeconds: z.number().int().min(0).max(86_400).default(1800),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        retentionDays: z.number().int().min(1).max(3650).default(400),
        /** How often a running scan refreshes its heartbeat; one silent for 3 intervals is interrupted. */
        scanHeartbeatSeconds: z.number().int().min(1).max(3600).default(15),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type OrganizationConfig = z.infer<typeof organizationSchema>;

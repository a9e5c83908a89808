/**
 * A stored finding in the AWS Security Finding Format (ASFF), for BatchImportFindings. Pure.
 *
 * Security Hub accepts findings of a custom integration (the account's `default` product) only for the account
 * that imports them, so every finding carries the importing account (the delegated administrator) as
 * `AwsAccountId`; the audited account is in the resource ARN, in `ProductFields` and in the title.
 */
import type { AwsSecurityFinding, SeverityLabel } from "@aws-sdk/client-securityhub";
import { findingId } from "../../domain/finding.js";
import { maskResourceArn, maskSensitive } from "../../domain/sensitive.js";
import type { FindingRecord } from "../../store/types.js";

export type RecordState = "ACTIVE" | "ARCHIVED";

export interface AsffContext {
  /** The account whose Security Hub receives the findings (the caller of BatchImportFindings). */
  importerAccountId: string;
  region: string;
  partition: string;
  now: string;
  /** Names and OU paths of the audited accounts. */
  accounts: ReadonlyMap<string, { name?: string | undefined; ouPath?: string | undefined }>;
  /** Manual guidance per control. */
  guidance?: (controlId: string) => string | undefined;
}

const SEVERITY: Record<FindingRecord["severity"], SeverityLabel> = {
  critical: "CRITICAL",
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
};

const RESOURCE_TYPE: Partial<Record<FindingRecord["resourceType"], string>> = {
  "s3-bucket": "AwsS3Bucket",
  "kms-key": "AwsKmsKey",
  "iam-role": "AwsIamRole",
  "iam-user": "AwsIamUser",
  "iam-group": "AwsIamGroup",
  "iam-account": "AwsAccount",
  "s3-account": "AwsAccount",
  "cloudtrail-trail": "AwsCloudTrailTrail",
};

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function productArn(context: Pick<AsffContext, "partition" | "region" | "importerAccountId">): string {
  const { partition, region, importerAccountId: account } = context;
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

/** The id Security Hub knows a finding by: stable across scans, so an import updates it in place. */
export function asffId(
  finding: Pick<FindingRecord, "controlId" | "accountId" | "region" | "resourceArn">,
): string {
  return `forecast-audit/${finding.accountId}/${finding.controlId}/${findingId(finding)}`;
}

/**
 * ACTIVE with compliance FAILED while the finding fails (Security Hub sets the workflow back to NEW when an
 * archived finding becomes active again); ARCHIVED when it is resolved (compliance PASSED) or suppressed
 * (compliance still FAILED).
 */
export function toAsff(finding: FindingRecord, state: RecordState, context: AsffContext): AwsSecurityFinding {
  const account = context.accounts.get(finding.accountId);
  const name = account?.name !== undefined ? maskSensitive(account.name) : undefined;
  const who = name !== undefined ? `${name} (${finding.accountId})` : finding.accountId;
  const severity = SEVERITY[finding.severity];
  const productFields: Record<string, string> = {
    "forecast-audit/ControlId": finding.controlId,
    "forecast-audit/FindingId": findingId(finding),
    "forecast-audit/AccountId": finding.accountId,
    "forecast-audit/Lifecycle": finding.lifecycle,
  };
  if (name !== undefined) productFields["forecast-audit/AccountName"] = cut(name, 1024);
  if (account?.ouPath !== undefined)
    productFields["forecast-audit/OuPath"] = cut(maskSensitive(account.ouPath), 1024);
  if (finding.suppressionId !== undefined) productFields["forecast-audit/Suppressed"] = "true";
  const guidance = context.guidance?.(finding.controlId);
  const out: AwsSecurityFinding = {
    SchemaVersion: "2018-10-08",
    Id: asffId(finding),
    ProductArn: productArn(context),
    GeneratorId: `forecast-audit/${finding.controlId}`,
    AwsAccountId: context.importerAccountId,
    Types: ["Software and Configuration Checks/AWS Security Best Practices"],
    CreatedAt: finding.firstSeenAt,
    UpdatedAt: context.now,
    FirstObservedAt: finding.firstSeenAt,
    LastObservedAt: finding.lastSeenAt,
    Severity: { Label: severity, Original: finding.severity },
    FindingProviderFields: { Severity: { Label: severity, Original: finding.severity } },
    Title: cut(`${finding.title} · account ${who}`, 256),
    Description: cut(maskSensitive(finding.detail), 1024),
    ProductName: "forecast-audit",
    CompanyName: "forecast-audit",
    Resources: [
      {
        Type: RESOURCE_TYPE[finding.resourceType] ?? "Other",
        Id: cut(maskResourceArn(finding.resourceArn), 512),
        Partition:
          context.partition === "aws-us-gov" || context.partition === "aws-cn" ? context.partition : "aws",
        Region: finding.region === "global" ? context.region : finding.region,
      },
    ],
    // A suppressed finding still fails: archived, not passed.
    Compliance: { Status: finding.lifecycle === "resolved" ? "PASSED" : "FAILED" },
    RecordState: state,
    ProductFields: productFields,
  };
  if (guidance) out.Remediation = { Recommendation: { Text: cut(guidance, 512) } };
  return out;
}

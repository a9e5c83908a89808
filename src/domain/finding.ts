import type { CollectError } from "./result.js";
import type { Severity } from "./severity.js";

export const FINDING_STATUSES = ["PASS", "FAIL", "ERROR"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export type ResourceType =
  | "forecast-dataset-group"
  | "forecast-dataset"
  | "forecast-dataset-import-job"
  | "forecast-predictor"
  | "forecast-predictor-backtest-export-job"
  | "forecast-forecast"
  | "forecast-forecast-export-job"
  | "forecast-explainability"
  | "forecast-explainability-export"
  | "forecast-what-if-analysis"
  | "forecast-what-if-forecast"
  | "forecast-what-if-forecast-export"
  | "forecast-monitor"
  | "s3-bucket"
  | "s3-account"
  | "kms-key"
  | "iam-role"
  | "iam-user"
  | "iam-group"
  | "iam-account"
  | "cloudtrail-trail"
  | "cloudtrail-region"
  | "macie-region"
  | "forecast-region";

export interface Finding {
  controlId: string;
  status: FindingStatus;
  severity: Severity;
  accountId: string;
  /** The resource's region; `global` for IAM. */
  region: string;
  /** The resource ARN, or a scope ARN (`arn:aws:cloudtrail:us-east-1:123456789012:*`) for account and region checks. */
  resourceArn: string;
  resourceType: ResourceType;
  /** The control's title. */
  title: string;
  /** One sentence, ending with a period, that says what holds or what is wrong. Sensitive values are masked. */
  detail: string;
  /** Only on ERROR: the error that stopped the evaluation. */
  error?: CollectError;
  /** The remediation that the Fix button runs, only on FAIL when the control has one. */
  remediationId?: string;
}

/** The key that identifies one finding across scans. */
export function findingKey(f: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn">): string {
  return `${f.controlId}|${f.accountId}|${f.region}|${f.resourceArn}`;
}

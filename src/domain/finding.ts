import { createHash } from "node:crypto";
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
  /** The account's name (configured, else the organization's), when known; untrusted text. */
  accountName?: string;
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

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * The short, opaque id of a finding, stable across scans: derived from its key by hashing, so it never
 * carries resource text (names, tags, paths) and can be printed, pasted and logged anywhere. 12 characters
 * of Crockford base32 (60 bits): a collision among a million findings has odds of about one in two million.
 */
export function findingId(f: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn">): string {
  const digest = createHash("sha256").update(findingKey(f)).digest();
  let bits = 0n;
  for (let i = 0; i < 8; i++) bits = (bits << 8n) | BigInt(digest[i] ?? 0);
  let out = "";
  for (let i = 0; i < 12; i++) {
    out += ID_ALPHABET[Number((bits >> BigInt(64 - 5 * (i + 1))) & 31n)];
  }
  return `f-${out}`;
}

/** True for a string shaped like a finding id (`f-` and 12 base32 characters). */
export function isFindingId(text: string): boolean {
  return /^f-[0-9a-hjkmnp-tv-z]{12}$/.test(text);
}

/**
 * Every operation a scan calls, as the call counter names it (`client:Operation`), with the IAM action it
 * needs; and the actions the audit role needs, as data for the docs and the policy file. The fault-injection
 * suite fails any call it sees a scan make that is not listed here, so a new call is declared, and faulted,
 * by construction.
 */
import { FORECAST_AUDIT_ACTIONS, TAG_INDEX_ACTION } from "./collectors/forecast.js";

export const AUDIT_OPERATIONS: Readonly<Record<string, string>> = {
  "s3:GetBucketLocation": "s3:GetBucketLocation",
  "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "s3:GetBucketPolicy": "s3:GetBucketPolicy",
  "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
  "kms:DescribeKey": "kms:DescribeKey",
  "kms:GetKeyRotationStatus": "kms:GetKeyRotationStatus",
  "kms:GetKeyPolicy": "kms:GetKeyPolicy",
  "iam:GetAccountSummary": "iam:GetAccountSummary",
  "iam:GenerateCredentialReport": "iam:GenerateCredentialReport",
  "iam:GetCredentialReport": "iam:GetCredentialReport",
  "iam:GetAccountAuthorizationDetails": "iam:GetAccountAuthorizationDetails",
  "cloudtrail:DescribeTrails": "cloudtrail:DescribeTrails",
  "cloudtrail:GetTrailStatus": "cloudtrail:GetTrailStatus",
  "cloudtrail:GetEventSelectors": "cloudtrail:GetEventSelectors",
  "cloudtrail:LookupEvents": "cloudtrail:LookupEvents",
  "macie2:GetMacieSession": "macie2:GetMacieSession",
  "macie2:GetAutomatedDiscoveryConfiguration": "macie2:GetAutomatedDiscoveryConfiguration",
  "macie2:ListClassificationJobs": "macie2:ListClassificationJobs",
  // Forecast tags, 100 resources a call (the call counter names the client `resourcegroupstaggingapi`).
  "resourcegroupstaggingapi:GetResources": TAG_INDEX_ACTION,
  // The credentials: who the caller is (needs no grant), and the audit role (its trust policy decides).
  "sts:GetCallerIdentity": "sts:GetCallerIdentity",
  "sts:AssumeRole": "sts:AssumeRole",
  ...Object.fromEntries(FORECAST_AUDIT_ACTIONS.map((action) => [action, action])),
};

/** Granted through the role's trust or to everyone, not by the audit policy. */
const NOT_IN_POLICY = new Set(["sts:GetCallerIdentity", "sts:AssumeRole"]);

export const AUDIT_PERMISSIONS: readonly string[] = [
  ...new Set([
    ...Object.values(AUDIT_OPERATIONS).filter((action) => !NOT_IN_POLICY.has(action)),
    // Named by the RoleNotInAccount error: what reading a role takes, though roles come from the details.
    "iam:GetRole",
  ]),
].sort();

/** The IAM actions the audit role needs: every call the collectors make, as data for docs and the policy file. */
import { FORECAST_AUDIT_ACTIONS } from "./collectors/forecast.js";

const COLLECTOR_ACTIONS = [
  "s3:GetBucketLocation",
  "s3:GetEncryptionConfiguration",
  "s3:GetBucketPolicy",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetAccountPublicAccessBlock",
  "kms:DescribeKey",
  "kms:GetKeyRotationStatus",
  "kms:GetKeyPolicy",
  "iam:GetAccountSummary",
  "iam:GenerateCredentialReport",
  "iam:GetCredentialReport",
  "iam:GetAccountAuthorizationDetails",
  // Named by the RoleNotInAccount error: what reading a role takes, though roles come from the details.
  "iam:GetRole",
  "cloudtrail:DescribeTrails",
  "cloudtrail:GetTrailStatus",
  "cloudtrail:GetEventSelectors",
  "cloudtrail:LookupEvents",
  "macie2:GetMacieSession",
  "macie2:GetAutomatedDiscoveryConfiguration",
  "macie2:ListClassificationJobs",
];

export const AUDIT_PERMISSIONS: readonly string[] = [
  ...new Set([...COLLECTOR_ACTIONS, ...FORECAST_AUDIT_ACTIONS]),
].sort();

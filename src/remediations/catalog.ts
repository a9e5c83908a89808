/** Every remediation, as an explicit list: the catalog tests run over it, and controls name their fix by id. */
import type { Remediation } from "../domain/remediation.js";
import { cloudtrailEnable } from "./cloudtrail-enable.js";
import { cloudtrailEnableLogValidation } from "./cloudtrail-enable-log-validation.js";
import { forecastRemoveSensitiveTag } from "./forecast-remove-sensitive-tag.js";
import { iamRoleScopeForecastTrust } from "./iam-role-scope-forecast-trust.js";
import { kmsCancelKeyDeletion } from "./kms-cancel-key-deletion.js";
import { kmsEnableKeyRotation } from "./kms-enable-key-rotation.js";
import { macieEnable } from "./macie-enable.js";
import { s3BucketAttachKmsKey } from "./s3-bucket-attach-kms-key.js";
import { s3BucketBlockPublicAccess } from "./s3-bucket-block-public-access.js";
import { s3BucketEnforceTls } from "./s3-bucket-enforce-tls.js";

export const REMEDIATIONS = [
  s3BucketAttachKmsKey,
  s3BucketEnforceTls,
  s3BucketBlockPublicAccess,
  kmsEnableKeyRotation,
  kmsCancelKeyDeletion,
  cloudtrailEnable,
  cloudtrailEnableLogValidation,
  macieEnable,
  forecastRemoveSensitiveTag,
  iamRoleScopeForecastTrust,
] as const satisfies readonly Remediation[];

const BY_ID: ReadonlyMap<string, Remediation> = new Map(REMEDIATIONS.map((r) => [r.id, r]));

export function remediationById(id: string): Remediation | undefined {
  return BY_ID.get(id);
}

/** Every IAM action any remediation (or its revert) needs, sorted: the remediation role's policy. */
export function remediationPermissions(): string[] {
  return [...new Set(REMEDIATIONS.flatMap((r) => [...r.permissions, ...r.revertPermissions]))].sort();
}

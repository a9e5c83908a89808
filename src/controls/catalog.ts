/** The control catalog: an explicit list (no discovery), and the one place controls are run. */

import { scopeArn } from "../domain/arn.js";
import type { Control, ControlSettings, NotApplicable } from "../domain/control.js";
import { findingsFor, isNotApplicable } from "../domain/control.js";
import { type AccountEvidence, isScopeTarget, seenResources } from "../domain/evidence.js";
import type { Finding, ResourceType } from "../domain/finding.js";
import type { AccountInventory } from "../domain/inventory.js";
import { reclaimIfGrown } from "../domain/reclaim-memory.js";
import { referenceReach } from "../domain/reference-scope.js";
import { maskSensitive, withSensitiveMemo } from "../domain/sensitive.js";
import { cloudtrailLogFileValidation } from "./cloudtrail-log-file-validation.js";
import { cloudtrailLogsEncryptedWithCmk } from "./cloudtrail-logs-encrypted-with-cmk.js";
import { cloudtrailMultiRegionLogging } from "./cloudtrail-multi-region-logging.js";
import { forecastApiFipsEndpoint } from "./forecast-api-fips-endpoint.js";
import { forecastApiTls12 } from "./forecast-api-tls-1-2.js";
import { forecastDatasetEncryptedWithCmk } from "./forecast-dataset-encrypted-with-cmk.js";
import { forecastExportEncryptedWithCmk } from "./forecast-export-encrypted-with-cmk.js";
import { forecastNamesNoSensitiveData } from "./forecast-names-no-sensitive-data.js";
import { forecastPredictorEncryptedWithCmk } from "./forecast-predictor-encrypted-with-cmk.js";
import { forecastRoleLeastPrivilege } from "./forecast-role-least-privilege.js";
import { forecastRoleTrustScoped } from "./forecast-role-trust-scoped.js";
import { forecastS3PathsNoCredentials } from "./forecast-s3-paths-no-credentials.js";
import { forecastTagsNoSensitiveData } from "./forecast-tags-no-sensitive-data.js";
import { iamConsoleUsersMfaEnabled } from "./iam-console-users-mfa-enabled.js";
import { iamForecastAccessLeastPrivilege } from "./iam-forecast-access-least-privilege.js";
import { iamRootMfaEnabled } from "./iam-root-mfa-enabled.js";
import { iamRootNoAccessKeys } from "./iam-root-no-access-keys.js";
import { iamRootNotUsed } from "./iam-root-not-used.js";
import { kmsKeyCustomerManagedSymmetric } from "./kms-key-customer-managed-symmetric.js";
import { kmsKeyNotPendingDeletion } from "./kms-key-not-pending-deletion.js";
import { kmsKeyPolicyNotPublic } from "./kms-key-policy-not-public.js";
import { kmsKeyRotationEnabled } from "./kms-key-rotation-enabled.js";
import { macieCoversForecastBuckets } from "./macie-covers-forecast-buckets.js";
import { macieEnabled } from "./macie-enabled.js";
import { s3BucketDefaultEncryptionCmk } from "./s3-bucket-default-encryption-cmk.js";
import { s3BucketMinTls12 } from "./s3-bucket-min-tls-1-2.js";
import { s3BucketPublicAccessBlocked } from "./s3-bucket-public-access-blocked.js";
import { s3BucketTlsEnforced } from "./s3-bucket-tls-enforced.js";
import { incompleteRegions } from "./support/scope.js";

export const CONTROLS = [
  forecastDatasetEncryptedWithCmk,
  forecastPredictorEncryptedWithCmk,
  forecastExportEncryptedWithCmk,
  forecastTagsNoSensitiveData,
  forecastNamesNoSensitiveData,
  forecastS3PathsNoCredentials,
  forecastRoleTrustScoped,
  forecastRoleLeastPrivilege,
  s3BucketDefaultEncryptionCmk,
  s3BucketTlsEnforced,
  s3BucketMinTls12,
  s3BucketPublicAccessBlocked,
  kmsKeyCustomerManagedSymmetric,
  kmsKeyRotationEnabled,
  kmsKeyNotPendingDeletion,
  kmsKeyPolicyNotPublic,
  cloudtrailMultiRegionLogging,
  cloudtrailLogFileValidation,
  cloudtrailLogsEncryptedWithCmk,
  forecastApiTls12,
  forecastApiFipsEndpoint,
  iamRootMfaEnabled,
  iamRootNoAccessKeys,
  iamRootNotUsed,
  iamConsoleUsersMfaEnabled,
  iamForecastAccessLeastPrivilege,
  macieEnabled,
  macieCoversForecastBuckets,
] as const satisfies readonly Control[];

export type ControlId = (typeof CONTROLS)[number]["id"];

const BY_ID = new Map<string, Control>(CONTROLS.map((c) => [c.id, c]));

export function controlById(id: string): Control | undefined {
  return BY_ID.get(id);
}

/** Where a control that crashed reports its ERROR: the service across the account. */
const ACCOUNT_SCOPE: Record<Control["service"], ResourceType> = {
  forecast: "forecast-region",
  s3: "s3-account",
  kms: "kms-key",
  iam: "iam-account",
  cloudtrail: "cloudtrail-region",
  macie: "macie-region",
};

export interface AccountEvaluation {
  findings: Finding[];
  evidence: AccountEvidence;
}

/**
 * Runs each control over one account, and says what the scan can vouch for: per control, the regions whose
 * scope it could not read completely (from the control's declared scope, the regions where it reported an
 * ERROR about the region as a whole, and everywhere for a control that threw), the resources it saw, where
 * referenced resources were reached from, and what did not apply. A control that throws yields one ERROR
 * finding (`ControlFailed`) and the others still run: a bug in one check must not hide the rest of the audit.
 * Sensitive-data detection is memoized for the evaluation (see `withSensitiveMemo`): each distinct name or
 * tag is read once, however many controls describe it.
 */
export function evaluateAccount(
  account: AccountInventory,
  settings: ControlSettings,
  controls: readonly Control[] = CONTROLS,
): AccountEvaluation {
  return withSensitiveMemo(() => runControls(account, settings, controls));
}

function runControls(
  account: AccountInventory,
  settings: ControlSettings,
  controls: readonly Control[],
): AccountEvaluation {
  const findings: Finding[] = [];
  const notApplicable: NotApplicable[] = [];
  const incomplete: Record<string, string[]> = {};
  const everywhere = [...account.regions.map((r) => r.region), "global"];
  for (const control of controls) {
    // A CLI scan collects between two controls once the heap has grown (src/domain/reclaim-memory.ts).
    reclaimIfGrown();
    let regions: Set<string>;
    try {
      const evaluations = control.evaluate({ account, settings });
      regions = incompleteRegions(account, control.scope);
      for (const evaluation of evaluations) {
        if (isNotApplicable(evaluation)) {
          notApplicable.push(evaluation);
          continue;
        }
        findings.push(evaluation);
        if (evaluation.status === "ERROR" && isScopeTarget(evaluation.resourceArn))
          regions.add(evaluation.region);
      }
    } catch (thrown) {
      regions = new Set(everywhere);
      const message = maskSensitive(thrown instanceof Error ? thrown.message : String(thrown)).slice(0, 300);
      const target = {
        accountId: account.accountId,
        region: "global",
        resourceArn: scopeArn(account.partition, control.service, account.accountId, "global"),
        resourceType: ACCOUNT_SCOPE[control.service],
      };
      const error = { code: "ControlFailed", message, action: `forecast-audit:${control.id}` };
      const detail = `Could not evaluate: the control failed with ${message.replace(/\.?\s*$/, "")}.`;
      findings.push(findingsFor(control).error(target, error, detail));
    }
    if (regions.size > 0) incomplete[control.id] = [...regions].sort();
  }
  return {
    findings,
    evidence: {
      accountId: account.accountId,
      incomplete,
      seen: seenResources(account),
      reach: referenceReach(account),
      notApplicable,
    },
  };
}

/** The findings of every control over one account (see `evaluateAccount`). */
export function evaluateControls(
  account: AccountInventory,
  settings: ControlSettings,
  controls: readonly Control[] = CONTROLS,
): Finding[] {
  return evaluateAccount(account, settings, controls).findings;
}

/**
 * What a control is: a typed plain object with a pure `evaluate` over one account's inventory.
 * Controls never call AWS; the collectors own every API call.
 */
import type { Finding, FindingStatus, ResourceType } from "./finding.js";
import type { AccountInventory, ForecastResourceType, ReferenceKind } from "./inventory.js";
import { type CollectError, describeCollectError } from "./result.js";
import type { Severity } from "./severity.js";

/** The inventory slices a control reads; the catalog test checks each has a collector. */
export const INVENTORY_SLICES = [
  "forecast.resources",
  "forecast.config",
  "forecast.tags",
  "s3.bucketRegion",
  "s3.bucketEncryption",
  "s3.bucketPolicy",
  "s3.bucketPublicAccessBlock",
  "s3.accountPublicAccessBlock",
  "kms.keyMetadata",
  "kms.keyRotation",
  "kms.keyPolicy",
  "iam.summary",
  "iam.credentialReport",
  "iam.authorization",
  "cloudtrail.trails",
  "cloudtrail.trailStatus",
  "cloudtrail.eventSelectors",
  "cloudtrail.forecastEvents",
  "macie.session",
  "macie.automatedDiscovery",
  "macie.classificationJobs",
] as const;
export type InventorySlice = (typeof INVENTORY_SLICES)[number];

export interface ControlSettings {
  /** `requireFips` from the config. */
  requireFips: boolean;
  /** The time of evaluation (for "last 90 days" and similar windows). */
  now: Date;
}

export interface ControlContext {
  account: AccountInventory;
  settings: ControlSettings;
}

/**
 * What a control judges, as data: which reads decide whether a resource is in its scope. The catalog derives
 * from it, per account and region, whether a scan read the scope completely — the only condition under which
 * a finding that is no longer reported may resolve as gone.
 *
 * - `forecast`: the Forecast resources of these types, listed per region.
 * - `references`: the buckets, keys or roles that Forecast resources (and, for keys, buckets and trails)
 *   reference; a failed read in one region leaves the scope of the account incomplete in that region, wherever
 *   the referenced resource itself lives.
 * - `trails`: the trails `DescribeTrails` lists per region.
 * - `regions`: one verdict per scanned region (the region itself is the resource).
 * - `iam`: what one account-wide IAM read lists (users in the credential report, principals in the
 *   authorization details), or the account itself (the summary).
 */
export type ControlScope =
  | { kind: "forecast"; types: readonly ForecastResourceType[] }
  | { kind: "references"; of: ReferenceKind }
  | { kind: "trails" }
  | { kind: "regions" }
  | { kind: "iam"; slice: "summary" | "credentialReport" | "authorization" };

/**
 * A resource in a control's scope on which the control has nothing to say (an AWS managed key has no
 * rotation setting of ours, an IAM user without a console password needs no MFA for it). Never shown as a
 * verdict; the lifecycle resolves an earlier FAIL of it as not applicable instead of keeping it or calling
 * it gone.
 */
export interface NotApplicable extends Omit<Finding, "status" | "error" | "remediationId"> {
  status: "N/A";
  /** Never set: a resource the control does not apply to has nothing to fix and no error. */
  error?: undefined;
  remediationId?: undefined;
}

/** What a control returns for one resource: a finding, or that the control does not apply to it. */
export type Evaluation = Finding | NotApplicable;

export function isNotApplicable(e: Evaluation): e is NotApplicable {
  return e.status === "N/A";
}

export interface Control {
  /** Stable public id; equals the file name under `src/controls/`. */
  id: string;
  title: string;
  severity: Severity;
  service: "forecast" | "s3" | "kms" | "iam" | "cloudtrail" | "macie";
  requires: readonly InventorySlice[];
  scope: ControlScope;
  /** The remediation the Fix button runs; absent means the guidance is manual. */
  remediationId?: string;
  /** Step-by-step manual guidance, shown with every FAIL. */
  guidance: string;
  /**
   * One evaluation per resource in scope, and an ERROR per region whose scope could not be read completely.
   * A control never returns nothing for a resource in its scope: it judges it, or says it does not apply.
   */
  evaluate(ctx: ControlContext): Evaluation[];
}

export function defineControl<const C extends Control>(control: C): C {
  return control;
}

export interface FindingTarget {
  accountId: string;
  region: string;
  resourceArn: string;
  resourceType: ResourceType;
}

/** Builds findings for one control with its id, title, severity and remediation filled in. */
export function findingsFor(control: Pick<Control, "id" | "title" | "severity" | "remediationId">) {
  const make = (status: FindingStatus, target: FindingTarget, detail: string): Finding => {
    const finding: Finding = {
      controlId: control.id,
      status,
      severity: control.severity,
      title: control.title,
      ...target,
      detail,
    };
    if (status === "FAIL" && control.remediationId) finding.remediationId = control.remediationId;
    return finding;
  };
  return {
    pass: (target: FindingTarget, detail: string): Finding => make("PASS", target, detail),
    fail: (target: FindingTarget, detail: string): Finding => make("FAIL", target, detail),
    error: (target: FindingTarget, error: CollectError, detail?: string): Finding => ({
      ...make("ERROR", target, detail ?? describeCollectError(error)),
      error,
    }),
    /** `detail`: one sentence, ending with a period, on why the control does not apply. */
    notApplicable: (target: FindingTarget, detail: string): NotApplicable => ({
      controlId: control.id,
      status: "N/A",
      severity: control.severity,
      title: control.title,
      ...target,
      detail,
    }),
  };
}

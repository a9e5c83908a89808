/**
 * What a control is: a typed plain object with a pure `evaluate` over one account's inventory.
 * Controls never call AWS; the collectors own every API call.
 */
import type { Finding, FindingStatus, ResourceType } from "./finding.js";
import type { AccountInventory } from "./inventory.js";
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

export interface Control {
  /** Stable public id; equals the file name under `src/controls/`. */
  id: string;
  title: string;
  severity: Severity;
  service: "forecast" | "s3" | "kms" | "iam" | "cloudtrail" | "macie";
  requires: readonly InventorySlice[];
  /** The remediation the Fix button runs; absent means the guidance is manual. */
  remediationId?: string;
  /** Step-by-step manual guidance, shown with every FAIL. */
  guidance: string;
  evaluate(ctx: ControlContext): Finding[];
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
  };
}

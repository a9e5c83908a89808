/** Lists the trails each region sees and reads each distinct trail's status and event selectors once. */
import {
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  DescribeTrailsCommand,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import type { TrailEventSelectors, TrailInventory } from "../../domain/inventory.js";
import type { Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt } from "../errors.js";
import { type Limit, type LimitFor, sendOptions } from "./limit.js";

/** What `DescribeTrails` says about a trail, before its status and selectors are read. */
export type TrailDescription = Omit<TrailInventory, "status" | "selectors">;

export interface RegionTrails {
  trailArns: Slice<string[]>;
  trails: TrailDescription[];
}

export function toTrailDescription(trail: Trail, region: string): TrailDescription | undefined {
  if (!trail.TrailARN) return undefined;
  const out: TrailDescription = {
    arn: trail.TrailARN,
    name: trail.Name ?? trail.TrailARN,
    homeRegion: trail.HomeRegion ?? region,
    isMultiRegion: trail.IsMultiRegionTrail === true,
    isOrganizationTrail: trail.IsOrganizationTrail === true,
    logFileValidationEnabled: trail.LogFileValidationEnabled === true,
  };
  if (trail.KmsKeyId) out.kmsKeyId = trail.KmsKeyId;
  if (trail.S3BucketName) out.s3BucketName = trail.S3BucketName;
  return out;
}

/** `DescribeTrails` with shadow trails, so multi-region and organization trails homed elsewhere show up too. */
export async function describeRegionTrails(
  clients: AccountClients,
  region: string,
  limit: Limit,
): Promise<RegionTrails> {
  const trails: TrailDescription[] = [];
  const trailArns = await attempt("cloudtrail:DescribeTrails", () =>
    limit(async (signal) => {
      const out = await clients
        .cloudtrail(region)
        .send(new DescribeTrailsCommand({ includeShadowTrails: true }), sendOptions(signal));
      for (const trail of out.trailList ?? []) {
        const description = toTrailDescription(trail, region);
        if (description) trails.push(description);
      }
      return trails.map((t) => t.arn);
    }),
  );
  return { trailArns, trails: trailArns.ok ? trails : [] };
}

/** `GetTrailStatus` and `GetEventSelectors` by ARN, in the trail's home region. */
export async function collectTrail(
  clients: AccountClients,
  trail: TrailDescription,
  limitFor: LimitFor,
): Promise<TrailInventory> {
  const cloudtrail = clients.cloudtrail(trail.homeRegion);
  const limit = limitFor(trail.homeRegion);
  const [status, selectors] = await Promise.all([
    attempt("cloudtrail:GetTrailStatus", () =>
      limit(async (signal) => {
        const out = await cloudtrail.send(
          new GetTrailStatusCommand({ Name: trail.arn }),
          sendOptions(signal),
        );
        return { isLogging: out.IsLogging === true };
      }),
    ),
    attempt("cloudtrail:GetEventSelectors", () =>
      limit(async (signal) => {
        const out = await cloudtrail.send(
          new GetEventSelectorsCommand({ TrailName: trail.arn }),
          sendOptions(signal),
        );
        return reduceEventSelectors(out.EventSelectors, out.AdvancedEventSelectors);
      }),
    ),
  ]);
  return { ...trail, status, selectors };
}

interface Coverage {
  read: boolean;
  write: boolean;
}

const NONE: Coverage = { read: false, write: false };
const ALL: Coverage = { read: true, write: true };
const FORECAST_SOURCE = "forecast.amazonaws.com";

function basicCoverage(selector: EventSelector): Coverage {
  if (selector.IncludeManagementEvents === false) return NONE;
  switch (selector.ReadWriteType ?? "All") {
    case "ReadOnly":
      return { read: true, write: false };
    case "WriteOnly":
      return { read: false, write: true };
    default:
      return ALL;
  }
}

/** Whether a field selector lets events with this value through. */
function admits(field: AdvancedFieldSelector, value: string): boolean {
  if (field.Equals && !field.Equals.includes(value)) return false;
  if (field.StartsWith && !field.StartsWith.some((p) => value.startsWith(p))) return false;
  if (field.EndsWith && !field.EndsWith.some((s) => value.endsWith(s))) return false;
  if (field.NotEquals?.includes(value)) return false;
  if (field.NotStartsWith?.some((p) => value.startsWith(p))) return false;
  if (field.NotEndsWith?.some((s) => value.endsWith(s))) return false;
  return true;
}

function advancedCoverage(selector: AdvancedEventSelector): Coverage {
  const fields = selector.FieldSelectors ?? [];
  const category = fields.find((f) => f.Field === "eventCategory");
  if (!category || !admits(category, "Management")) return NONE;
  // A selector narrowed to other services does not record the Forecast calls this audit is about.
  const source = fields.find((f) => f.Field === "eventSource");
  if (source && !admits(source, FORECAST_SOURCE)) return NONE;
  const readOnly = fields.find((f) => f.Field === "readOnly");
  if (!readOnly) return ALL;
  return { read: admits(readOnly, "true"), write: admits(readOnly, "false") };
}

/** Basic and advanced selectors reduced to which management events the trail records. */
export function reduceEventSelectors(
  basic: readonly EventSelector[] | undefined,
  advanced: readonly AdvancedEventSelector[] | undefined,
): TrailEventSelectors {
  const coverages = [...(basic ?? []).map(basicCoverage), ...(advanced ?? []).map(advancedCoverage)];
  const read = coverages.some((c) => c.read);
  const write = coverages.some((c) => c.write);
  const managementEvents = read && write ? "All" : read ? "ReadOnly" : write ? "WriteOnly" : "None";
  return { managementEvents };
}

/**
 * Forecast API calls recorded by CloudTrail (`LookupEvents`), reduced to their TLS details. LookupEvents allows
 * 2 calls per second per account and region, so pages are paced rather than left to fail and retry.
 */
import { type Event, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import type { ForecastApiEvent, ForecastApiEvents } from "../../domain/inventory.js";
import type { Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt } from "../errors.js";
import { type Limit, realSleep, type Sleep, sendOptions } from "./limit.js";

export const LOOKUP_EVENTS_INTERVAL_MS = 500;
const PAGE_SIZE = 50;
const DAY_MS = 24 * 60 * 60_000;

export interface ForecastEventsOptions {
  limit: Limit;
  lookbackDays: number;
  maxEvents: number;
  now: Date;
  sleep?: Sleep;
  clock?: () => number;
}

interface CloudTrailRecord {
  tlsDetails?: { tlsVersion?: unknown; clientProvidedHostHeader?: unknown };
  userIdentity?: { arn?: unknown };
}

export function toForecastApiEvent(event: Event): ForecastApiEvent {
  const out: ForecastApiEvent = {
    eventId: event.EventId ?? "",
    eventName: event.EventName ?? "",
    eventTime: event.EventTime?.toISOString() ?? "",
  };
  let record: CloudTrailRecord = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? "{}") as CloudTrailRecord;
  } catch {
    // A record CloudTrail could not serialise still counts as a call; it just carries no TLS details.
  }
  const tls = record.tlsDetails;
  if (typeof tls?.tlsVersion === "string") out.tlsVersion = tls.tlsVersion;
  if (typeof tls?.clientProvidedHostHeader === "string") out.hostHeader = tls.clientProvidedHostHeader;
  if (typeof record.userIdentity?.arn === "string") out.principalArn = record.userIdentity.arn;
  return out;
}

export async function collectForecastApiEvents(
  clients: AccountClients,
  region: string,
  options: ForecastEventsOptions,
): Promise<Slice<ForecastApiEvents>> {
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? Date.now;
  const since = new Date(options.now.getTime() - options.lookbackDays * DAY_MS);
  const cloudtrail = clients.cloudtrail(region);
  return attempt("cloudtrail:LookupEvents", async () => {
    const events: ForecastApiEvent[] = [];
    let nextToken: string | undefined;
    let lastCall: number | undefined;
    let truncated = false;
    do {
      if (events.length >= options.maxEvents) {
        truncated = true;
        break;
      }
      if (lastCall !== undefined) {
        const wait = lastCall + LOOKUP_EVENTS_INTERVAL_MS - clock();
        if (wait > 0) await sleep(wait);
      }
      const token = nextToken;
      const page = await options.limit((signal) => {
        lastCall = clock();
        return cloudtrail.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "forecast.amazonaws.com" }],
            StartTime: since,
            EndTime: options.now,
            MaxResults: Math.min(PAGE_SIZE, options.maxEvents - events.length),
            ...(token !== undefined ? { NextToken: token } : {}),
          }),
          sendOptions(signal),
        );
      });
      for (const event of page.Events ?? []) events.push(toForecastApiEvent(event));
      nextToken = page.NextToken || undefined;
    } while (nextToken !== undefined);
    return { since: since.toISOString(), truncated, events };
  });
}

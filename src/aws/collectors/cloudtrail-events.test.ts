import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import {
  collectForecastApiEvents,
  LOOKUP_EVENTS_INTERVAL_MS,
  toForecastApiEvent,
} from "./cloudtrail-events.js";
import { unlimited } from "./limit.js";

const cloudtrail = mockClient(CloudTrailClient);
const NOW = new Date("2024-06-10T00:00:00Z");

function event(id: string, tls?: string, host?: string) {
  return {
    EventId: id,
    EventName: "DescribeDataset",
    EventTime: new Date("2024-06-09T12:00:00Z"),
    CloudTrailEvent: JSON.stringify({
      userIdentity: { arn: "arn:aws:iam::111122223333:user/alice" },
      ...(tls ? { tlsDetails: { tlsVersion: tls, clientProvidedHostHeader: host } } : {}),
    }),
  };
}

/** A fake clock that only moves when the collector sleeps, so pacing is checked without timing. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

beforeEach(() => cloudtrail.reset());

describe("toForecastApiEvent", () => {
  it("reads TLS version, host header and caller from the record", () => {
    expect(toForecastApiEvent(event("e1", "TLSv1.3", "forecast-fips.us-east-1.amazonaws.com"))).toEqual({
      eventId: "e1",
      eventName: "DescribeDataset",
      eventTime: "2024-06-09T12:00:00.000Z",
      tlsVersion: "TLSv1.3",
      hostHeader: "forecast-fips.us-east-1.amazonaws.com",
      principalArn: "arn:aws:iam::111122223333:user/alice",
    });
  });

  it("keeps an event whose record is not JSON, without TLS details", () => {
    expect(toForecastApiEvent({ EventId: "e2", EventName: "X", CloudTrailEvent: "{broken" })).toEqual({
      eventId: "e2",
      eventName: "X",
      eventTime: "",
    });
  });
});

describe("collectForecastApiEvents", () => {
  it("filters on the Forecast event source in the look-back window and pages at most 2 calls a second", async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event("e1", "TLSv1.2")], NextToken: "t2" })
      .resolvesOnce({ Events: [event("e2", "TLSv1.3")], NextToken: "t3" })
      .resolvesOnce({ Events: [event("e3", "TLSv1")] });
    const time = fakeTime();

    const result = await collectForecastApiEvents(fakeAccountClients(), "us-east-1", {
      limit: unlimited,
      lookbackDays: 7,
      maxEvents: 1000,
      now: NOW,
      sleep: time.sleep,
      clock: time.clock,
    });

    expect(result.ok && result.value.events.map((e) => e.tlsVersion)).toEqual([
      "TLSv1.2",
      "TLSv1.3",
      "TLSv1",
    ]);
    expect(result.ok && result.value.truncated).toBe(false);
    expect(result.ok && result.value.since).toBe("2024-06-03T00:00:00.000Z");
    const inputs = cloudtrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({
      LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "forecast.amazonaws.com" }],
      StartTime: new Date("2024-06-03T00:00:00Z"),
      EndTime: NOW,
    });
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, "t2", "t3"]);
    expect(time.sleeps).toEqual([LOOKUP_EVENTS_INTERVAL_MS, LOOKUP_EVENTS_INTERVAL_MS]);
  });

  it("stops at maxEvents and marks the result truncated", async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [event("a"), event("b")], NextToken: "more" });
    const time = fakeTime();

    const result = await collectForecastApiEvents(fakeAccountClients(), "us-east-1", {
      limit: unlimited,
      lookbackDays: 1,
      maxEvents: 4,
      now: NOW,
      sleep: time.sleep,
      clock: time.clock,
    });

    expect(result.ok && result.value.events).toHaveLength(4);
    expect(result.ok && result.value.truncated).toBe(true);
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(2);
  });

  it("keeps throttling past the retries as an error", async () => {
    cloudtrail.on(LookupEventsCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
    const result = await collectForecastApiEvents(fakeAccountClients(), "us-east-1", {
      limit: unlimited,
      lookbackDays: 1,
      maxEvents: 10,
      now: NOW,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ThrottlingException", action: "cloudtrail:LookupEvents" },
    });
  });
});

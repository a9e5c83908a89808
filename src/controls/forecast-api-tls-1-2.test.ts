import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildApiEvent,
  buildContext,
  denied,
  ok,
  withRegion,
} from "../../test/support/inventory-builders.js";
import type { ForecastApiEvent } from "../domain/inventory.js";
import { forecastApiTls12 as control, isBelowTls12 } from "./forecast-api-tls-1-2.js";

const withEvents = (...events: ForecastApiEvent[]) =>
  control.evaluate(buildContext(withRegion(buildAccount(), "us-east-1", { events })));

describe("forecast-api-tls-1-2", () => {
  it("passes when every recorded call used TLS 1.2 or later", () => {
    const findings = withEvents(
      buildApiEvent({ tlsVersion: "TLSv1.2" }),
      buildApiEvent({ tlsVersion: "TLSv1.3" }),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceType: "forecast-region",
        resourceArn: `arn:aws:forecast:us-east-1:${ACCOUNT_ID}:*`,
      }),
    ]);
    expect(findings[0]?.detail).toMatch(
      /^All 2 recorded Forecast API calls in us-east-1 since \d{4}-\d\d-\d\d used TLS 1\.2 or later\.$/,
    );
  });

  it("fails with the count and the event names of old-TLS calls", () => {
    const [finding] = withEvents(
      buildApiEvent({ tlsVersion: "TLSv1", eventName: "CreateDataset" }),
      buildApiEvent({ tlsVersion: "TLSv1.1", eventName: "ListPredictors" }),
      buildApiEvent({ tlsVersion: "TLSv1.2" }),
    );
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(
      /^2 of 3 recorded Forecast API calls .* used TLSv1 and TLSv1\.1 \(CreateDataset and ListPredictors\)\.$/,
    );
  });

  it("ignores events without TLS details, and does not apply when none have them", () => {
    const { tlsVersion: _omitted, ...noTls } = buildApiEvent();
    const notApplicable = expect.objectContaining({
      status: "N/A",
      resourceArn: `arn:aws:forecast:us-east-1:${ACCOUNT_ID}:*`,
    });
    expect(withEvents(noTls)).toEqual([notApplicable]);
    expect(withEvents()).toEqual([notApplicable]);
    expect(withEvents(noTls, buildApiEvent({ tlsVersion: "TLSv1.2" }))[0]?.detail).toMatch(
      /^The one recorded Forecast API call in us-east-1 since \d{4}-\d\d-\d\d used TLS 1\.2 or later\.$/,
    );
  });

  it("is ERROR, not PASS, when the read stopped at cloudtrailMaxEvents before the window's start", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecastApiEvents: ok({
        since: "2024-05-25T00:00:00.000Z",
        truncated: true,
        events: [buildApiEvent({ tlsVersion: "TLSv1.2" })],
      }),
    });
    expect(control.evaluate(buildContext(account))).toEqual([
      expect.objectContaining({
        status: "ERROR",
        error: expect.objectContaining({ code: "EventLimitReached" }),
      }),
    ]);
    const old = withRegion(buildAccount(), "us-east-1", {
      forecastApiEvents: ok({
        since: "2024-05-25T00:00:00.000Z",
        truncated: true,
        events: [buildApiEvent({ tlsVersion: "TLSv1" })],
      }),
    });
    expect(control.evaluate(buildContext(old))[0]?.status).toBe("FAIL");
  });

  it("reports ERROR when the events could not be read", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecastApiEvents: denied("cloudtrail:LookupEvents"),
    });
    expect(control.evaluate(buildContext(account))[0]).toMatchObject({
      status: "ERROR",
      error: { action: "cloudtrail:LookupEvents" },
    });
  });

  it("knows which versions are below 1.2", () => {
    expect(["TLSv1", "TLSv1.0", "TLSv1.1", "SSLv3"].map(isBelowTls12)).toEqual([true, true, true, true]);
    expect(["TLSv1.2", "TLSv1.3", "unknown"].map(isBelowTls12)).toEqual([false, false, false]);
  });
});

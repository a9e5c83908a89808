import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildApiEvent,
  buildContext,
  denied,
  ok,
  withRegion,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, ForecastApiEvent } from "../domain/inventory.js";
import { forecastApiFipsEndpoint as control } from "./forecast-api-fips-endpoint.js";

const fips = (region = "us-east-1") => buildApiEvent({ hostHeader: `forecast-fips.${region}.amazonaws.com` });
const plain = (region = "us-east-1") => buildApiEvent({ hostHeader: `forecast.${region}.amazonaws.com` });
const run = (account: AccountInventory, requireFips = true) =>
  control.evaluate(buildContext(account, { requireFips }));
const withEvents = (region: string, ...events: ForecastApiEvent[]) =>
  withRegion(buildAccount(), region, { events });

describe("forecast-api-fips-endpoint", () => {
  it("passes when every call went to a forecast-fips endpoint", () => {
    expect(run(withEvents("us-east-1", fips(), fips()))).toEqual([
      expect.objectContaining({ status: "PASS", region: "us-east-1", severity: "low" }),
    ]);
  });

  it("fails non-FIPS calls, naming the hosts", () => {
    const [finding] = run(withEvents("us-east-1", fips(), plain()));
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/^1 of 2 recorded .* \(forecast\.us-east-1\.amazonaws\.com\)\.$/);
  });

  it("does not apply when FIPS is not required, and runs only in us-east-1, us-east-2 and us-west-2", () => {
    expect(run(withEvents("us-east-1", plain()), false)).toEqual([
      expect.objectContaining({
        status: "N/A",
        region: "us-east-1",
        detail: "FIPS is not required (requireFips: false).",
      }),
    ]);
    const account = withRegion(withEvents("us-west-2", plain("us-west-2")), "eu-west-1", {
      events: [plain("eu-west-1")],
    });
    expect(run(account).map((f) => [f.region, f.status])).toEqual([
      ["us-east-1", "N/A"],
      ["us-west-2", "FAIL"],
    ]);
  });

  it("does not apply where no recorded call carries a host header", () => {
    const { hostHeader: _omitted, ...noHost } = buildApiEvent();
    expect(run(withEvents("us-east-1", noHost))).toEqual([
      expect.objectContaining({ status: "N/A", region: "us-east-1" }),
    ]);
  });

  it("fails on a partial read that shows a non-FIPS call, and is ERROR on one that shows none", () => {
    const truncated = (events: ForecastApiEvent[]) =>
      withRegion(buildAccount(), "us-east-1", {
        forecastApiEvents: ok({ since: "2024-05-25T00:00:00.000Z", truncated: true, events }),
      });
    expect(run(truncated([fips(), plain()]))[0]?.status).toBe("FAIL");
    expect(run(truncated([fips(), fips()]))).toEqual([
      expect.objectContaining({
        status: "ERROR",
        error: expect.objectContaining({ code: "EventLimitReached", action: "cloudtrail:LookupEvents" }),
        detail:
          "Could not evaluate: only the 2 most recent Forecast API calls recorded in us-east-1 since 2024-05-25 were read, so older ones were not checked; raise cloudtrailMaxEvents.",
      }),
    ]);
  });

  it("reports ERROR when the events could not be read", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecastApiEvents: denied("cloudtrail:LookupEvents"),
    });
    expect(run(account)[0]?.status).toBe("ERROR");
  });
});

import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildApiEvent,
  buildContext,
  denied,
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

  it("only runs when FIPS is required, and only in us-east-1, us-east-2 and us-west-2", () => {
    expect(run(withEvents("us-east-1", plain()), false)).toEqual([]);
    const account = withRegion(withEvents("us-west-2", plain("us-west-2")), "eu-west-1", {
      events: [plain("eu-west-1")],
    });
    expect(run(account).map((f) => f.region)).toEqual(["us-west-2"]);
  });

  it("yields nothing without events that carry a host header", () => {
    const { hostHeader: _omitted, ...noHost } = buildApiEvent();
    expect(run(withEvents("us-east-1", noHost))).toEqual([]);
  });

  it("reports ERROR when the events could not be read", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecastApiEvents: denied("cloudtrail:LookupEvents"),
    });
    expect(run(account)[0]?.status).toBe("ERROR");
  });
});

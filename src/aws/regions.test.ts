import { describe, expect, it } from "vitest";
import { FORECAST_FIPS_REGIONS, FORECAST_REGIONS, isForecastFipsRegion, resolveRegions } from "./regions.js";

describe("resolveRegions", () => {
  it("expands all to every Forecast region", () => {
    expect(resolveRegions("all", "us-east-1")).toEqual([...FORECAST_REGIONS]);
    expect(FORECAST_REGIONS).toHaveLength(10);
  });

  it("uses the default region when none is configured", () => {
    expect(resolveRegions(undefined, "eu-west-1")).toEqual(["eu-west-1"]);
    expect(resolveRegions([], "eu-west-1")).toEqual(["eu-west-1"]);
  });

  it("keeps the configured order and drops duplicates", () => {
    expect(resolveRegions(["eu-west-1", "us-east-1", "eu-west-1"], "ap-south-1")).toEqual([
      "eu-west-1",
      "us-east-1",
    ]);
  });
});

describe("FORECAST_FIPS_REGIONS", () => {
  it("are the three US Forecast regions, all of them Forecast regions", () => {
    expect([...FORECAST_FIPS_REGIONS]).toEqual(["us-east-1", "us-east-2", "us-west-2"]);
    for (const region of FORECAST_FIPS_REGIONS) expect(FORECAST_REGIONS).toContain(region);
    expect(isForecastFipsRegion("us-west-2")).toBe(true);
    expect(isForecastFipsRegion("eu-west-1")).toBe(false);
  });
});

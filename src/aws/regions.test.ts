import { describe, expect, it } from "vitest";
import {
  FORECAST_FIPS_REGIONS,
  FORECAST_REGIONS,
  InvalidRegionError,
  isForecastFipsRegion,
  isForecastRegion,
  resolveRegions,
} from "./regions.js";

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

describe("regions Forecast does not run in", () => {
  it("are refused, configured or default, with every valid region in the message", () => {
    expect(() => resolveRegions(["us-east-1", "us-east-9"], "us-east-1")).toThrow(InvalidRegionError);
    expect(() => resolveRegions(undefined, "us-west-1")).toThrow(
      /"us-west-1" is not an AWS region where Amazon Forecast runs: us-east-1, us-east-2, us-west-2, ap-south-1, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1\./,
    );
    expect(() => resolveRegions(["mars-1", "US-EAST-1"], "us-east-1")).toThrow(
      /"mars-1", "US-EAST-1" are not/,
    );
    expect(isForecastRegion("eu-west-1")).toBe(true);
    expect(isForecastRegion("eu-west-2")).toBe(false);
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

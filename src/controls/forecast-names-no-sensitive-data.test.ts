import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildDataset,
  buildForecastResource,
  buildSecureAccount,
  denied,
  emptyForecast,
  withRegion,
  withResources,
} from "../../test/support/inventory-builders.js";
import { forecastNamesNoSensitiveData as control } from "./forecast-names-no-sensitive-data.js";

const named = (name: string) =>
  control.evaluate(buildContext(withResources(buildAccount(), [buildDataset({ name })])))[0];

describe("forecast-names-no-sensitive-data", () => {
  it("passes plain names", () => {
    const findings = control.evaluate(buildContext(buildSecureAccount()));
    expect(findings.map((f) => f.status)).toEqual(Array(6).fill("PASS"));
    expect(named("retail_demand_2024")?.status).toBe("PASS");
  });

  it.each([
    ["john_doe_at_example_com", "an e-mail address"],
    ["jdoe_gmail_com", "an e-mail address"],
    ["customer_2125550143", "a phone number"],
    ["card_4111111111111111", "a payment card number"],
    ["emp_123_45_6789", "a US social security number"],
  ])("fails %s and masks it in the detail", (name, kind) => {
    const finding = named(name);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toContain(`embeds what looks like ${kind}.`);
    expect(finding?.detail).not.toMatch(/john|jdoe|2125550143|4111|6789/);
  });

  it("reports ERROR for a region whose listing failed", () => {
    const account = withRegion(buildAccount(), "us-east-1", {
      forecast: { ...emptyForecast(), monitor: denied("forecast:ListMonitors") },
    });
    expect(control.evaluate(buildContext(account))).toEqual([
      expect.objectContaining({ status: "ERROR", resourceType: "forecast-region" }),
    ]);
  });

  it("checks every resource type", () => {
    const account = withResources(buildAccount(), [
      buildForecastResource("what-if-analysis", { name: "jdoe_gmail" }),
    ]);
    expect(control.evaluate(buildContext(account))[0]).toMatchObject({
      status: "FAIL",
      resourceType: "forecast-what-if-analysis",
    });
  });

  it("yields nothing when there are no Forecast resources", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

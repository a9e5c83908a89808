import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildDataset,
  buildForecastResource,
  buildSecureAccount,
  denied,
  withResources,
} from "../../test/support/inventory-builders.js";
import type { Tag } from "../domain/inventory.js";
import { detectSensitiveTag } from "../domain/sensitive.js";
import { forecastTagsNoSensitiveData as control } from "./forecast-tags-no-sensitive-data.js";

const withTags = (tags: Tag[]) =>
  control.evaluate(buildContext(withResources(buildAccount(), [buildDataset({ name: "sales", tags })])));

describe("forecast-tags-no-sensitive-data", () => {
  it("passes every resource whose tags look harmless", () => {
    const findings = control.evaluate(buildContext(buildSecureAccount()));
    expect(findings.length).toBe(6);
    expect(findings.every((f) => f.status === "PASS")).toBe(true);
  });

  it("passes a resource without tags", () => {
    expect(withTags([])).toEqual([
      expect.objectContaining({ status: "PASS", detail: 'Dataset "sales" has no tags.' }),
    ]);
  });

  it("fails on a sensitive value, naming the key but never the value", () => {
    const [finding] = withTags([
      { key: "owner", value: "<!channel> john@example.com" },
      { key: "team", value: "planning" },
    ]);
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "forecast-remove-sensitive-tag" });
    expect(finding?.detail).toBe('Tag "owner" on dataset "sales" holds what looks like an e-mail address.');
    expect(finding?.detail).not.toContain("john");
  });

  it("masks a tag key that is itself sensitive", () => {
    const [finding] = withTags([{ key: "jane@example.com", value: "owner" }]);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toContain('Tag "[email]"');
    expect(finding?.detail).not.toContain("jane");
  });

  it("reads key and value together (ssn: 123456789) and lists several keys", () => {
    const [finding] = withTags([
      { key: "ssn", value: "123456789" },
      { key: "api_key", value: "Zx81kPq0abc" },
    ]);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toBe(
      'Tags "ssn" and "api_key" on dataset "sales" hold what looks like a US social security number and a secret or token.',
    );
  });

  it("flags the kinds of data the brief names", () => {
    const values = [
      "+1 212-555-0143",
      "4111 1111 1111 1111",
      "123-45-6789",
      "AKIAIOSFODNN7EXAMPLE",
      "token=abcdef12",
    ];
    for (const value of values) expect(detectSensitiveTag({ key: "k", value }).length).toBeGreaterThan(0);
    expect(detectSensitiveTag({ key: "cost-center", value: "4000" })).toEqual([]);
  });

  it("reports ERROR when the tags could not be read", () => {
    const account = withResources(buildAccount(), [
      buildForecastResource("forecast", { tags: denied("forecast:ListTagsForResource") }),
    ]);
    expect(control.evaluate(buildContext(account))).toEqual([
      expect.objectContaining({
        status: "ERROR",
        error: expect.objectContaining({ action: "forecast:ListTagsForResource" }),
      }),
    ]);
  });

  it("yields nothing when there are no Forecast resources", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

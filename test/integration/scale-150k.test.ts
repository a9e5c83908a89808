/**
 * 150,000 Forecast resources in one account: every control still evaluates every resource (no control ends in
 * one ERROR such as "Maximum call stack size exceeded"), and the scan returns one finding per resource and
 * control that applies to it. The expected count comes from small accounts: what one more resource of each
 * type adds, times how many were added.
 */
import { describe, expect, it } from "vitest";
import { FORECAST_RESOURCE_TYPES, type ForecastResourceType } from "../../src/domain/inventory.js";
import { evaluateInventory } from "../../src/scan/evaluate-inventory.js";
import { buildInventory, buildSettings } from "../support/inventory-builders.js";
import { buildLargeAccount } from "../support/large-inventory.js";

const SIZE = 150_000;

function countFindings(size: number) {
  const { account, added } = buildLargeAccount(size);
  const { findings } = evaluateInventory(buildInventory(account), buildSettings());
  return { findings, added };
}

/** Findings that one more resource of `type` adds, over the secure baseline. */
function perResource(type: ForecastResourceType, baseline: number): number {
  const index = FORECAST_RESOURCE_TYPES.indexOf(type);
  // buildLargeAccount adds types round-robin, so `index + 1` resources add one of each up to `type`.
  const before = index === 0 ? baseline : countFindings(index).findings.length;
  return countFindings(index + 1).findings.length - before;
}

describe("a 150,000-resource account", () => {
  it("yields every finding, none an ERROR", { timeout: 300_000 }, () => {
    const baseline = countFindings(0).findings.length;
    const { findings, added } = countFindings(SIZE);
    let expected = baseline;
    for (const type of FORECAST_RESOURCE_TYPES) expected += added[type] * perResource(type, baseline);

    const byStatus = { PASS: 0, FAIL: 0, ERROR: 0 };
    const errors: string[] = [];
    for (const f of findings) {
      byStatus[f.status] += 1;
      if (f.status === "ERROR" && errors.length < 5) errors.push(`${f.controlId}: ${f.detail}`);
    }
    expect(errors).toEqual([]);
    expect(byStatus.FAIL).toBe(0);
    expect(findings.length).toBe(expected);
    expect(expected).toBeGreaterThan(SIZE * 2);
  });
});

import { describe, expect, it } from "vitest";
import { buildAccount, buildRegion, denied } from "../../test/support/inventory-builders.js";
import { unreachableAccount } from "../aws/collectors/references.js";
import { FORECAST_RESOURCE_TYPES, type ForecastInventory } from "../domain/inventory.js";
import { scopeErrors } from "./scan-errors.js";

describe("scopeErrors", () => {
  it("names an account whose role could not be assumed, once, not per region", () => {
    const error = {
      code: "AccessDenied",
      message: "not authorized to perform sts:AssumeRole",
      action: "sts:AssumeRole",
    };
    const account = unreachableAccount(
      { accountId: "222233334444", partition: "aws" },
      ["us-east-1", "eu-west-1"],
      error,
    );
    const errors = scopeErrors({
      schemaVersion: 1,
      collectedAt: "2026-11-28T00:00:00Z",
      accounts: [account],
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ accountId: "222233334444", error });
    expect(errors[0]?.message).toContain("sts:AssumeRole was denied");
  });

  it("names a region where every Forecast listing failed, and not one where only some did", () => {
    const fail = denied("forecast:ListDatasetGroups");
    const allFailed = Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, fail])) as ForecastInventory;
    const healthy = buildRegion("us-east-1");
    const partlyFailed = buildRegion("eu-west-1");
    partlyFailed.forecast.predictor = denied("forecast:ListPredictors");
    const broken = { ...buildRegion("ap-south-1"), forecast: allFailed };
    const account = buildAccount({ regions: [healthy, partlyFailed, broken] });
    const errors = scopeErrors({
      schemaVersion: 1,
      collectedAt: "2026-11-28T00:00:00Z",
      accounts: [account],
    });
    expect(errors.map((e) => e.region)).toEqual(["ap-south-1"]);
  });
});

describe("scopeErrors and the deadline", () => {
  it("names an account whose reading the scan's deadline cut short, once", () => {
    const late = {
      code: "Timeout",
      message:
        "The scan's deadline for account 123456789012 (scanTimeoutMinutes: 60) passed before this call in us-east-1 finished",
      action: "kms:DescribeKey",
    };
    const account = buildAccount();
    const region = buildRegion("us-east-1");
    region.forecast.predictor = { ok: false, error: { ...late, action: "forecast:ListPredictors" } };
    const errors = scopeErrors({
      schemaVersion: 1,
      collectedAt: "2026-11-28T00:00:00Z",
      accounts: [{ ...account, regions: [region] }],
    });
    expect(errors).toEqual([
      expect.objectContaining({
        accountId: "123456789012",
        message: expect.stringMatching(
          /^Account 123456789012 was not read completely: The scan's deadline .* what was left is ERROR \(Timeout\)\.$/,
        ),
      }),
    ]);
  });
});

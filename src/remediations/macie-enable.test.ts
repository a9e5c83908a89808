import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildMacie,
  buildRegion,
  denied,
  macieOff,
  ok,
} from "../../test/support/inventory-builders.js";
import {
  isAlreadyCompliant,
  onlyStep,
  planOptions,
  regionFinding,
} from "../../test/support/remediation-fixtures.js";
import type { MacieInventory } from "../domain/inventory.js";
import { macieEnable as remediation } from "./macie-enable.js";

const finding = regionFinding("macie-enabled", "macie2");
const accountWith = (macie: MacieInventory) =>
  buildAccount({ regions: [buildRegion("us-east-1", { macie })] });

describe("macie-enable", () => {
  it("enables Macie and states its cost, where to see pricing, and the revert warning", () => {
    const plan = remediation.plan(finding, accountWith(macieOff()), planOptions());
    expect(onlyStep(plan)).toMatchObject({
      service: "macie2",
      operation: "EnableMacie",
      region: "us-east-1",
      input: { status: "ENABLED" },
    });
    const notes = plan.notes.join("\n");
    expect(notes).toMatch(/per S3 bucket/);
    expect(notes).toMatch(/per GB/);
    expect(notes).toMatch(/30 days are a free trial/);
    expect(notes).toContain("https://aws.amazon.com/macie/pricing/");
    expect(notes).toMatch(/deletes its findings/);
  });

  it("reverts a first enablement with DisableMacie and warns that it deletes findings", () => {
    const revert = remediation.revertPlan(remediation.plan(finding, accountWith(macieOff()), planOptions()));
    expect(onlyStep(revert)).toMatchObject({ operation: "DisableMacie", input: {} });
    expect(revert.notes.join(" ")).toMatch(/permanently deletes/);
  });

  it("resumes a paused Macie and, on revert, pauses it again rather than disabling it", () => {
    const paused = accountWith(buildMacie({ session: ok({ status: "PAUSED" }) }));
    const plan = remediation.plan(finding, paused, planOptions());
    expect(onlyStep(plan)).toMatchObject({ operation: "UpdateMacieSession", input: { status: "ENABLED" } });
    expect(onlyStep(remediation.revertPlan(plan))).toMatchObject({
      operation: "UpdateMacieSession",
      input: { status: "PAUSED" },
    });
  });

  it("gives no steps when enabled, refuses when the session could not be read", () => {
    expect(isAlreadyCompliant(remediation.plan(finding, accountWith(buildMacie()), planOptions()))).toBe(
      true,
    );
    const unread = accountWith(buildMacie({ session: denied("macie2:GetMacieSession") }));
    expect(remediation.plan(finding, unread, planOptions()).refusal).toMatch(/GetMacieSession/);
  });
});

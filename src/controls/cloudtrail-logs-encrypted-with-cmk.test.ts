import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildTrail,
  denied,
  TRAIL_ARN,
} from "../../test/support/inventory-builders.js";
import type { TrailInventory } from "../domain/inventory.js";
import { cloudtrailLogsEncryptedWithCmk as control } from "./cloudtrail-logs-encrypted-with-cmk.js";

const run = (trail: TrailInventory) =>
  control.evaluate(buildContext(buildAccount({ trails: { [TRAIL_ARN]: trail } })));

describe("cloudtrail-logs-encrypted-with-cmk", () => {
  it("passes a trail with a KMS key", () => {
    expect(run(buildTrail())).toEqual([expect.objectContaining({ status: "PASS", resourceArn: TRAIL_ARN })]);
  });

  it("fails a trail without a KMS key", () => {
    const { kmsKeyId: _omitted, ...trail } = buildTrail();
    const [finding] = run(trail);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.remediationId).toBeUndefined();
    expect(finding?.detail).toMatch(/SSE-S3 only/);
  });

  it("judges every trail: a single-region one, and one whose selectors could not be read", () => {
    const { kmsKeyId: _omitted, ...single } = buildTrail({ isMultiRegion: false });
    expect(run(single)).toEqual([expect.objectContaining({ status: "FAIL", resourceArn: TRAIL_ARN })]);
    const unreadSelectors = buildTrail({ selectors: denied("cloudtrail:GetEventSelectors") });
    expect(run(unreadSelectors)).toEqual([
      expect.objectContaining({ status: "PASS", resourceArn: TRAIL_ARN }),
    ]);
  });
});

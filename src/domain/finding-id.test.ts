import { describe, expect, it } from "vitest";
import { findingId, isFindingId } from "./finding.js";

const base = {
  controlId: "kms-key-rotation-enabled",
  accountId: "123456789012",
  region: "us-east-1",
  resourceArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};

describe("findingId", () => {
  it("is stable for the same key and differs for another resource", () => {
    expect(findingId(base)).toBe(findingId({ ...base }));
    expect(findingId(base)).not.toBe(findingId({ ...base, region: "us-west-2" }));
    expect(isFindingId(findingId(base))).toBe(true);
  });

  it("carries no resource text", () => {
    const id = findingId({
      ...base,
      resourceArn: "arn:aws:forecast:us-east-1:123456789012:dataset/alice_example_com",
    });
    expect(id).toMatch(/^f-[0-9a-z]{12}$/);
    expect(id).not.toContain("alice");
  });

  it("gives distinct ids to many distinct keys", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50_000; i++) ids.add(findingId({ ...base, resourceArn: `${base.resourceArn}-${i}` }));
    expect(ids.size).toBe(50_000);
  });

  it("rejects strings that are not ids", () => {
    expect(isFindingId("f-ABCDEFGHJKMN")).toBe(false);
    expect(isFindingId("kms-key-rotation-enabled|123456789012|us-east-1|x")).toBe(false);
    expect(isFindingId("f-0123456789ab")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprintState } from "./remediation.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"x":0,"z":1}]},"b":1}',
    );
  });

  it("keeps array order, which is meaningful", () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe("fingerprintState", () => {
  it("is a sha256 that ignores key order but not values", () => {
    const a = fingerprintState({ policy: "x", region: "us-east-1" });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintState({ region: "us-east-1", policy: "x" })).toBe(a);
    expect(fingerprintState({ region: "us-east-1", policy: "y" })).not.toBe(a);
  });
});

import { describe, expect, it } from "vitest";
import { globToRegExp, isActive, parseFindingKey, suppressionMatcher } from "./suppression-match.js";
import type { Suppression } from "./types.js";

const NOW = "2026-03-01T00:00:00.000Z";
const base = { reason: "r", createdBy: "u", createdAt: "2026-01-01T00:00:00.000Z" };

describe("globToRegExp", () => {
  it("treats only * as special", () => {
    expect(globToRegExp("arn:aws:s3:::data-*").test("arn:aws:s3:::data-eu")).toBe(true);
    expect(globToRegExp("arn:aws:s3:::data-*").test("arn:aws:s3:::other")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(globToRegExp("a(b)?").test("a(b)?")).toBe(true);
    expect(globToRegExp("*").test("")).toBe(true);
    expect(globToRegExp("*:key/*").test("arn:aws:kms:us-east-1:1:key/abc")).toBe(true);
  });
});

describe("suppressionMatcher", () => {
  const target = { key: "c1|111|us-east-1|arn:x", controlId: "c1", resourceArn: "arn:x" };

  it("matches by finding key or by control and pattern, only while active", () => {
    const byKey: Suppression = {
      ...base,
      id: "s1",
      findingKey: target.key,
      expiresAt: "2026-03-02T00:00:00.000Z",
    };
    expect(suppressionMatcher([byKey], NOW)(target)).toBe("s1");
    expect(suppressionMatcher([byKey], "2026-03-02T00:00:00.000Z")(target)).toBeUndefined();
    const byControl: Suppression = { ...base, id: "s2", controlId: "c1", resourcePattern: "arn:*" };
    expect(suppressionMatcher([byControl], NOW)(target)).toBe("s2");
    expect(suppressionMatcher([{ ...byControl, resourcePattern: "arn:y*" }], NOW)(target)).toBeUndefined();
    expect(suppressionMatcher([{ ...byControl, controlId: "c2" }], NOW)(target)).toBeUndefined();
    expect(suppressionMatcher([{ ...byControl, removedAt: NOW }], NOW)(target)).toBeUndefined();
  });

  it("treats a control suppression without a pattern as every resource", () => {
    expect(suppressionMatcher([{ ...base, id: "s3", controlId: "c1" }], NOW)(target)).toBe("s3");
  });
});

describe("isActive", () => {
  it("is false once expired or removed; true forever without an expiry", () => {
    expect(isActive({ ...base, id: "a" }, NOW)).toBe(true);
    expect(isActive({ ...base, id: "a", expiresAt: NOW }, NOW)).toBe(false);
    expect(isActive({ ...base, id: "a", removedAt: NOW }, NOW)).toBe(false);
  });
});

describe("parseFindingKey", () => {
  it("splits the four parts, and refuses anything else", () => {
    expect(parseFindingKey("c|111111111111|global|arn:aws:iam::111111111111:root")).toEqual({
      controlId: "c",
      accountId: "111111111111",
      region: "global",
      resourceArn: "arn:aws:iam::111111111111:root",
    });
    expect(parseFindingKey("c|1|r")).toBeUndefined();
    expect(parseFindingKey("c||r|a")).toBeUndefined();
  });
});

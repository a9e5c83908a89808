/**
 * Memoized detection: inside `withSensitiveMemo` every detector and masking path returns exactly what it
 * returns without the memo, each distinct string is read once, the memo stays within its limit and ends with
 * its run; the matches it shares are frozen, so no caller can corrupt another's.
 */
import { describe, expect, it } from "vitest";
import {
  buildInsecureAccount,
  buildSecureAccount,
  buildSettings,
} from "../../../test/support/inventory-builders.js";
import { evaluateAccount } from "../../controls/catalog.js";
import {
  createSensitiveMemo,
  detectSensitive,
  detectSensitiveInName,
  detectSensitiveTag,
  maskArn,
  maskS3Path,
  maskSensitive,
  maskSensitiveName,
  withSensitiveMemo,
} from "../sensitive.js";
import { activeSensitiveMemo } from "./memo.js";

const TEXTS = [
  "",
  "retail_sales",
  "jdoe@example.com",
  "john_2125550143",
  "jdoe_at_example_com",
  "card 4111 1111 1111 1111",
  "ssn: 078-05-1120",
  "AKIAIOSFODNN7EXAMPLE",
  "password=hunter2hunter2",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "arn:aws:forecast:us-east-1:123456789012:dataset/jane_doe_2125550143",
  "s3://forecast-data/exports/jdoe@example.com/?X-Amz-Signature=abcdef0123456789",
  "1234abcd-12ab-34cd-56ef-1234567890ab",
  "2024-06-01T12:00:00Z",
  "team",
  "demand-planning",
];
const TAGS = [
  { key: "team", value: "demand-planning" },
  { key: "owner", value: "jdoe@example.com" },
  { key: "ssn", value: "123456789" },
];

function everyPath() {
  return {
    text: TEXTS.map((t) => [...detectSensitive(t)]),
    names: TEXTS.map((t) => [...detectSensitiveInName(t)]),
    tags: TAGS.map((t) => [...detectSensitiveTag(t)]),
    masked: TEXTS.map((t) => [maskSensitive(t), maskSensitiveName(t), maskArn(t), maskS3Path(t)]),
  };
}

describe("withSensitiveMemo", () => {
  it("gives the same results as detection without a memo, on first read and on a hit", () => {
    const plain = everyPath();
    expect(plain.text.some((m) => m.length > 0)).toBe(true);
    const [first, second] = withSensitiveMemo(() => [everyPath(), everyPath()]);
    expect(first).toEqual(plain);
    expect(second).toEqual(plain);
  });

  it("evaluates an account to the same findings as without a memo", () => {
    for (const account of [buildSecureAccount(), buildInsecureAccount("jdoe@example.com")]) {
      const memoized = evaluateAccount(account, buildSettings());
      // A memo of one entry starts over on every new string: in effect, no memo.
      const thrashing = withSensitiveMemo(
        () => evaluateAccount(account, buildSettings()),
        createSensitiveMemo(1),
      );
      expect(memoized).toEqual(thrashing);
    }
  });

  it("reads each distinct string once per run", () => {
    const memo = createSensitiveMemo();
    withSensitiveMemo(() => {
      for (let i = 0; i < 3; i += 1) for (const t of TEXTS) detectSensitiveInName(t);
    }, memo);
    const distinct = new Set(TEXTS.filter((t) => t !== "")).size;
    expect(memo.name.computed).toBe(distinct);
    // The name detector reads the free-text one once per name too.
    expect(memo.text.computed).toBe(distinct);
  });

  it("stays within its limit, and is still right when it starts over", () => {
    const memo = createSensitiveMemo(10);
    const strings = Array.from({ length: 1_000 }, (_, i) =>
      i % 7 === 0 ? `user${i}@example.com` : `name_${i}`,
    );
    const inside = withSensitiveMemo(
      () =>
        strings.map((s) => {
          expect(memo.text.size).toBeLessThanOrEqual(10);
          return [...detectSensitive(s)];
        }),
      memo,
    );
    expect(memo.text.size).toBeLessThanOrEqual(10);
    expect(inside).toEqual(strings.map((s) => [...detectSensitive(s)]));
  });

  it("keeps nothing after its run, also when the run throws", () => {
    withSensitiveMemo(() => expect(activeSensitiveMemo()).toBeDefined());
    expect(activeSensitiveMemo()).toBeUndefined();
    expect(() =>
      withSensitiveMemo(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(activeSensitiveMemo()).toBeUndefined();
  });

  it("shares frozen matches, so a caller cannot change what another reads", () => {
    withSensitiveMemo(() => {
      const found = detectSensitive("jdoe@example.com");
      expect(() => (found as unknown as unknown[]).pop()).toThrow(TypeError);
      const match = found[0] as { end: number };
      expect(() => {
        match.end = 0;
      }).toThrow(TypeError);
      expect(maskSensitive("jdoe@example.com")).toBe("[email]");
    });
  });

  it("refuses an asynchronous run, whose work would outlive the memo", () => {
    expect(() => withSensitiveMemo(async () => undefined)).toThrow(/synchronous/);
    expect(activeSensitiveMemo()).toBeUndefined();
  });
});

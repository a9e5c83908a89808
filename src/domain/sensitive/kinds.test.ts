import { describe, expect, it } from "vitest";
import { matchAll } from "./kinds.js";

/** What the language's own matchAll finds: the reference `matchAll` must agree with. */
function reference(text: string, pattern: RegExp): Array<[number, string]> {
  const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
  return [...text.matchAll(new RegExp(pattern.source, flags))].map((m) => [m.index, m[0]]);
}

const spans = (matches: RegExpExecArray[]) => matches.map((m): [number, string] => [m.index, m[0]]);

describe("matchAll", () => {
  const patterns = [/\d+/, /\d*/, /(?<![A-Za-z])ab/i, /x?/g, /(?=a)/, /\bfoo\b/u];
  const texts = ["", "a1b22c333", "AB ab xab", "xxa", "foo food foo", "é foo"];

  it("finds what String.prototype.matchAll finds, empty matches included", () => {
    for (const pattern of patterns) {
      for (const text of texts)
        expect(spans(matchAll(text, pattern)), `${pattern} on ${text}`).toEqual(reference(text, pattern));
    }
  });

  it("gives the same answer however often and in whatever order it is called", () => {
    const pattern = /\d+/;
    const first = matchAll("1 22 333", pattern);
    // A call in the middle of using the first result (nested detection) changes neither.
    const nested = first.map((m) => spans(matchAll(`${m[0]}-9`, pattern)));
    expect(spans(first)).toEqual([
      [0, "1"],
      [2, "22"],
      [5, "333"],
    ]);
    expect(nested).toEqual([
      [
        [0, "1"],
        [2, "9"],
      ],
      [
        [0, "22"],
        [3, "9"],
      ],
      [
        [0, "333"],
        [4, "9"],
      ],
    ]);
    expect(spans(matchAll("1 22 333", pattern))).toEqual(spans(first));
  });

  it("leaves the caller's pattern as it was (no lastIndex moved, no flag added)", () => {
    const global = /a/g;
    global.lastIndex = 2;
    const plain = /a/;
    expect(matchAll("aaaa", global)).toHaveLength(4);
    expect(matchAll("aaaa", plain)).toHaveLength(4);
    expect(global.lastIndex).toBe(2);
    expect(plain.flags).toBe("");
    expect(plain.lastIndex).toBe(0);
  });
});

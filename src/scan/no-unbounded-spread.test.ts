/**
 * The evaluation path and the report formats never spread an array into a call (`push(...xs)`,
 * `Math.max(...xs)`): every element becomes an argument on the stack, and at 150,000 resources that throws
 * "Maximum call stack size exceeded" (see test/integration/scale-150k.test.ts for the behaviour itself).
 * Rest parameters and spreads into array or object literals are fine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const DIRS = ["src/controls", "src/domain", "src/scan", "src/cli/format", "src/aws/collectors"];
/** A spread as the argument of a call: `name(...x` or `name(a, ...x`, not `[...x` or `{ ...x`. */
const CALL_SPREAD = /\b[A-Za-z_$][\w$]*\((?:[^()[\]{}]*,\s*)?\.\.\.[A-Za-z_$(]/;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(ROOT, dir, f));
}

/** A rest parameter (`function f(...args`, `log(...content: unknown[])`) is a declaration, not a call. */
const REST_PARAMETER = /\bfunction\b|\.\.\.[A-Za-z_$][\w$]*\s*:/;

function callSpreads(text: string): number[] {
  return text
    .split("\n")
    .flatMap((line, i) => (CALL_SPREAD.test(line) && !REST_PARAMETER.test(line) ? [i + 1] : []));
}

describe("no spread of arrays into calls", () => {
  it("finds the pattern it forbids", () => {
    expect(callSpreads("out.push(...findings);\nMath.max(1, ...xs);\nconst a = [...xs];")).toEqual([1, 2]);
    expect(callSpreads("function f(...args) {}\n  log(...content: unknown[]): void;")).toEqual([]);
  });

  it("is absent from evaluation, collectors and report formats", () => {
    const found = DIRS.flatMap(sources).flatMap((file) =>
      callSpreads(readFileSync(file, "utf8")).map((line) => `${relative(ROOT, file)}:${line}`),
    );
    expect(found).toEqual([]);
  });
});

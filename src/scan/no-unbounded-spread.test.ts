/**
 * The evaluation path, the collectors and the report formats never spread an array into a call
 * (`push(...xs)`, `Math.max(...xs)`, `new Set(...)` is fine — only `f(...xs)`): every element becomes an
 * argument on the stack, and at 150,000 resources that throws "Maximum call stack size exceeded" (see
 * test/integration/scale-150k.test.ts for the behaviour itself). Rest parameters and spreads into array or
 * object literals are fine. The check reads the syntax tree, so a spread on a line of its own is found too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const DIRS = ["src/controls", "src/domain", "src/scan", "src/cli/format", "src/aws/collectors"];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(ROOT, dir, f));
}

/** The 1-based lines where an argument of a call or `new` is a spread. */
function callSpreads(text: string): number[] {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isSpreadElement(node) && (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent)))
      lines.push(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return lines;
}

describe("no spread of arrays into calls", () => {
  it("finds the pattern it forbids, on one line or over several", () => {
    expect(
      callSpreads("out.push(...findings);\nMath.max(1, ...xs);\nout.push(\n  a,\n  ...rows.map(f),\n);"),
    ).toEqual([1, 2, 5]);
    expect(
      callSpreads(
        "function f(...args: string[]) {}\nconst a = [...xs];\nconst o = { ...p };\nf(a, [...xs]);",
      ),
    ).toEqual([]);
  });

  it("is absent from evaluation, collectors and report formats", () => {
    const found = DIRS.flatMap(sources).flatMap((file) =>
      callSpreads(readFileSync(file, "utf8")).map((line) => `${relative(ROOT, file)}:${line}`),
    );
    expect(found).toEqual([]);
  });
});

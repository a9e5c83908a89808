import { describe, expect, it } from "vitest";
import { diffLines, diffPolicies, formatPolicy, NO_POLICY, renderDiff } from "./policy-diff.js";

const doc = (...sids: string[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: sids.map((Sid) => ({ Sid, Effect: "Deny", Action: "s3:*" })),
  });

describe("formatPolicy", () => {
  it("pretty-prints plain and URL-encoded JSON alike, keeping key order", () => {
    const text = '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow"}]}';
    expect(formatPolicy(text)).toBe(JSON.stringify(JSON.parse(text), null, 2));
    expect(formatPolicy(encodeURIComponent(text))).toBe(formatPolicy(text));
  });

  it("shows text that is not JSON as it is, and a missing policy as such", () => {
    expect(formatPolicy("not json {")).toBe("not json {");
    expect(formatPolicy(null)).toBe(NO_POLICY);
  });
});

describe("diffLines", () => {
  it("marks only the inserted lines as added", () => {
    const lines = diffLines(["a", "b", "c"], ["a", "x", "b", "c"]);
    expect(lines).toEqual([
      { op: "same", text: "a" },
      { op: "add", text: "x" },
      { op: "same", text: "b" },
      { op: "same", text: "c" },
    ]);
  });

  it("finds removals and replacements in the middle", () => {
    const lines = diffLines(["a", "b", "c", "d"], ["a", "c", "e", "d"]);
    expect(lines.filter((l) => l.op === "remove").map((l) => l.text)).toEqual(["b"]);
    expect(lines.filter((l) => l.op === "add").map((l) => l.text)).toEqual(["e"]);
    expect(lines.filter((l) => l.op !== "remove").map((l) => l.text)).toEqual(["a", "c", "e", "d"]);
  });
});

describe("diffPolicies", () => {
  it("shows an appended statement as added lines and keeps the others unchanged", () => {
    const diff = diffPolicies(doc("Keep"), doc("Keep", "New"));
    const added = diff.split("\n").filter((l) => l.startsWith("+ "));
    const removed = diff.split("\n").filter((l) => l.startsWith("- "));
    expect(added.join("\n")).toContain('"Sid": "New"');
    expect(added.join("\n")).not.toContain('"Sid": "Keep"');
    // At most the brace closing the previous statement changes (it gains a comma).
    expect(removed.every((l) => /^-\s*\},?$/.test(l))).toBe(true);
  });

  it("shows a created policy as all added and equal documents as no change", () => {
    const created = diffPolicies(null, doc("New"));
    expect(created.split("\n").every((l) => l.startsWith("+ "))).toBe(true);
    expect(diffPolicies(doc("A"), doc("A"))).toBe("  (no change)");
  });

  it("cuts long unchanged runs to the context around the change", () => {
    const before = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const after = [...before.slice(0, 20), "inserted", ...before.slice(20)];
    const out = renderDiff(diffLines(before, after), 2).split("\n");
    expect(out).toEqual(["  …", "  line 18", "  line 19", "+ inserted", "  line 20", "  line 21", "  …"]);
  });
});

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_PERMISSIONS } from "./permissions.js";

const COLLECTORS = join(import.meta.dirname, "collectors");
const ACTION_LITERAL = /["']((?:s3|kms|iam|cloudtrail|macie2|forecast|sts):[A-Z][A-Za-z]+)["']/g;

function actionsInCollectorSources(): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(COLLECTORS)) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    for (const match of readFileSync(join(COLLECTORS, file), "utf8").matchAll(ACTION_LITERAL)) {
      if (match[1]) found.add(match[1]);
    }
  }
  return found;
}

describe("AUDIT_PERMISSIONS", () => {
  it("lists every action a collector passes to attempt() or names in an error", () => {
    const used = actionsInCollectorSources();
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((action) => !AUDIT_PERMISSIONS.includes(action))).toEqual([]);
  });

  it("is sorted, unique and made of service:Action strings", () => {
    expect([...AUDIT_PERMISSIONS].sort()).toEqual(AUDIT_PERMISSIONS);
    expect(new Set(AUDIT_PERMISSIONS).size).toBe(AUDIT_PERMISSIONS.length);
    for (const action of AUDIT_PERMISSIONS) expect(action).toMatch(/^[a-z0-9]+:[A-Z][A-Za-z]+$/);
  });

  it("includes the Forecast collector's actions and grants nothing that writes", () => {
    expect(AUDIT_PERMISSIONS).toContain("forecast:ListDatasets");
    expect(AUDIT_PERMISSIONS).toContain("forecast:ListTagsForResource");
    const writes = AUDIT_PERMISSIONS.filter((a) =>
      /:(Put|Create|Delete|Update|Enable|Disable|Start|Stop|Tag|Untag)/.test(a),
    );
    expect(writes).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AUDIT_PERMISSIONS } from "./permissions.js";

describe("docs/iam/audit-policy.json", () => {
  it("grants exactly the actions the collectors call, read-only, sorted", () => {
    const doc = JSON.parse(
      readFileSync(new URL("../../docs/iam/audit-policy.json", import.meta.url), "utf8"),
    ) as {
      Statement: Array<{ Effect: string; Action: string[]; Resource: string }>;
    };
    const actions = doc.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual([...AUDIT_PERMISSIONS]);
    expect(doc.Statement.every((s) => s.Effect === "Allow")).toBe(true);
    // The audit role never changes anything: no action outside the read-only verbs the collectors use.
    for (const action of actions) {
      expect(action).toMatch(/^[a-z0-9]+:(Get|List|Describe|Lookup|GenerateCredentialReport)/);
    }
  });
});

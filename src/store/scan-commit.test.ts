import { describe, expect, it } from "vitest";
import { type Finding, findingKey } from "../domain/finding.js";
import { dedupeResults } from "./lifecycle.js";
import { dedupeIndex } from "./scan-commit.js";

function result(resource: string, status: Finding["status"], detail: string = status): Finding {
  return {
    controlId: "kms-key-rotation-enabled",
    status,
    severity: "medium",
    accountId: "111111111111",
    region: "us-east-1",
    resourceArn: `arn:aws:kms:us-east-1:111111111111:key/${resource}`,
    resourceType: "kms-key",
    title: "KMS key rotation is enabled",
    detail,
  };
}

/** The results `dedupeIndex` keeps, in the order of each key's first result, as `dedupeResults` gives them. */
async function kept(findings: readonly Finding[], hash?: (key: string) => number) {
  const winner = await dedupeIndex(findings, hash ? { hash } : {});
  const out: [string, Finding][] = [];
  for (const w of winner) if (w >= 0) out.push([findingKey(findings[w]!), findings[w]!]);
  return out;
}

describe("dedupeIndex", () => {
  const statuses: Finding["status"][] = ["PASS", "ERROR", "FAIL"];
  // Keys reported up to four times each, in a scrambled order, with statuses in every order.
  const findings = Array.from({ length: 400 }, (_, i) =>
    result(`k-${(i * 37) % 130}`, statuses[(i * 7) % 3]!, `d-${i}`),
  );

  it("keeps what dedupeResults keeps: one result per key, the worst status, the first of equals", async () => {
    expect(await kept(findings)).toEqual([...dedupeResults(findings)]);
  });

  it("never merges two keys whose hashes collide", async () => {
    expect(await kept(findings, () => 7)).toEqual([...dedupeResults(findings)]);
    expect(await kept(findings, (key) => key.length)).toEqual([...dedupeResults(findings)]);
  });

  it("gives -1 to every later result of a key", async () => {
    const winner = await dedupeIndex([result("a", "PASS"), result("a", "FAIL"), result("b", "ERROR")]);
    expect([...winner]).toEqual([1, -1, 2]);
  });
});

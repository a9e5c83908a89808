import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { demoInventory } from "../../examples/demo-inventory.js";
import { parseInventory } from "./inventory-file.js";

describe("the shipped demo inventory", () => {
  it("is exactly what examples/demo-inventory.ts generates, and parses as an inventory", () => {
    const text = readFileSync(new URL("../../examples/demo-inventory.json", import.meta.url), "utf8");
    expect(JSON.parse(text)).toEqual(demoInventory());
    expect(parseInventory(text, "demo").accounts[0]?.accountId).toBe("111122223333");
  });

  it("a truncated or foreign file is refused with the field named", () => {
    expect(() => parseInventory('{"schemaVersion":1}', "x.json")).toThrow(
      /x\.json is not a forecast-audit inventory: collectedAt/,
    );
    expect(() => parseInventory("{", "x.json")).toThrow(/x\.json is not valid JSON/);
  });
});

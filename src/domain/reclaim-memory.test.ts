import { afterEach, describe, expect, it, vi } from "vitest";
import { disableMemoryReclaim, enableMemoryReclaim, reclaimMemory } from "./reclaim-memory.js";

afterEach(() => disableMemoryReclaim());

describe("reclaimMemory", () => {
  it("does nothing until a command turns it on", () => {
    const gc = vi.fn();
    vi.stubGlobal("gc", gc);
    try {
      reclaimMemory();
      expect(gc).not.toHaveBeenCalled();
      expect(enableMemoryReclaim()).toBe(true);
      reclaimMemory();
      expect(gc).toHaveBeenCalledTimes(1);
      disableMemoryReclaim();
      reclaimMemory();
      expect(gc).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("stays off when node does not expose gc", () => {
    expect(enableMemoryReclaim(undefined)).toBe(false);
    expect(() => reclaimMemory()).not.toThrow();
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import {
  disableMemoryReclaim,
  enableMemoryReclaim,
  RECLAIM_GROWTH_BYTES,
  reclaimIfGrown,
  reclaimMemory,
} from "./reclaim-memory.js";

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

describe("reclaimIfGrown", () => {
  it("collects only once the used heap has grown by RECLAIM_GROWTH_BYTES since the last collection", () => {
    const gc = vi.fn();
    enableMemoryReclaim(gc);
    reclaimMemory();
    expect(gc).toHaveBeenCalledTimes(1);
    reclaimIfGrown();
    expect(gc).toHaveBeenCalledTimes(1);
    // Small objects on the heap, more than RECLAIM_GROWTH_BYTES of them (at least 16 bytes each).
    const objects = Array.from({ length: RECLAIM_GROWTH_BYTES / 16 + 1 }, (_, i) => ({ i }));
    reclaimIfGrown();
    expect(gc).toHaveBeenCalledTimes(2);
    expect(objects.length).toBeGreaterThan(0);
  });

  it("does nothing when turned off", () => {
    const gc = vi.fn();
    enableMemoryReclaim(gc);
    disableMemoryReclaim();
    reclaimIfGrown();
    reclaimMemory();
    expect(gc).not.toHaveBeenCalled();
  });
});

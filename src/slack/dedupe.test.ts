import { describe, expect, it } from "vitest";
import { createDeliveryDedupe, deliveryKey } from "./dedupe.js";

describe("delivery de-duplication", () => {
  it("identifies events by event_id and commands and clicks by trigger_id", () => {
    expect(deliveryKey({ type: "event_callback", event_id: "Ev1", event: {} })).toBe("event:Ev1");
    expect(deliveryKey({ command: "/forecast-audit", trigger_id: "t.1" })).toBe("trigger:t.1");
    expect(deliveryKey({ type: "block_actions", trigger_id: "t.2" })).toBe("trigger:t.2");
    expect(deliveryKey({ type: "block_actions" })).toBeUndefined();
    expect(deliveryKey(undefined)).toBeUndefined();
  });

  it("reports a key seen within the TTL, and forgets it after", async () => {
    let now = 0;
    const dedupe = createDeliveryDedupe({ ttlMs: 100, now: () => now });
    expect(await dedupe.seen("a")).toBe(false);
    expect(await dedupe.seen("a")).toBe(true);
    expect(await dedupe.seen("b")).toBe(false);
    now = 100;
    expect(await dedupe.seen("a")).toBe(false);
  });

  it("drops a delivery another replica already claimed, and fails open when the claim cannot be made", async () => {
    const claimed = new Set<string>();
    const claim = async (key: string) => {
      if (key === "broken") throw new Error("database down");
      if (claimed.has(key)) return false;
      claimed.add(key);
      return true;
    };
    const errors: unknown[] = [];
    const replicaA = createDeliveryDedupe({ claim, onClaimError: (e) => errors.push(e) });
    const replicaB = createDeliveryDedupe({ claim, onClaimError: (e) => errors.push(e) });
    expect(await replicaA.seen("event:Ev9")).toBe(false);
    // The retry lands on the other replica, whose memory has never seen it.
    expect(await replicaB.seen("event:Ev9")).toBe(true);
    expect(await replicaB.seen("broken")).toBe(false);
    expect(errors).toHaveLength(1);
  });
});

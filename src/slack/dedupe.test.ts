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

  it("reports a key seen within the TTL, and forgets it after", () => {
    let now = 0;
    const dedupe = createDeliveryDedupe({ ttlMs: 100, now: () => now });
    expect(dedupe.seen("a")).toBe(false);
    expect(dedupe.seen("a")).toBe(true);
    expect(dedupe.seen("b")).toBe(false);
    now = 100;
    expect(dedupe.seen("a")).toBe(false);
  });
});

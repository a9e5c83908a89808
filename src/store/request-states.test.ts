import { describe, expect, it } from "vitest";
import {
  canTransition,
  checkTransition,
  IllegalTransitionError,
  REQUEST_TRANSITIONS,
} from "./request-states.js";
import { REQUEST_STATES } from "./types.js";

describe("the request state machine", () => {
  it("follows pending → approved → applying → applied | failed, with revert and retry", () => {
    expect(canTransition("pending", "approved")).toBe(true);
    expect(canTransition("approved", "applying")).toBe(true);
    expect(canTransition("applying", "applied")).toBe(true);
    expect(canTransition("applying", "failed")).toBe(true);
    expect(canTransition("applied", "reverting")).toBe(true);
    expect(canTransition("reverting", "reverted")).toBe(true);
    expect(canTransition("interrupted", "applying")).toBe(true);
  });

  it("never leaves a final state and never skips approval", () => {
    for (const final of ["rejected", "expired", "reverted"] as const)
      expect(REQUEST_TRANSITIONS[final]).toEqual([]);
    expect(canTransition("pending", "applying")).toBe(false);
    expect(canTransition("rejected", "approved")).toBe(false);
  });

  it("names only known states", () => {
    for (const [from, tos] of Object.entries(REQUEST_TRANSITIONS)) {
      expect(REQUEST_STATES).toContain(from);
      for (const to of tos) expect(REQUEST_STATES).toContain(to);
    }
  });

  it("checks every source state of a multi-state compare-and-set", () => {
    expect(checkTransition(["approved", "failed"], "applying")).toEqual(["approved", "failed"]);
    expect(() => checkTransition(["approved", "rejected"], "applying")).toThrow(IllegalTransitionError);
    expect(() => checkTransition([], "applying")).toThrow(/at least one/);
  });
});

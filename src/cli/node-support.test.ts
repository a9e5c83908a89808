import { describe, expect, it } from "vitest";
import { announceEndOfLifeNode, endOfLifeNotice } from "./node-support.js";

describe("end-of-life Node.js", () => {
  it("says nothing on 24 and 22", () => {
    expect(endOfLifeNotice("v24.21.0")).toBeUndefined();
    expect(endOfLifeNotice("v22.12.0")).toBeUndefined();
  });

  it("prints one notice on Node 20 and silences the SDK's own warning, also for child processes", () => {
    const env: NodeJS.ProcessEnv = {};
    const out: string[] = [];
    announceEndOfLifeNode(env, "v20.20.2", (t) => out.push(t));
    announceEndOfLifeNode(env, "v20.20.2", (t) => out.push(t));
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("Node.js v20.20.2 is end of life; use Node.js 24 LTS (or 22)");
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe("true");
    const child = { ...env };
    announceEndOfLifeNode(child, "v20.20.2", (t) => out.push(t));
    expect(out).toHaveLength(1);
  });

  it("leaves an explicit SDK setting alone", () => {
    const env: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "false" };
    announceEndOfLifeNode(env, "v20.0.0", () => {});
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe("false");
  });
});

import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { callKey, createCallCounter } from "./call-counter.js";

describe("callKey", () => {
  it("names a call by service and operation", () => {
    expect(callKey({ clientName: "S3ControlClient", commandName: "GetPublicAccessBlockCommand" })).toBe(
      "s3control:GetPublicAccessBlock",
    );
    expect(callKey({ clientName: "Macie2Client", commandName: "GetMacieSessionCommand" })).toBe(
      "macie2:GetMacieSession",
    );
  });
});

describe("createCallCounter", () => {
  it("counts each send once and each extra attempt as a retry, until reset", async () => {
    let attempts = 0;
    const client = new STSClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 3,
      retryMode: "standard",
      requestHandler: {
        handle: async () => {
          attempts += 1;
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        },
      },
    });
    const counter = createCallCounter();
    client.middlewareStack.use(counter.plugin);

    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toThrow();

    expect(attempts).toBe(3);
    expect(counter.snapshot()).toEqual({
      calls: { "sts:GetCallerIdentity": 1 },
      retries: { "sts:GetCallerIdentity": 2 },
      totalCalls: 1,
      totalRetries: 2,
    });
    counter.reset();
    expect(counter.snapshot().totalCalls).toBe(0);
    client.destroy();
  });
});

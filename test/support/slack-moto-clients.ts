/**
 * `AccountClients` over moto for the Slack end-to-end tests, with every call counted by operation (and,
 * optionally, a hook that sees it first), so a test can prove that a refused click called nothing.
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import type { AccountClients } from "../../src/aws/clients.js";
import { MOTO_ACCOUNT_ID, type MotoServer, motoClientConfig } from "./moto.js";

export interface CountedClients extends AccountClients {
  /** Calls made so far, by operation name (`PutBucketPolicy`). */
  calls: Map<string, number>;
  total(): number;
}

type Stack = { middlewareStack: { add(mw: unknown, options: unknown): void } };

export function countedMotoClients(moto: MotoServer, homeRegion = "us-east-1"): CountedClients {
  const cache = new Map<string, unknown>();
  const calls = new Map<string, number>();
  const memo = <C>(key: string, make: () => C): C => {
    if (!cache.has(key)) {
      const client = make();
      (client as unknown as Stack).middlewareStack.add(
        (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
          async (args: unknown) => {
            const name = (context.commandName ?? "").replace(/Command$/, "");
            calls.set(name, (calls.get(name) ?? 0) + 1);
            return next(args);
          },
        { step: "initialize", name: "slackE2eCounter" },
      );
      cache.set(key, client);
    }
    return cache.get(key) as C;
  };
  const cfg = (region: string) => ({ ...motoClientConfig(moto, region), maxAttempts: 1 });
  return {
    accountId: MOTO_ACCOUNT_ID,
    partition: "aws",
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    s3: (r) => memo(`s3:${r}`, () => new S3Client(cfg(r))),
    s3control: (r) => memo(`s3control:${r}`, () => new S3ControlClient(cfg(r))),
    kms: (r) => memo(`kms:${r}`, () => new KMSClient(cfg(r))),
    iam: () => memo("iam", () => new IAMClient(cfg(homeRegion))),
    cloudtrail: (r) => memo(`cloudtrail:${r}`, () => new CloudTrailClient(cfg(r))),
    macie: (r) => memo(`macie:${r}`, () => new Macie2Client(cfg(r))),
    sts: (r) => memo(`sts:${r}`, () => new STSClient(cfg(r))),
    forecast: (r) => memo(`forecast:${r}`, () => new ForecastClient(cfg(r))),
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { DescribeDatasetGroupCommand } from "@aws-sdk/client-forecast";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCallCounter } from "./call-counter.js";
import {
  ClientFactoryError,
  createClientFactory,
  memoizeCredentials,
  sanitizeSessionName,
} from "./client-factory.js";
import { unlimited } from "./collectors/limit.js";
import { collectAccountPublicAccessBlock, collectBucket } from "./collectors/s3.js";

interface SeenRequest {
  method: string;
  url: string;
  accessKeyId: string | undefined;
  params: URLSearchParams;
}

/** A loopback stand-in for STS and S3 that records what it was asked and answers from `respond`. */
async function fakeAws(
  respond: (request: SeenRequest) => { status: number; body: string },
): Promise<{ url: string; seen: SeenRequest[]; server: Server }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const auth = req.headers.authorization ?? "";
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        accessKeyId: /Credential=([^/]+)\//.exec(auth)?.[1],
        params: new URLSearchParams(body),
      };
      seen.push(request);
      const answer = respond(request);
      res.statusCode = answer.status;
      res.setHeader("content-type", "text/xml");
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const NS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
const callerIdentity = (account: string) => ({
  status: 200,
  body: `<GetCallerIdentityResponse ${NS}><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/alice</Arn><UserId>AIDA</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
});
const assumed = (key: string) => ({
  status: 200,
  body: `<AssumeRoleResponse ${NS}><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/audit/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`,
});
const denied = {
  status: 403,
  body: `<ErrorResponse ${NS}><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
};
const BASE = { accessKeyId: "AKIDBASE", secretAccessKey: "base" };

function stsServer(account = "111122223333") {
  return fakeAws((request) => {
    const action = request.params.get("Action");
    if (action === "AssumeRole")
      return assumed(`ASIA${request.params.get("RoleArn")?.split("/")[1]?.toUpperCase()}`);
    if (action === "GetCallerIdentity") return callerIdentity(account);
    return { status: 400, body: "" };
  });
}

describe("sanitizeSessionName", () => {
  it("keeps the allowed characters, replaces the rest and fits 2 to 64 characters", () => {
    expect(sanitizeSessionName("slack-U0123ABCD")).toBe("slack-U0123ABCD");
    expect(sanitizeSessionName("cli alice/ops:1")).toBe("cli-alice-ops-1");
    expect(sanitizeSessionName("x")).toHaveLength(2);
    expect(sanitizeSessionName("a".repeat(100))).toHaveLength(64);
    expect(sanitizeSessionName("ä@b.c=d,e+f_g")).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe("memoizeCredentials", () => {
  it("shares one fetch, refreshes shortly before expiry and forgets failures", async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const provider = memoizeCredentials(
      async () => {
        calls += 1;
        if (fail) throw new Error("boom");
        return { accessKeyId: `K${calls}`, secretAccessKey: "s", expiration: new Date(now + 60 * 60_000) };
      },
      () => now,
    );

    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a.accessKeyId).toBe("K1");
    expect(b.accessKeyId).toBe("K1");
    now = 50 * 60_000;
    expect((await provider()).accessKeyId).toBe("K1");
    now = 56 * 60_000;
    expect((await provider()).accessKeyId).toBe("K2");

    fail = true;
    now = 200 * 60_000;
    await expect(provider()).rejects.toThrow("boom");
    fail = false;
    expect((await provider()).accessKeyId).toBe("K4");
  });
});

describe("createClientFactory", () => {
  it("assumes the account's role once, with ExternalId and a sanitised session name, and signs with it", async () => {
    const sts = await stsServer();
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "slack U0123",
      credentials: BASE,
      endpoint: sts.url,
      region: "eu-west-1",
    });
    const account = {
      id: "111122223333",
      roleArn: "arn:aws:iam::111122223333:role/audit",
      externalId: "ext-42",
    };

    const clients = await factory.forAccount(account);
    const again = await factory.forAccount(account);
    await clients.sts("eu-west-1").send(new GetCallerIdentityCommand({}));

    expect(again).toBe(clients);
    expect(clients.accountId).toBe("111122223333");
    expect(clients.partition).toBe("aws");
    const assumes = sts.seen.filter((r) => r.params.get("Action") === "AssumeRole");
    expect(assumes).toHaveLength(1);
    expect(assumes[0]?.accessKeyId).toBe("AKIDBASE");
    expect(Object.fromEntries(assumes[0]?.params ?? [])).toMatchObject({
      RoleArn: account.roleArn,
      ExternalId: "ext-42",
      RoleSessionName: "slack-U0123",
    });
    expect(sts.seen.at(-1)?.accessKeyId).toBe("ASIAAUDIT");
    factory.destroy();
  });

  it("uses the remediation role for remediate and memoises clients per service and region", async () => {
    const sts = await stsServer();
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: sts.url,
      region: "us-east-1",
    });
    const account = {
      id: "111122223333",
      roleArn: "arn:aws:iam::111122223333:role/audit",
      remediationRoleArn: "arn:aws:iam::111122223333:role/fixer",
    };

    const clients = await factory.forAccount(account, "remediate");
    await clients.sts("us-east-1").send(new GetCallerIdentityCommand({}));

    expect(sts.seen.at(-1)?.accessKeyId).toBe("ASIAFIXER");
    expect(clients.s3("eu-west-1")).toBe(clients.s3("eu-west-1"));
    expect(clients.s3("eu-west-1")).not.toBe(clients.s3("us-east-1"));
    expect(clients.iam()).toBe(clients.iam());
    factory.destroy();
  });

  it("rejects when AssumeRole is denied, and tries again on the next request", async () => {
    let deny = true;
    const sts = await fakeAws((request) =>
      request.params.get("Action") === "AssumeRole"
        ? deny
          ? denied
          : assumed("ASIAOK")
        : callerIdentity("111122223333"),
    );
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: sts.url,
      region: "us-east-1",
      maxAttempts: 1,
    });
    const account = { id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/audit" };

    await expect(factory.forAccount(account)).rejects.toMatchObject({ name: "AccessDenied" });
    deny = false;
    await expect(factory.forAccount(account)).resolves.toMatchObject({ accountId: "111122223333" });
    factory.destroy();
  });

  it("refuses a role of another account, and an account without a role that is not the current one", async () => {
    const sts = await stsServer("444455556666");
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: sts.url,
      region: "us-east-1",
    });

    await expect(
      factory.forAccount({ id: "111122223333", roleArn: "arn:aws:iam::999999999999:role/audit" }),
    ).rejects.toBeInstanceOf(ClientFactoryError);
    await expect(factory.forAccount({ id: "111122223333" })).rejects.toMatchObject({
      code: "AccountMismatch",
    });
    const current = await factory.forAccount({ id: "444455556666" });
    expect(current.accountId).toBe("444455556666");
    expect(await factory.currentAccount()).toEqual({
      accountId: "444455556666",
      partition: "aws",
      arn: "arn:aws:iam::444455556666:user/alice",
    });
    expect(sts.seen.filter((r) => r.params.get("Action") === "GetCallerIdentity")).toHaveLength(1);
    factory.destroy();
  });

  it("uses Forecast FIPS endpoints only where they exist, and only when required", async () => {
    const { hosts, requestHandler } = offlineHandler();
    const options = {
      sessionName: "cli",
      credentials: BASE,
      requestHandler,
      maxAttempts: 1,
      env: {},
      region: "us-east-1",
    };
    const fips = createClientFactory({ ...options, requireFips: true });
    const lax = createClientFactory({ ...options, requireFips: false });
    const hostOf = async (factory: ReturnType<typeof createClientFactory>, region: string) => {
      const clients = await factory.forAccount({ id: "111122223333" });
      await clients
        .forecast(region)
        .send(new DescribeDatasetGroupCommand({ DatasetGroupArn: "arn" }))
        .catch(() => {});
      return hosts.at(-1);
    };

    expect(await hostOf(fips, "us-east-1")).toBe("forecast-fips.us-east-1.amazonaws.com");
    expect(await hostOf(fips, "us-west-2")).toBe("forecast-fips.us-west-2.amazonaws.com");
    expect(await hostOf(fips, "eu-west-1")).toBe("forecast.eu-west-1.amazonaws.com");
    expect(await hostOf(lax, "us-east-1")).toBe("forecast.us-east-1.amazonaws.com");
    vi.stubEnv("AWS_ENDPOINT_URL_FORECAST", "http://127.0.0.1:1");
    // Reads process.env as the SDK does: the endpoint override wins and FIPS stays off (the two are exclusive).
    const emulated = createClientFactory({ ...options, requireFips: true, env: process.env });
    expect(await hostOf(emulated, "us-east-1")).toBe("127.0.0.1");
    for (const factory of [fips, lax, emulated]) factory.destroy();
    vi.unstubAllEnvs();
  });

  it("forces path-style S3 behind an endpoint override, follows region redirects, and retries adaptively", async () => {
    const { requestHandler } = offlineHandler();
    const options = {
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      requestHandler,
      region: "us-east-1",
    };
    const factory = createClientFactory({ ...options, env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1" } });
    const plain = createClientFactory({ ...options, env: {} });
    const clients = await factory.forAccount({ id: "111122223333" });
    const plainClients = await plain.forAccount({ id: "111122223333" });

    const s3 = clients.s3("eu-west-1");
    expect(s3.config.forcePathStyle).toBe(true);
    expect(s3.config.followRegionRedirects).toBe(true);
    expect(plainClients.s3("eu-west-1").config.forcePathStyle).toBeFalsy();
    expect(await s3.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
    expect(await s3.config.maxAttempts()).toBe(8);
    factory.destroy();
    plain.destroy();
  });

  it("counts calls and retries; throttling that outlasts the retries becomes a slice error", {
    timeout: 30_000,
  }, async () => {
    let failures = 1;
    const s3 = await fakeAws((request) => {
      if (request.params.get("Action") === "GetCallerIdentity") return callerIdentity("111122223333");
      if (request.url.includes("location")) {
        return {
          status: 200,
          body: '<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>',
        };
      }
      if (request.url.includes("policy") && failures-- > 0) {
        return {
          status: 503,
          body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        };
      }
      if (request.url.includes("policy")) return { status: 200, body: '{"Statement":[]}' };
      if (request.url.includes("encryption")) {
        return {
          status: 503,
          body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        };
      }
      return {
        status: 404,
        body: "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>none</Message></Error>",
      };
    });
    const counter = createCallCounter();
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: s3.url,
      region: "us-east-1",
      maxAttempts: 2,
      callCounter: counter,
    });
    const clients = await factory.forAccount({ id: "111122223333" });

    const bucket = await collectBucket(
      clients,
      "data",
      { referencedBy: [], roleArns: [] },
      { limitFor: () => unlimited, locationRegion: "us-east-1" },
    );

    expect(bucket.policy).toMatchObject({ ok: true, value: { text: '{"Statement":[]}' } });
    expect(bucket.encryption).toMatchObject({
      ok: false,
      error: { code: "SlowDown", action: "s3:GetEncryptionConfiguration" },
    });
    expect(bucket.publicAccessBlock).toEqual({ ok: true, value: null });
    const counts = counter.snapshot();
    expect(counts.calls).toEqual({
      "s3:GetBucketEncryption": 1,
      "s3:GetBucketLocation": 1,
      "s3:GetBucketPolicy": 1,
      "s3:GetPublicAccessBlock": 1,
      "sts:GetCallerIdentity": 1,
    });
    expect(counts.retries).toEqual({ "s3:GetBucketEncryption": 1, "s3:GetBucketPolicy": 1 });
    expect(counter.count("s3:GetBucketPolicy")).toBe(1);
    await clients.s3("us-east-1").send(new GetBucketPolicyCommand({ Bucket: "data" }));
    expect(counter.count("s3:GetBucketPolicy")).toBe(2);
    factory.destroy();
  });
});

/**
 * A request handler that never leaves the process: STS GetCallerIdentity is answered, every other request is
 * recorded by host name and fails.
 */
function offlineHandler() {
  const hosts: string[] = [];
  const requestHandler = {
    handle: async (request: { hostname: string; body?: unknown }) => {
      if (String(request.body ?? "").includes("Action=GetCallerIdentity")) {
        const answer = callerIdentity("111122223333");
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "text/xml" },
            body: Readable.from([Buffer.from(answer.body)]),
          },
        };
      }
      hosts.push(request.hostname);
      throw Object.assign(new Error("offline"), { name: "Offline" });
    },
  };
  return { hosts, requestHandler };
}

describe("bounded, honest calls", () => {
  type Reply = (res: ServerResponse) => void;
  const sockets = new Set<Socket>();
  const factories: ReturnType<typeof createClientFactory>[] = [];
  afterEach(() => {
    for (const f of factories.splice(0)) f.destroy();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });

  /**
   * A loopback stand-in for STS and one other service: GetCallerIdentity is answered, every other request is
   * handed to `reply` with its 1-based number (which may answer, hang or drop the connection).
   */
  async function scriptedAws(reply: (n: number, res: ServerResponse, req: IncomingMessage) => void) {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        if (body.includes("Action=GetCallerIdentity")) {
          res.setHeader("content-type", "text/xml");
          res.end(callerIdentity("111122223333").body);
          return;
        }
        requests.push(`${req.method} ${req.url}`);
        reply(requests.length, res, req);
      });
    });
    server.on("connection", (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return { url: `http://127.0.0.1:${port}`, requests };
  }

  const policy: Reply = (res) => {
    res.setHeader("content-type", "application/json");
    res.end('{"Statement":[]}');
  };

  function factoryFor(url: string, extra: { requestTimeoutMs?: number; maxAttempts?: number } = {}) {
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: url,
      region: "us-east-1",
      ...extra,
    });
    factories.push(factory);
    return factory;
  }
  it("aborts an attempt that gets no answer within the request timeout, and retries it", async () => {
    const aws = await scriptedAws((n, res) => {
      if (n > 1) policy(res); // the first attempt hangs: no status line, ever
    });
    const clients = await factoryFor(aws.url, { requestTimeoutMs: 300 }).forAccount({ id: "111122223333" });
    const started = Date.now();
    const out = await clients.s3("us-east-1").send(new GetBucketPolicyCommand({ Bucket: "data" }));
    expect(out.Policy).toBe('{"Statement":[]}');
    expect(aws.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("aborts a body that stalls halfway, and a connection that keeps hanging ends as Timeout after the attempts", async () => {
    const stalled = await scriptedAws((n, res) => {
      if (n > 1) return policy(res);
      res.setHeader("content-type", "application/json");
      res.write('{"Statem'); // headers and half a body, then silence
    });
    const clients = await factoryFor(stalled.url, { requestTimeoutMs: 300 }).forAccount({
      id: "111122223333",
    });
    const out = await clients.s3("us-east-1").send(new GetBucketPolicyCommand({ Bucket: "data" }));
    expect(out.Policy).toBe('{"Statement":[]}');

    const hung = await scriptedAws(() => {});
    const bounded = await factoryFor(hung.url, { requestTimeoutMs: 200, maxAttempts: 3 }).forAccount({
      id: "111122223333",
    });
    const started = Date.now();
    const bucket = await collectBucket(
      bounded,
      "data",
      { referencedBy: [], roleArns: [] },
      { limitFor: () => unlimited, locationRegion: "us-east-1" },
    );
    expect(bucket.region).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "s3:GetBucketLocation" },
    });
    expect(hung.requests).toHaveLength(3);
    // 3 attempts of 200 ms plus the back-off between them.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("aborts calls still in flight, and their retries, when the factory is destroyed", async () => {
    const aws = await scriptedAws(() => {});
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      endpoint: aws.url,
      region: "us-east-1",
      requestTimeoutMs: 60_000,
    });
    const clients = await factory.forAccount({ id: "111122223333" });
    const pending = clients.s3("us-east-1").send(new GetBucketPolicyCommand({ Bucket: "data" }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    factory.destroy();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(aws.requests).toHaveLength(1);
  });

  it("retries a dropped connection", async () => {
    const aws = await scriptedAws((n, res) => {
      if (n === 1) return res.socket?.destroy();
      policy(res);
    });
    const clients = await factoryFor(aws.url).forAccount({ id: "111122223333" });
    const out = await clients.s3("us-east-1").send(new GetBucketPolicyCommand({ Bucket: "data" }));
    expect(out.Policy).toBe('{"Statement":[]}');
    expect(aws.requests).toHaveLength(2);
  });

  it("refuses an HTML page served with 200 instead of reading it as an empty answer", async () => {
    const aws = await scriptedAws((_n, res) => {
      res.setHeader("content-type", "text/html");
      res.end("<!DOCTYPE html><html><body>Sign in to continue</body></html>");
    });
    const clients = await factoryFor(aws.url, { maxAttempts: 1 }).forAccount({ id: "111122223333" });
    const bucket = await collectBucket(
      clients,
      "data",
      { referencedBy: [], roleArns: [] },
      { limitFor: () => unlimited, locationRegion: "us-east-1" },
    );
    expect(bucket.region).toEqual({
      ok: false,
      error: {
        code: "InvalidResponse",
        message: "The service answered HTTP 200 with an HTML page instead of an AWS response",
        action: "s3:GetBucketLocation",
      },
    });
  });

  it("names the HTTP status of an HTML error page", async () => {
    const aws = await scriptedAws((_n, res) => {
      res.statusCode = 502;
      res.setHeader("content-type", "text/html");
      res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
    const clients = await factoryFor(aws.url, { maxAttempts: 1 }).forAccount({ id: "111122223333" });
    const { publicAccessBlock } = await collectAccountPublicAccessBlock(
      clients,
      "111122223333",
      "us-east-1",
      unlimited,
    );
    expect(publicAccessBlock).toEqual({
      ok: false,
      error: {
        code: "HTTP502",
        message: "The service answered HTTP 502 with a body that is not an AWS error response",
        action: "s3:GetAccountPublicAccessBlock",
      },
    });
  });

  it("reads the account's Block Public Access from an IP endpoint, without the account host prefix or a stack trace", async () => {
    const hosts: string[] = [];
    const aws = await scriptedAws((_n, res, req) => {
      hosts.push(String(req.headers.host));
      res.setHeader("content-type", "application/xml");
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>',
      );
    });
    const printed = vi.spyOn(console, "error");
    const clients = await factoryFor(aws.url).forAccount({ id: "111122223333" });
    const { publicAccessBlock } = await collectAccountPublicAccessBlock(
      clients,
      "111122223333",
      "us-east-1",
      unlimited,
    );
    expect(publicAccessBlock).toEqual({
      ok: true,
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      },
    });
    expect(aws.requests).toEqual(["GET /v20180820/configuration/publicAccessBlock"]);
    expect(hosts).toEqual([new URL(aws.url).host]);
    expect(printed).not.toHaveBeenCalled();
  });

  it("keeps the account host prefix for a named endpoint", async () => {
    const { hosts, requestHandler } = offlineHandler();
    const factory = createClientFactory({
      requireFips: false,
      sessionName: "cli",
      credentials: BASE,
      requestHandler,
      region: "us-east-1",
      endpoint: "https://s3-control.example.test",
      maxAttempts: 1,
    });
    factories.push(factory);
    const clients = await factory.forAccount({ id: "111122223333" });
    await collectAccountPublicAccessBlock(clients, "111122223333", "us-east-1", unlimited);
    expect(hosts).toEqual(["111122223333.s3-control.example.test"]);
  });
});

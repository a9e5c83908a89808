/**
 * A proxy in front of moto's STS that refuses AssumeRole the way AWS does when the role is not there or its
 * trust policy wants another external id. moto hands out credentials for any role ARN ("the role does not need
 * to exist"), so without this an account where the audit role was never deployed would look reachable.
 *
 * Every other request is forwarded to moto unchanged. The gate asks moto itself whether the role exists (IAM
 * GetRole in the role's account) and reads its trust policy there; it keeps no list of its own.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { MOTO_CREDENTIALS } from "./moto.js";

export interface StsTrustGate {
  /** For `AWS_ENDPOINT_URL_STS`. */
  url: string;
  /** AssumeRole requests refused so far, by role ARN. */
  refused: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function accessDenied(res: ServerResponse, roleArn: string): void {
  const body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>sts-trust-gate</RequestId></ErrorResponse>`;
  res.writeHead(403, { "content-type": "text/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** The external ids a trust policy requires (`sts:ExternalId` under StringEquals), or none. */
function requiredExternalIds(policyText: string): string[] {
  const doc = JSON.parse(decodeURIComponent(policyText)) as {
    Statement: Array<{ Condition?: { StringEquals?: Record<string, string | string[]> } }>;
  };
  return doc.Statement.flatMap((s) => {
    const value = s.Condition?.StringEquals?.["sts:ExternalId"];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  });
}

export async function startStsTrustGate(motoUrl: string): Promise<StsTrustGate> {
  const target = new URL(motoUrl);
  const refused: string[] = [];
  const direct = {
    endpoint: motoUrl,
    region: "us-east-1",
    credentials: { ...MOTO_CREDENTIALS },
    maxAttempts: 1,
  };
  const sts = new STSClient(direct);
  /** Credentials that moto maps to one account, to ask that account's IAM about its roles. */
  const probes = new Map<string, Promise<IAMClient>>();
  const iamOf = (accountId: string): Promise<IAMClient> => {
    let probe = probes.get(accountId);
    if (!probe) {
      probe = sts
        .send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${accountId}:role/sts-trust-gate`,
            RoleSessionName: "gate",
          }),
        )
        .then(
          (out) =>
            new IAMClient({
              ...direct,
              credentials: {
                accessKeyId: out.Credentials?.AccessKeyId ?? "",
                secretAccessKey: out.Credentials?.SecretAccessKey ?? "",
                sessionToken: out.Credentials?.SessionToken ?? "",
              },
            }),
        );
      probes.set(accountId, probe);
    }
    return probe;
  };

  async function allowed(roleArn: string, externalId: string | null): Promise<boolean> {
    const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    if (!match?.[1] || !match[2]) return false;
    try {
      const role = await (await iamOf(match[1])).send(new GetRoleCommand({ RoleName: match[2] }));
      const wanted = requiredExternalIds(
        role.Role?.AssumeRolePolicyDocument ?? "%7B%22Statement%22%3A%5B%5D%7D",
      );
      return wanted.length === 0 || (externalId !== null && wanted.includes(externalId));
    } catch {
      return false;
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const form = new URLSearchParams(body.toString("utf8"));
      if (form.get("Action") === "AssumeRole") {
        const roleArn = form.get("RoleArn") ?? "";
        if (!(await allowed(roleArn, form.get("ExternalId")))) {
          refused.push(roleArn);
          accessDenied(res, roleArn);
          return;
        }
      }
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, "content-length": String(body.length) },
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      forward.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    async close() {
      sts.destroy();
      for (const probe of probes.values()) (await probe.catch(() => undefined))?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

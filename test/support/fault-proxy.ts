/**
 * A fault-injecting HTTP proxy in front of moto and the Forecast emulator: real HTTP, one endpoint for every
 * service. It names each request's operation the way the SDK's call counter does (`s3:GetBucketPolicy`,
 * `s3control:GetPublicAccessBlock`, `forecast:ListPredictors`), from the signature's credential scope, the JSON
 * target, the query action or the REST path, and records every operation it sees, so a suite can fault each
 * one a scan calls. A fault answers in the operation's own protocol (an AWS error a client parses), or as a
 * proxy would fail (an HTML page, a dropped connection, no answer at all).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type Protocol = "json" | "rest-json" | "query" | "rest-xml";

export interface Operation {
  /** `service:Operation`, as `src/aws/call-counter.ts` names it; `?:METHOD path` when unknown. */
  key: string;
  service: string;
  protocol: Protocol;
  /** The region of the request's credential scope. */
  region: string;
}

export type Fault =
  /** An AWS error of the operation's protocol (`code` as the service names it). */
  | { kind: "aws"; status: number; code: string; message?: string }
  /** The service's own throttling error (ThrottlingException, Throttling, SlowDown …). */
  | { kind: "throttle" }
  /** An HTML page with this status, as a load balancer or proxy answers. */
  | { kind: "html"; status: number }
  /** The connection is closed without an answer. */
  | { kind: "drop" }
  /** No answer, ever (until the client gives up). */
  | { kind: "hang" }
  /** Credentials the endpoint does not accept (unknown keys, or a region the account has not enabled). */
  | { kind: "invalid-credentials" }
  /** Credentials that have expired. */
  | { kind: "expired-credentials" };

export interface FaultRule {
  /** Which requests: an operation key, or a predicate. */
  match: string | ((op: Operation) => boolean);
  fault: Fault;
  /** Fail this many matching requests, then let them through; unset: every one. */
  times?: number;
  /** Let this many matching requests through first. */
  after?: number;
}

export interface FaultProxy {
  url: string;
  /** Requests seen, by operation key (faulted ones included). */
  readonly seen: Map<string, number>;
  /** Requests answered with a fault. */
  readonly faulted: Map<string, number>;
  setRules(rules: FaultRule[]): void;
  /** Clears the rules and the counters. */
  reset(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Where everything but Forecast goes. */
  moto: string;
  /** Where Forecast (and the Tagging API's GetResources, which the emulator answers for Forecast) goes. */
  forecast: string;
}

const JSON_SERVICES = new Set(["forecast", "kms", "cloudtrail"]);
const TO_EMULATOR = new Set(["forecast", "tagging"]);
const QUERY_SERVICES = new Set(["iam", "sts"]);

const S3_SUBRESOURCES: Record<string, string> = {
  location: "GetBucketLocation",
  encryption: "GetBucketEncryption",
  policy: "GetBucketPolicy",
  publicAccessBlock: "GetPublicAccessBlock",
};

const MACIE_ROUTES: Record<string, string> = {
  "GET /macie": "GetMacieSession",
  "GET /automated-discovery/configuration": "GetAutomatedDiscoveryConfiguration",
  "POST /jobs/list": "ListClassificationJobs",
};

/** Names the operation of one request. */
export function classify(req: IncomingMessage, body: string): Operation {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? "",
  );
  const region = scope?.[1] ?? "unknown";
  const signed = scope?.[2] ?? "unknown";
  const url = new URL(req.url ?? "/", "http://proxy");
  const unknown = (service: string, protocol: Protocol): Operation => ({
    key: `?:${req.method} ${url.pathname}${url.search}`,
    service,
    protocol,
    region,
  });
  const target = req.headers["x-amz-target"];
  // The Tagging API signs as `tagging`; the SDK (and so the call counter) names its client `resourcegroupstaggingapi`.
  if (typeof target === "string" && signed === "tagging") {
    return {
      key: `resourcegroupstaggingapi:${target.slice(target.lastIndexOf(".") + 1)}`,
      service: "tagging",
      protocol: "json",
      region,
    };
  }
  if (typeof target === "string" && JSON_SERVICES.has(signed)) {
    return {
      key: `${signed}:${target.slice(target.lastIndexOf(".") + 1)}`,
      service: signed,
      protocol: "json",
      region,
    };
  }
  if (QUERY_SERVICES.has(signed)) {
    const action = new URLSearchParams(body).get("Action") ?? url.searchParams.get("Action");
    return action
      ? { key: `${signed}:${action}`, service: signed, protocol: "query", region }
      : unknown(signed, "query");
  }
  if (signed === "s3" && url.pathname.startsWith("/v20180820/")) {
    return url.pathname === "/v20180820/configuration/publicAccessBlock" && req.method === "GET"
      ? { key: "s3control:GetPublicAccessBlock", service: "s3control", protocol: "rest-xml", region }
      : unknown("s3control", "rest-xml");
  }
  if (signed === "s3") {
    const sub = [...url.searchParams.keys()].find((k) => k in S3_SUBRESOURCES);
    return req.method === "GET" && sub
      ? { key: `s3:${S3_SUBRESOURCES[sub]}`, service: "s3", protocol: "rest-xml", region }
      : unknown("s3", "rest-xml");
  }
  if (signed === "macie2") {
    const name = MACIE_ROUTES[`${req.method} ${url.pathname}`];
    return name
      ? { key: `macie2:${name}`, service: "macie2", protocol: "rest-json", region }
      : unknown("macie2", "rest-json");
  }
  return unknown(signed, "rest-json");
}

const THROTTLE: Record<Protocol, { status: number; code: string }> = {
  json: { status: 400, code: "ThrottlingException" },
  "rest-json": { status: 429, code: "ThrottlingException" },
  query: { status: 400, code: "Throttling" },
  "rest-xml": { status: 503, code: "SlowDown" },
};

/** What each protocol's services answer for credentials they do not accept, and for expired ones. */
const INVALID: Record<Protocol, { status: number; code: string; message: string }> = {
  json: {
    status: 400,
    code: "UnrecognizedClientException",
    message: "The security token included in the request is invalid.",
  },
  "rest-json": {
    status: 403,
    code: "UnrecognizedClientException",
    message: "The security token included in the request is invalid.",
  },
  query: {
    status: 403,
    code: "InvalidClientTokenId",
    message: "The security token included in the request is invalid.",
  },
  "rest-xml": {
    status: 403,
    code: "InvalidAccessKeyId",
    message: "The AWS Access Key Id you provided does not exist in our records.",
  },
};
const EXPIRED: Record<Protocol, { status: number; code: string; message: string }> = {
  json: {
    status: 400,
    code: "ExpiredTokenException",
    message: "The security token included in the request is expired",
  },
  "rest-json": {
    status: 403,
    code: "ExpiredTokenException",
    message: "The security token included in the request is expired",
  },
  query: {
    status: 403,
    code: "ExpiredToken",
    message: "The security token included in the request is expired",
  },
  "rest-xml": { status: 400, code: "ExpiredToken", message: "The provided token has expired." },
};

/** The status, code and message the fault makes this operation answer with (the AWS-shaped kinds). */
export function awsFault(
  op: Operation,
  fault: Fault,
): { status: number; code: string; message: string } | undefined {
  switch (fault.kind) {
    case "aws":
      return {
        status: fault.status,
        code: fault.code,
        message: fault.message ?? `Injected ${fault.code} for ${op.key}`,
      };
    case "throttle":
      return { ...THROTTLE[op.protocol], message: "Rate exceeded" };
    case "invalid-credentials":
      return INVALID[op.protocol];
    case "expired-credentials":
      return EXPIRED[op.protocol];
    default:
      return undefined;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function sendAwsError(
  res: ServerResponse,
  op: Operation,
  status: number,
  code: string,
  message: string,
): void {
  res.statusCode = status;
  res.setHeader("x-amzn-requestid", "fault-proxy");
  switch (op.protocol) {
    case "json":
      res.setHeader("content-type", "application/x-amz-json-1.1");
      res.end(JSON.stringify({ __type: code, message }));
      return;
    case "rest-json":
      res.setHeader("content-type", "application/json");
      res.setHeader("x-amzn-errortype", code);
      res.end(JSON.stringify({ message }));
      return;
    case "query":
      res.setHeader("content-type", "text/xml");
      res.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
      );
      return;
    case "rest-xml":
      res.setHeader("content-type", "application/xml");
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>fault-proxy</RequestId></Error>`,
      );
      return;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, upstream: string): void {
  const target = new URL(upstream);
  const out = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on("error", () => res.socket?.destroy());
  out.end(body);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let rules: Array<FaultRule & { hits: number }> = [];
  const seen = new Map<string, number>();
  const faulted = new Map<string, number>();
  const sockets = new Set<Socket>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const op = classify(req, body.toString("utf8"));
    bump(seen, op.key);
    const rule = rules.find((r) => (typeof r.match === "string" ? r.match === op.key : r.match(op)));
    let fault: Fault | undefined;
    if (rule) {
      rule.hits += 1;
      const after = rule.after ?? 0;
      const active = rule.hits > after && (rule.times === undefined || rule.hits <= after + rule.times);
      if (active) fault = rule.fault;
    }
    if (!fault) {
      // The Forecast emulator also answers the Tagging API's GetResources for Forecast (moto's does not cover it).
      forward(req, res, body, TO_EMULATOR.has(op.service) ? options.forecast : options.moto);
      return;
    }
    bump(faulted, op.key);
    const shaped = awsFault(op, fault);
    if (shaped) {
      sendAwsError(res, op, shaped.status, shaped.code, shaped.message);
      return;
    }
    switch (fault.kind) {
      case "html":
        res.statusCode = fault.status;
        res.setHeader("content-type", "text/html");
        res.end(
          `<html><head><title>${fault.status}</title></head><body><h1>${fault.status} Bad Gateway</h1></body></html>`,
        );
        return;
      case "drop":
        req.socket.destroy();
        return;
      default:
        // hang: no answer.
        return;
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    faulted,
    setRules(next) {
      rules = next.map((r) => ({ ...r, hits: 0 }));
    },
    reset() {
      rules = [];
      seen.clear();
      faulted.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

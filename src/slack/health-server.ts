/**
 * Socket Mode's `/healthz`: a server of its own with the HTTP mode's bounds (header and request timeouts, a
 * connection cap), since Bolt's Socket Mode server has none and logs every request it does not route. It
 * answers `GET /healthz` and nothing else: no body is read, nothing is logged per request, nothing touches
 * the store or Slack.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpLimits } from "./http-receiver.js";

export const HEALTH_PATH = "/healthz";

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  port: number,
  limits: Pick<HttpLimits, "headersTimeoutMs" | "requestTimeoutMs" | "maxConnections">,
  body: Record<string, unknown>,
): Promise<HealthServer> {
  const answer = JSON.stringify(body);
  const server: Server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (path !== HEALTH_PATH) {
        res.writeHead(404, { connection: "close" }).end();
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", connection: "close" }).end();
      } else {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(req.method === "HEAD" ? undefined : answer);
      }
      // Whatever the client sends as a body is not read; the connection is not kept for it.
      req.resume();
    },
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

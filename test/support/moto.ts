/**
 * A moto server for integration tests: `MOTO_URL` when set (CI starts one), else `moto_server` on a free
 * loopback port as a child process. State is reset between tests with `POST /moto-api/reset`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;
/** The account moto uses for the `testing` credentials. */
export const MOTO_ACCOUNT_ID = "123456789012";

export interface MotoServer {
  /** Where moto listens, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** The endpoint to give SDK clients: the same server under a host name, so S3 Control can prefix it. */
  endpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** An IP endpoint renamed to `localhost`: S3 Control puts the account id in front of the host name. */
export function motoEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === "127.0.0.1") parsed.hostname = "localhost";
  return parsed.origin;
}

type RequestHandler = NonNullable<S3ClientConfig["requestHandler"]>;
interface OutgoingRequest {
  hostname: string;
  port?: number;
  headers: Record<string, string>;
}

/**
 * The SDK's own Node handler, except that `<account-id>.<host>` (S3 Control's host) and `localhost` connect to
 * moto's address while the Host header keeps the name. Without it S3 Control calls cannot reach moto: nothing
 * resolves `123456789012.localhost`.
 */
export function motoRequestHandler(): RequestHandler {
  const probe = new S3Client({ region: "us-east-1" });
  const inner = probe.config.requestHandler;
  const route = (request: OutgoingRequest) => {
    const prefixed = /^\d{12}\.(.+)$/.exec(request.hostname);
    if (prefixed?.[1] || request.hostname === "localhost") {
      request.headers.host ??= `${request.hostname}${request.port ? `:${request.port}` : ""}`;
      const target = prefixed?.[1] ?? request.hostname;
      request.hostname = target === "localhost" ? "127.0.0.1" : target;
    }
  };
  return {
    handle: (request: OutgoingRequest, options?: object) => {
      route(request);
      return (inner.handle as (r: OutgoingRequest, o?: object) => ReturnType<typeof inner.handle>)(
        request,
        options,
      );
    },
    destroy: () => inner.destroy?.(),
  };
}

/** Client configuration that sends every call to moto. */
export function motoClientConfig(server: Pick<MotoServer, "endpoint">, region = "us-east-1") {
  return {
    endpoint: server.endpoint,
    region,
    credentials: { ...MOTO_CREDENTIALS },
    forcePathStyle: true,
    requestHandler: motoRequestHandler(),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** What to do when `moto_server` is not on PATH (spawn fails with ENOENT, exit code -2). */
export const MOTO_INSTALL_HINT =
  "moto_server was not found on PATH. The integration tests need moto's server (Python 3.9+): " +
  "install it with `python3 -m pip install 'moto[server]'` (or `pipx install 'moto[server]'`), " +
  "or point MOTO_URL at a running one.";

async function waitUntilAnswering(
  url: string,
  child: (ChildProcess & { spawnError?: Error }) | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child?.spawnError) throw child.spawnError;
    if (child && child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/moto-api/data.json`);
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto at ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function reset(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

export interface StartMotoOptions {
  timeoutMs?: number;
  /**
   * The test attaches AWS managed policies (`arn:aws:iam::aws:policy/…`), which moto only knows when started with
   * `MOTO_IAM_LOAD_MANAGED_POLICIES=true`. A shared `MOTO_URL` server is used only when this process's environment
   * says it was started that way; otherwise a private server is started.
   */
  awsManagedPolicies?: boolean;
  /**
   * Always a server of its own, never the shared `MOTO_URL`, and never with AWS managed policies (whatever the
   * environment says): moto copies every managed policy into each account it sees, gigabytes for hundreds.
   */
  isolated?: boolean;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const given = process.env.MOTO_URL;
  const sharedHasPolicies = process.env.MOTO_IAM_LOAD_MANAGED_POLICIES === "true";
  if (given && !options.isolated && (!options.awsManagedPolicies || sharedHasPolicies)) {
    const url = given.replace(/\/+$/, "");
    await waitUntilAnswering(url, undefined, timeoutMs);
    return { url, endpoint: motoEndpoint(url), reset: () => reset(url), stop: async () => {} };
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MOTO_ALLOW_NONEXISTENT_REGION: "true",
    ...(options.awsManagedPolicies && !options.isolated ? { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" } : {}),
  };
  if (options.isolated) delete env.MOTO_IAM_LOAD_MANAGED_POLICIES;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  const tracked = child as ChildProcess & { spawnError?: Error };
  child.on("error", (error: NodeJS.ErrnoException) => {
    tracked.spawnError =
      error.code === "ENOENT" ? new Error(MOTO_INSTALL_HINT) : new Error(`moto_server: ${error.message}`);
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(url, tracked, timeoutMs);
  } catch (error) {
    child.kill("SIGKILL");
    if (tracked.spawnError) throw tracked.spawnError;
    throw new Error(`${String(error)}\n${stderr}`);
  }
  return {
    url,
    endpoint: motoEndpoint(url),
    reset: () => reset(url),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

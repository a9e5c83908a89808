/**
 * An HTTP server that speaks Amazon Forecast's AWS JSON 1.1 protocol over an in-memory `ForecastState`, so the
 * real `ForecastClient` can be pointed at it (`endpoint: emulator.url`). It can add latency, throttle like the
 * service does (HTTP 400 `ThrottlingException`), and fail chosen operations on purpose.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ForecastEmulatorError } from "./errors.js";
import { type Json, runOperation } from "./operations.js";
import { ForecastState, type ForecastStateOptions } from "./state.js";

const TARGET_PREFIX = "AmazonForecast.";
/** The Resource Groups Tagging API's target prefix: the emulator answers its `GetResources` for Forecast. */
const TAGGING_PREFIX = "ResourceGroupsTaggingAPI_20170126.";
const MAX_BODY_BYTES = 1024 * 1024;

export interface FaultSpec {
  /** The `__type` to answer, e.g. `AccessDeniedException`, `ThrottlingException`, `ResourceNotFoundException`. */
  code: string;
  message?: string;
  /** HTTP status; 400 unless set. */
  status?: number;
  /** How many calls fail before the operation works again; forever when unset. */
  times?: number;
  /** Only calls whose request names this ARN (in any top-level field) fail. */
  arn?: string;
}

export interface ThrottleOptions {
  /** Requests in flight beyond this many are throttled. */
  maxConcurrent?: number;
  /** A token bucket with this refill rate and as many tokens of burst; requests without a token are throttled. */
  ratePerSecond?: number;
}

export interface ForecastEmulatorOptions extends ForecastStateOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Added before every answer. */
  latencyMs?: number;
  throttle?: ThrottleOptions;
  /** By operation name (`ListPredictors`, `DescribeDataset`, …). */
  faults?: Record<string, FaultSpec>;
  /** Serve an existing state (e.g. one seeded before the server starts). */
  state?: ForecastState;
}

export interface ForecastEmulator {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly url: string;
  /** The seeding API: `emulator.state.createDatasetGroup({ … })` and the other `create*` methods. */
  readonly state: ForecastState;
  /** Requests received, by operation, including those answered with a fault or throttled. */
  readonly calls: Map<string, number>;
  totalCalls(): number;
  /** Requests answered with `ThrottlingException` by the throttle (not by an injected fault). */
  throttledCalls(): number;
  /** Sets (or with `undefined`, clears) the fault of one operation. */
  setFault(operation: string, fault: FaultSpec | undefined): void;
  /** Zeroes the call counters only. */
  resetCalls(): void;
  /** Empties the state, zeroes the counters and restores the faults given at start. */
  reset(): void;
  close(): Promise<void>;
}

/** Epoch seconds, as the JSON protocols encode timestamps. */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ForecastEmulatorError("SerializationException", "Request body too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: object, errorType?: string): void {
  const text = JSON.stringify(body, jsonReplacer);
  const headers: Record<string, string | number> = {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

function sendError(res: ServerResponse, error: ForecastEmulatorError): void {
  send(res, error.status, { __type: error.code, message: error.message }, error.code);
}

function mentions(body: Json, arn: string): boolean {
  return Object.values(body).some((value) => value === arn || (Array.isArray(value) && value.includes(arn)));
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly rate: number) {
    this.tokens = Math.max(1, rate);
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export async function startForecastEmulator(
  options: ForecastEmulatorOptions = {},
): Promise<ForecastEmulator> {
  const state = options.state ?? new ForecastState(options);
  const calls = new Map<string, number>();
  const initialFaults = options.faults ?? {};
  let faults = new Map(Object.entries(initialFaults).map(([op, f]) => [op, { ...f }]));
  const rate = options.throttle?.ratePerSecond;
  let bucket = rate === undefined ? undefined : new TokenBucket(rate);
  const maxConcurrent = options.throttle?.maxConcurrent;
  let inFlight = 0;
  let throttled = 0;

  const throttleReason = (): string | undefined => {
    if (maxConcurrent !== undefined && inFlight > maxConcurrent) return "Too many concurrent requests.";
    if (bucket && !bucket.take()) return "Rate exceeded.";
    return undefined;
  };

  const takeFault = (operation: string, body: Json): ForecastEmulatorError | undefined => {
    const fault = faults.get(operation);
    if (!fault || (fault.arn !== undefined && !mentions(body, fault.arn))) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) faults.delete(operation);
    }
    return new ForecastEmulatorError(
      fault.code,
      fault.message ?? `Injected ${fault.code}.`,
      fault.status ?? 400,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers["x-amz-target"];
    const prefix =
      typeof target === "string"
        ? [TARGET_PREFIX, TAGGING_PREFIX].find((p) => target.startsWith(p))
        : undefined;
    if (req.method !== "POST" || typeof target !== "string" || prefix === undefined) {
      await readBody(req).catch(() => "");
      sendError(
        res,
        new ForecastEmulatorError("UnknownOperationException", "Expected POST with X-Amz-Target."),
      );
      return;
    }
    const operation = target.slice(prefix.length);
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    inFlight += 1;
    try {
      const reason = throttleReason();
      const text = await readBody(req);
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      if (reason) {
        throttled += 1;
        sendError(res, new ForecastEmulatorError("ThrottlingException", reason));
        return;
      }
      let body: Json;
      try {
        const parsed: unknown = text === "" ? {} : JSON.parse(text);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new Error("not an object");
        body = parsed as Json;
      } catch {
        throw new ForecastEmulatorError("SerializationException", "The request body is not a JSON object.");
      }
      const fault = takeFault(operation, body);
      if (fault) throw fault;
      send(res, 200, runOperation(state, operation, body));
    } catch (error) {
      sendError(
        res,
        error instanceof ForecastEmulatorError
          ? error
          : new ForecastEmulatorError("InternalServerError", String(error), 500),
      );
    } finally {
      inFlight -= 1;
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    state,
    calls,
    totalCalls: () => [...calls.values()].reduce((a, b) => a + b, 0),
    throttledCalls: () => throttled,
    setFault(operation, fault) {
      if (fault) faults.set(operation, { ...fault });
      else faults.delete(operation);
    },
    resetCalls() {
      calls.clear();
      throttled = 0;
    },
    reset() {
      state.clear();
      calls.clear();
      throttled = 0;
      faults = new Map(Object.entries(initialFaults).map(([op, f]) => [op, { ...f }]));
      bucket = rate === undefined ? undefined : new TokenBucket(rate);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

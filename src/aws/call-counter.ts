/**
 * Counts AWS API calls by `service:Operation` (e.g. `s3:GetBucketPolicy`), for the benchmark and for tests
 * that assert a scan's exact call budget. Attempts are counted apart from calls, so retries are visible.
 */
import type {
  DeserializeHandlerOptions,
  HandlerExecutionContext,
  InitializeHandlerOptions,
  MetadataBearer,
  MiddlewareStack,
  Pluggable,
} from "@smithy/types";

export interface CallCounts {
  /** Logical calls (one per `client.send`), by `service:Operation`. */
  calls: Record<string, number>;
  /** HTTP attempts beyond the first (retries), by `service:Operation`. */
  retries: Record<string, number>;
  totalCalls: number;
  totalRetries: number;
}

export interface CallCounter {
  /** Add to a client's middleware stack (`client.middlewareStack.use(counter.plugin)`). */
  readonly plugin: Pluggable<object, MetadataBearer>;
  /** Logical calls of one `service:Operation` so far. */
  count(key: string): number;
  snapshot(): CallCounts;
  reset(): void;
}

/** `S3ControlClient` + `GetPublicAccessBlockCommand` → `s3control:GetPublicAccessBlock`. */
export function callKey(context: Pick<HandlerExecutionContext, "clientName" | "commandName">): string {
  const service = (context.clientName ?? "unknown").replace(/Client$/, "").toLowerCase();
  const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
  return `${service}:${operation}`;
}

export function createCallCounter(): CallCounter {
  const calls = new Map<string, number>();
  const attempts = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const initialize: InitializeHandlerOptions = { step: "initialize", name: "forecastAuditCallCounter" };
  // The deserialize step runs inside the retry loop (finalizeRequest), so it sees every attempt.
  const deserialize: DeserializeHandlerOptions = { step: "deserialize", name: "forecastAuditAttemptCounter" };

  const plugin: Pluggable<object, MetadataBearer> = {
    applyToStack(stack: MiddlewareStack<object, MetadataBearer>) {
      stack.add(
        (next, context) => (args) => {
          bump(calls, callKey(context));
          return next(args);
        },
        initialize,
      );
      stack.add(
        (next, context) => (args) => {
          bump(attempts, callKey(context));
          return next(args);
        },
        deserialize,
      );
    },
  };

  return {
    plugin,
    count: (key) => calls.get(key) ?? 0,
    snapshot() {
      const retries: Record<string, number> = {};
      let totalRetries = 0;
      for (const [key, n] of attempts) {
        const extra = n - (calls.get(key) ?? 0);
        if (extra > 0) {
          retries[key] = extra;
          totalRetries += extra;
        }
      }
      let totalCalls = 0;
      for (const n of calls.values()) totalCalls += n;
      return {
        calls: Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b))),
        retries,
        totalCalls,
        totalRetries,
      };
    },
    reset() {
      calls.clear();
      attempts.clear();
    },
  };
}

/**
 * Refuses a successful HTTP answer that is an HTML page (a captive portal, a proxy's or load balancer's page
 * served with 200). The XML protocols (S3, IAM, STS) parse such a page into an empty answer without error — an
 * empty account summary, no Block Public Access settings, no principals — which controls would then judge.
 * Here it becomes an `InvalidResponse` error naming the status, so the slice is an ERROR instead.
 */
import type { DeserializeHandlerOptions, MetadataBearer, Pluggable } from "@smithy/types";

/** The start of an HTML document, after any whitespace or byte-order mark. */
const HTML_START = /^[\s\uFEFF]*<(!doctype\s+html|html[\s>])/i;

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body !== null && typeof body === "object" && Symbol.asyncIterator in body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    }
    return Buffer.concat(chunks);
  }
  return undefined;
}

export class InvalidResponseError extends Error {
  override readonly name = "InvalidResponse";
  readonly $metadata: { httpStatusCode: number };
  readonly $fault = "server";
  constructor(status: number) {
    super(`The service answered HTTP ${status} with an HTML page instead of an AWS response`);
    this.$metadata = { httpStatusCode: status };
  }
}

const step: DeserializeHandlerOptions = { step: "deserialize", name: "forecastAuditRejectNonAwsAnswers" };

export const rejectNonAwsAnswers: Pluggable<object, MetadataBearer> = {
  applyToStack(stack) {
    stack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as RawResponse;
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) return result;
        const type = response.headers?.["content-type"] ?? response.headers?.["Content-Type"] ?? "";
        // Only a body that says it is HTML, or has no type, is read here; AWS never sends either on success.
        if (type !== "" && !/html/i.test(type)) return result;
        const bytes = await bodyBytes(response.body);
        if (bytes === undefined) return result;
        response.body = bytes;
        const head = new TextDecoder().decode(bytes.subarray(0, 256));
        if (HTML_START.test(head)) throw new InvalidResponseError(status);
        return result;
      },
      { ...step, priority: "low" },
    );
  },
};

import { describe, expect, it } from "vitest";
import { attempt, awsErrorCode, toCollectError } from "./errors.js";

function sdkError(name: string, message: string, status?: number): Error {
  const error = new Error(message) as Error & { $metadata?: { httpStatusCode?: number } };
  error.name = name;
  if (status !== undefined) error.$metadata = { httpStatusCode: status };
  return error;
}

describe("AWS errors as collect errors", () => {
  it("keeps the service's code and names the action", () => {
    const error = toCollectError(
      sdkError("AccessDeniedException", "User is not authorized"),
      "forecast:ListDatasets",
    );
    expect(error).toEqual({
      code: "AccessDeniedException",
      message: "User is not authorized",
      action: "forecast:ListDatasets",
    });
  });

  it("names the HTTP status of an error whose body is not AWS-shaped, in every protocol", () => {
    // JSON protocols (Forecast, KMS, CloudTrail, Macie) fail to parse an HTML page.
    const json = sdkError(
      "SyntaxError",
      "Unexpected token '<', \"<html><bod\"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response",
      502,
    );
    expect(awsErrorCode(json)).toBe("HTTP502");
    expect(toCollectError(json, "cloudtrail:LookupEvents").message).toBe(
      "The service answered HTTP 502 with a body that is not an AWS error response",
    );
    // XML protocols (S3, IAM, STS) name it Unknown / UnknownError.
    expect(toCollectError(sdkError("Unknown", "UnknownError", 502), "s3:GetBucketPolicy")).toEqual({
      code: "HTTP502",
      message: "The service answered HTTP 502 with a body that is not an AWS error response",
      action: "s3:GetBucketPolicy",
    });
    expect(awsErrorCode(sdkError("Unknown", "Unknown", 500))).toBe("HTTP500");
    // A proxy's 403 page is not an AWS denial: no "grant …" advice from it.
    expect(awsErrorCode(sdkError("SyntaxError", "Unexpected token <", 403))).toBe("HTTP403");
    // A success whose body does not parse.
    const garbage = sdkError(
      "Error",
      "@aws-sdk XML parse error: unexpected content.\n  Deserialization error: …",
      200,
    );
    expect(toCollectError(garbage, "iam:GetAccountSummary")).toMatchObject({
      code: "InvalidResponse",
      message: "The service answered HTTP 200 with a body that is not an AWS response",
    });
    // A real AWS error keeps its code even on a 5xx.
    expect(awsErrorCode(sdkError("ServiceUnavailableException", "Service is unavailable", 503))).toBe(
      "ServiceUnavailableException",
    );
  });

  it("maps timeouts and network failures to stable codes", () => {
    expect(awsErrorCode(sdkError("TimeoutError", "socket timed out"))).toBe("Timeout");
    expect(awsErrorCode(sdkError("AbortError", "Request aborted"))).toBe("Timeout");
    expect(awsErrorCode(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe("NetworkError");
    expect(awsErrorCode(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe("NetworkError");
    expect(awsErrorCode("weird")).toBe("Error");
  });

  it("masks sensitive text in messages", () => {
    const error = toCollectError(
      sdkError("ValidationException", "bad tag value jane.doe@example.com"),
      "forecast:TagResource",
    );
    expect(error.message).not.toContain("jane.doe@example.com");
  });

  it("attempt returns a slice and maps 'not configured' codes to a value", async () => {
    const missing = await attempt(
      "s3:GetBucketPolicy",
      async () => {
        throw sdkError("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
      },
      { codes: ["NoSuchBucketPolicy"], value: null },
    );
    expect(missing).toEqual({ ok: true, value: null });
    const denied = await attempt("s3:GetBucketPolicy", async () => {
      throw sdkError("AccessDenied", "Access Denied", 403);
    });
    expect(denied).toEqual({
      ok: false,
      error: { code: "AccessDenied", message: "Access Denied", action: "s3:GetBucketPolicy" },
    });
  });
});

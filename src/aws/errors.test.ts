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

  it("turns an unparseable 5xx body into ServiceUnavailable with a readable message", () => {
    const error = sdkError(
      "SyntaxError",
      "Deserialization error: to see the raw response, inspect the hidden field {error}.$response",
      500,
    );
    expect(awsErrorCode(error)).toBe("ServiceUnavailable");
    expect(toCollectError(error, "cloudtrail:LookupEvents").message).toBe(
      "The service answered HTTP 500 with a body that is not an AWS error response",
    );
    expect(awsErrorCode(sdkError("SyntaxError", "Unexpected token <", 403))).toBe("AccessDenied");
  });

  it("maps timeouts and network failures to stable codes", () => {
    expect(awsErrorCode(sdkError("TimeoutError", "socket timed out"))).toBe("Timeout");
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

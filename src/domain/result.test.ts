import { describe, expect, it } from "vitest";
import { describeCollectError, isDenial } from "./result.js";

const error = (code: string, message = "m", action = "forecast:ListDatasets") => ({ code, message, action });

describe("describeCollectError", () => {
  it("names the action to grant for a denial", () => {
    expect(describeCollectError(error("AccessDeniedException"))).toBe(
      "Could not evaluate: forecast:ListDatasets was denied (AccessDeniedException); grant forecast:ListDatasets to the audit role.",
    );
  });

  it("tells an expired credential from a denial: granting would not help", () => {
    expect(isDenial(error("ExpiredTokenException"))).toBe(false);
    expect(describeCollectError(error("ExpiredTokenException"))).toMatch(
      /^Could not evaluate: the credentials expired before forecast:ListDatasets \(ExpiredTokenException\); run the scan again/,
    );
  });

  it("points at the region for credentials a region does not accept", () => {
    expect(describeCollectError(error("UnrecognizedClientException"))).toMatch(
      /not accepted for forecast:ListDatasets \(UnrecognizedClientException\); check that the region is enabled for the account/,
    );
  });

  it("says what did not finish in time, and names an HTTP status", () => {
    expect(
      describeCollectError(error("Timeout", "The scan's deadline passed before this call finished.")),
    ).toBe(
      "Could not evaluate: forecast:ListDatasets did not finish (Timeout): The scan's deadline passed before this call finished.",
    );
    expect(
      describeCollectError(
        error("HTTP502", "The service answered HTTP 502 with a body that is not an AWS error response"),
      ),
    ).toBe(
      "Could not evaluate: forecast:ListDatasets failed with HTTP502: The service answered HTTP 502 with a body that is not an AWS error response.",
    );
  });
});

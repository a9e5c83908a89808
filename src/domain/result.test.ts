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

describe("describeCollectError in an organization", () => {
  it("asks to grant the action to the audit role for a plain denial", () => {
    expect(
      describeCollectError({
        code: "AccessDeniedException",
        message: "not authorized",
        action: "forecast:ListDatasets",
      }),
    ).toBe(
      "Could not evaluate: forecast:ListDatasets was denied (AccessDeniedException); grant forecast:ListDatasets to the audit role.",
    );
  });

  it("points at the SCP, not the role, when a service control policy denied the call", () => {
    const text = describeCollectError({
      code: "AccessDeniedException",
      message:
        "User: arn:aws:sts::111122223333:assumed-role/ForecastAudit/cli is not authorized to perform: forecast:ListDatasetGroups with an explicit deny in a service control policy",
      action: "forecast:ListDatasetGroups",
    });
    expect(text).toContain("denied by a service control policy of the organization");
    expect(text).not.toContain("grant forecast:ListDatasetGroups to the audit role");
  });

  it("says the region may not be enabled when a region refuses the credentials", () => {
    const text = describeCollectError({
      code: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
      action: "forecast:ListDatasetGroups",
    });
    expect(text).toContain("check that the region is enabled for the account (an opt-in region");
  });

  it("gives the remedy when the cause is known (a role never deployed to the account)", () => {
    expect(
      describeCollectError({
        code: "AccessDenied",
        message: "not authorized to perform sts:AssumeRole",
        action: "sts:AssumeRole",
        remedy: "Deploy the StackSet forecast-audit-roles to OU Prod (ou-ab12-prod0001).",
      }),
    ).toBe(
      "Could not evaluate: sts:AssumeRole failed with AccessDenied. Deploy the StackSet forecast-audit-roles to OU Prod (ou-ab12-prod0001).",
    );
  });
});

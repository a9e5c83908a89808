import { describe, expect, it } from "vitest";
import { describeCollectError } from "./result.js";

describe("describeCollectError", () => {
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
    expect(text).toContain("the region may not be enabled for this account (an opt-in region)");
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

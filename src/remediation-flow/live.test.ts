import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import { auditedAccount } from "./live.js";

describe("auditedAccount", () => {
  const config = parseConfig({
    accounts: [{ id: "123456789012", roleArn: "arn:aws:iam::123456789012:role/Custom", externalId: "own" }],
    organization: {
      roleName: "ForecastAudit",
      remediationRoleName: "ForecastAuditFix",
      externalId: "ext-123",
    },
  });

  it("uses the configured roles of a configured account", () => {
    expect(auditedAccount(config, "123456789012")).toEqual({
      id: "123456789012",
      roleArn: "arn:aws:iam::123456789012:role/Custom",
      externalId: "own",
    });
  });

  it("uses the StackSet's roles, in the finding's partition, for an account of the organization", () => {
    expect(auditedAccount(config, "210987654321", "aws-us-gov")).toEqual({
      id: "210987654321",
      roleArn: "arn:aws-us-gov:iam::210987654321:role/ForecastAudit",
      remediationRoleArn: "arn:aws-us-gov:iam::210987654321:role/ForecastAuditFix",
      externalId: "ext-123",
    });
  });

  it("without an organization, an unknown account is the current credentials' account", () => {
    expect(auditedAccount(parseConfig({}), "210987654321")).toEqual({ id: "210987654321" });
  });
});

import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  awsManagedPolicyArn,
  buildAccount,
  buildAuthorization,
  buildContext,
  buildIam,
  buildPrincipal,
  denied,
  groupArn,
  ok,
  userArn,
} from "../../test/support/inventory-builders.js";
import type { IamPrincipal, ManagedPolicy } from "../domain/inventory.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { iamForecastAccessLeastPrivilege as control } from "./iam-forecast-access-least-privilege.js";

const run = (principals: IamPrincipal[], managedPolicies: Record<string, ManagedPolicy> = {}) =>
  control.evaluate(
    buildContext(
      buildAccount({
        iam: buildIam({ authorization: ok(buildAuthorization({ principals, managedPolicies })) }),
      }),
    ),
  );
const attached = (name: string) => ({ arn: awsManagedPolicyArn(name), name });
const inline = (...Statement: PolicyStatement[]) => [{ name: "p", document: { Statement } }];

describe("iam-forecast-access-least-privilege", () => {
  it("passes each principal without full Forecast access, and says N/A for administrators", () => {
    const findings = run([
      buildPrincipal("user", "alice", {
        inlinePolicies: inline({ Effect: "Allow", Action: "forecast:Describe*", Resource: "*" }),
      }),
      buildPrincipal("user", "admin", {
        attachedPolicies: [attached("AdministratorAccess"), attached("AmazonForecastFullAccess")],
      }),
    ]);
    expect(findings).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceArn: userArn("alice"),
        resourceType: "iam-user",
        detail: 'IAM user "alice" has neither AmazonForecastFullAccess nor forecast:* on *.',
      }),
      expect.objectContaining({
        status: "N/A",
        resourceArn: userArn("admin"),
        detail: 'IAM user "admin" is an administrator.',
      }),
    ]);
  });

  it("fails each user, group and role with AmazonForecastFullAccess or forecast:* on *", () => {
    const findings = run([
      buildPrincipal("user", "bob", { attachedPolicies: [attached("AmazonForecastFullAccess")] }),
      buildPrincipal("group", "analysts", {
        inlinePolicies: inline({ Effect: "Allow", Action: "forecast:*", Resource: "*" }),
      }),
      buildPrincipal("role", "etl", {
        inlinePolicies: inline({ Effect: "Allow", Action: "fore*", Resource: "*" }),
      }),
    ]);
    expect(findings.map((f) => [f.resourceType, f.status])).toEqual([
      ["iam-user", "FAIL"],
      ["iam-group", "FAIL"],
      ["iam-role", "FAIL"],
    ]);
    expect(findings[0]?.detail).toBe(
      'IAM user "bob" has AmazonForecastFullAccess attached without being an administrator.',
    );
    expect(findings[1]?.detail).toContain('inline policy "p", which allows forecast:* on *');
  });

  it("treats a user as an admin through its group, and reads customer managed policies", () => {
    const policyArn = `arn:aws:iam::${ACCOUNT_ID}:policy/wide`;
    const findings = run(
      [
        buildPrincipal("group", "admins", { attachedPolicies: [{ arn: policyArn, name: "wide" }] }),
        buildPrincipal("user", "carol", {
          groups: ["admins"],
          attachedPolicies: [attached("AmazonForecastFullAccess")],
        }),
      ],
      {
        [policyArn]: {
          arn: policyArn,
          name: "wide",
          document: { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
        },
      },
    );
    expect(findings.map((f) => [f.resourceArn, f.status])).toEqual([
      [groupArn("admins"), "N/A"],
      [userArn("carol"), "N/A"],
    ]);
  });

  it("does not count forecast:* on specific resources", () => {
    const findings = run([
      buildPrincipal("user", "dave", {
        arn: userArn("dave"),
        inlinePolicies: inline({
          Effect: "Allow",
          Action: "forecast:*",
          Resource: "arn:aws:forecast:*:*:dataset-group/x",
        }),
      }),
    ]);
    expect(findings[0]?.status).toBe("PASS");
  });

  it("reports ERROR for a principal whose customer managed policy is missing, and no PASS", () => {
    const findings = run([
      buildPrincipal("group", "g", {
        arn: groupArn("g"),
        attachedPolicies: [{ arn: `arn:aws:iam::${ACCOUNT_ID}:policy/x`, name: "x" }],
      }),
    ]);
    expect(findings).toEqual([expect.objectContaining({ status: "ERROR", resourceArn: groupArn("g") })]);
  });

  it("reports ERROR when the authorization details could not be read", () => {
    const account = buildAccount({
      iam: buildIam({ authorization: denied("iam:GetAccountAuthorizationDetails") }),
    });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });
});

import {
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { ok } from "../../domain/result.js";
import { collectAccountSummary, collectAuthorizationDetails, resolveRoles } from "./iam.js";
import { unlimited } from "./limit.js";

const iam = mockClient(IAMClient);
const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const TRUST = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "forecast.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};
const ROLE_ARN = "arn:aws:iam::111122223333:role/service-role/ForecastRole";

beforeEach(() => iam.reset());

describe("collectAccountSummary", () => {
  it("reads root MFA, root access keys and the user count", async () => {
    iam
      .on(GetAccountSummaryCommand)
      .resolves({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, Users: 7 } });
    expect(await collectAccountSummary(fakeAccountClients(), unlimited)).toEqual({
      ok: true,
      value: { accountMfaEnabled: true, accountAccessKeysPresent: false, users: 7 },
    });
  });

  it("keeps a denial as an error", async () => {
    iam.on(GetAccountSummaryCommand).rejects(awsError("AccessDenied", "denied", 403));
    expect(await collectAccountSummary(fakeAccountClients(), unlimited)).toMatchObject({
      ok: false,
      error: { code: "AccessDenied", action: "iam:GetAccountSummary" },
    });
  });
});

describe("collectAuthorizationDetails", () => {
  it("reads every page, decodes the documents and keeps only default policy versions", async () => {
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({
        IsTruncated: true,
        Marker: "page-2",
        UserDetailList: [
          {
            UserName: "alice",
            Arn: "arn:aws:iam::111122223333:user/alice",
            GroupList: ["analysts"],
            AttachedManagedPolicies: [
              {
                PolicyName: "AmazonForecastFullAccess",
                PolicyArn: "arn:aws:iam::aws:policy/AmazonForecastFullAccess",
              },
            ],
            UserPolicyList: [
              {
                PolicyName: "inline",
                PolicyDocument: enc({ Statement: { Effect: "Allow", Action: "forecast:*", Resource: "*" } }),
              },
            ],
          },
        ],
        GroupDetailList: [{ GroupName: "analysts", Arn: "arn:aws:iam::111122223333:group/analysts" }],
      })
      .resolvesOnce({
        IsTruncated: false,
        RoleDetailList: [{ RoleName: "ForecastRole", Arn: ROLE_ARN, AssumeRolePolicyDocument: enc(TRUST) }],
        Policies: [
          {
            PolicyName: "ForecastData",
            Arn: "arn:aws:iam::111122223333:policy/ForecastData",
            DefaultVersionId: "v2",
            PolicyVersionList: [
              {
                VersionId: "v1",
                IsDefaultVersion: false,
                Document: enc({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }),
              },
              {
                VersionId: "v2",
                IsDefaultVersion: true,
                Document: enc({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }),
              },
            ],
          },
        ],
      });

    const details = await collectAuthorizationDetails(fakeAccountClients(), unlimited);

    expect(details.ok).toBe(true);
    if (!details.ok) return;
    const [alice, group, role] = details.value.principals;
    expect(alice).toMatchObject({ kind: "user", name: "alice", groups: ["analysts"] });
    expect(alice?.attachedPolicies).toEqual([
      { name: "AmazonForecastFullAccess", arn: "arn:aws:iam::aws:policy/AmazonForecastFullAccess" },
    ]);
    expect(alice?.inlinePolicies[0]?.document.Statement[0]?.Action).toBe("forecast:*");
    expect(group).toMatchObject({ kind: "group", name: "analysts" });
    expect(role).toMatchObject({ kind: "role", arn: ROLE_ARN, trustPolicy: { Statement: TRUST.Statement } });
    expect(
      details.value.managedPolicies["arn:aws:iam::111122223333:policy/ForecastData"]?.document.Statement[0]
        ?.Action,
    ).toBe("s3:GetObject");
    const calls = iam.commandCalls(GetAccountAuthorizationDetailsCommand);
    expect(calls.map((c) => c.args[0].input.Marker)).toEqual([undefined, "page-2"]);
    expect(calls[0]?.args[0].input.Filter).toEqual(["User", "Group", "Role", "LocalManagedPolicy"]);
  });

  it("fails as a whole when a page is throttled past its retries", async () => {
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ IsTruncated: true, Marker: "m" })
      .rejects(awsError("Throttling", "Rate exceeded"));
    expect(await collectAuthorizationDetails(fakeAccountClients(), unlimited)).toMatchObject({
      ok: false,
      error: { code: "Throttling", action: "iam:GetAccountAuthorizationDetails" },
    });
  });
});

describe("resolveRoles", () => {
  const role = {
    kind: "role" as const,
    arn: ROLE_ARN,
    name: "ForecastRole",
    inlinePolicies: [],
    attachedPolicies: [],
  };
  const details = ok({ principals: [role], managedPolicies: {} });

  it("finds roles by ARN, or by name when the reference omits the path", () => {
    const roles = resolveRoles(
      "111122223333",
      new Map([
        [ROLE_ARN, ["arn:forecast:a"]],
        ["arn:aws:iam::111122223333:role/forecastrole", ["arn:forecast:b"]],
      ]),
      details,
    );
    expect(roles[ROLE_ARN]).toEqual({ arn: ROLE_ARN, role: ok(role), referencedBy: ["arn:forecast:a"] });
    expect(roles["arn:aws:iam::111122223333:role/forecastrole"]?.role).toEqual(ok(role));
  });

  it("reports a role of another account as RoleNotInAccount, and a role IAM does not list as NoSuchEntity", () => {
    const roles = resolveRoles(
      "111122223333",
      new Map([
        ["arn:aws:iam::999999999999:role/Elsewhere", ["arn:forecast:a"]],
        ["arn:aws:iam::111122223333:role/Gone", ["arn:forecast:b"]],
      ]),
      details,
    );
    expect(roles["arn:aws:iam::999999999999:role/Elsewhere"]?.role).toMatchObject({
      ok: false,
      error: { code: "RoleNotInAccount", action: "iam:GetRole" },
    });
    expect(roles["arn:aws:iam::111122223333:role/Gone"]?.role).toMatchObject({
      ok: false,
      error: { code: "NoSuchEntity", action: "iam:GetRole" },
    });
  });

  it("carries the details' error when they could not be read", () => {
    const error = { code: "AccessDenied", message: "denied", action: "iam:GetAccountAuthorizationDetails" };
    const roles = resolveRoles("111122223333", new Map([[ROLE_ARN, []]]), { ok: false, error });
    expect(roles[ROLE_ARN]?.role).toEqual({ ok: false, error });
  });
});

import { describe, expect, it } from "vitest";
import {
  awsManagedPolicyArn,
  buildAccount,
  buildAuthorization,
  buildContext,
  buildRole,
  buildSecureAccount,
  denied,
  ok,
  ROLE_ARN,
  withIam,
  withRole,
} from "../../test/support/inventory-builders.js";
import type { AccountInventory, IamPrincipal } from "../domain/inventory.js";
import { forecastRoleLeastPrivilege as control } from "./forecast-role-least-privilege.js";

const run = (account: AccountInventory) => control.evaluate(buildContext(account));
const withPrincipal = (role: Partial<IamPrincipal>) =>
  withRole(buildAccount(), buildRole(ROLE_ARN, { role }));

const customerPolicyArn = "arn:aws:iam::123456789012:policy/forecast-broad";

describe("forecast-role-least-privilege", () => {
  it("passes a role scoped to its bucket and key", () => {
    expect(run(buildSecureAccount())).toEqual([
      expect.objectContaining({ status: "PASS", resourceArn: ROLE_ARN }),
    ]);
  });

  it.each(["AdministratorAccess", "AmazonS3FullAccess", "AmazonForecastFullAccess"])(
    "fails a role with %s attached",
    (name) => {
      const [finding] = run(withPrincipal({ attachedPolicies: [{ arn: awsManagedPolicyArn(name), name }] }));
      expect(finding?.status).toBe("FAIL");
      expect(finding?.detail).toContain(`${name} is attached`);
    },
  );

  it("fails an inline policy that allows s3:* on *", () => {
    const [finding] = run(
      withPrincipal({
        inlinePolicies: [
          { name: "wide", document: { Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] } },
        ],
      }),
    );
    expect(finding?.detail).toBe(
      'Role "ForecastAccessRole" grants more than Forecast needs: inline policy "wide" allows s3:* on *.',
    );
  });

  it("reads customer managed policies from the authorization details", () => {
    let account = withPrincipal({ attachedPolicies: [{ arn: customerPolicyArn, name: "forecast-broad" }] });
    account = withIam(account, {
      authorization: ok(
        buildAuthorization({
          managedPolicies: {
            [customerPolicyArn]: {
              arn: customerPolicyArn,
              name: "forecast-broad",
              document: { Statement: [{ Effect: "Allow", Action: ["kms:*"], Resource: "*" }] },
            },
          },
        }),
      ),
    });
    expect(run(account)[0]?.detail).toContain('managed policy "forecast-broad" allows kms:* on *');
  });

  it("reports ERROR when a customer managed policy could not be read", () => {
    let account = withPrincipal({ attachedPolicies: [{ arn: customerPolicyArn, name: "forecast-broad" }] });
    account = withIam(account, { authorization: denied("iam:GetAccountAuthorizationDetails") });
    expect(run(account)[0]).toMatchObject({
      status: "ERROR",
      error: { action: "iam:GetAccountAuthorizationDetails" },
    });
  });

  it("reports ERROR when the role could not be read", () => {
    expect(
      run(withRole(buildAccount(), buildRole(ROLE_ARN, { role: denied("iam:GetRole") })))[0]?.status,
    ).toBe("ERROR");
  });

  it("yields nothing when Forecast uses no role", () => {
    expect(run(buildAccount())).toEqual([]);
  });
});

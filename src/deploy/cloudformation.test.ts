import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ORGANIZATION_PERMISSIONS } from "../aws/organizations/permissions.js";
import { AUDIT_PERMISSIONS } from "../aws/permissions.js";
import { SECURITY_HUB_EXPORT_PERMISSIONS } from "../export/security-hub/permissions.js";
import { REMEDIATIONS, remediationPermissions } from "../remediations/catalog.js";
import { allTemplates, pascal, remediationActions, remediationParameter } from "./cloudformation.js";
import { renderTemplate } from "./render-template.js";

interface Statement {
  Effect: string;
  Action: string[] | string;
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown> & {
    AssumeRolePolicyDocument?: { Statement: Statement[] };
    Policies?: Array<{ PolicyName: string; PolicyDocument: { Statement: Statement[] } }>;
    PolicyDocument?: { Statement: Statement[] };
  };
}
interface Template {
  Parameters: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
}

/** The templates as the files on disk say, parsed: what `aws cloudformation deploy` reads. */
function onDisk(name: string): Template {
  return parse(
    readFileSync(new URL(`../../deploy/cloudformation/${name}`, import.meta.url), "utf8"),
  ) as Template;
}

const actionsOf = (statements: readonly Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const policyActions = (r: Resource) => actionsOf(r.Properties.PolicyDocument?.Statement ?? []);
const inlineActions = (r: Resource) =>
  (r.Properties.Policies ?? []).flatMap((p) => actionsOf(p.PolicyDocument.Statement));

function docActions(file: string): string[] {
  const doc = JSON.parse(readFileSync(new URL(`../../docs/iam/${file}`, import.meta.url), "utf8")) as {
    Statement: Statement[];
  };
  return actionsOf(doc.Statement);
}

function expectExternalIdTrust(role: Resource): void {
  const [trust] = role.Properties.AssumeRolePolicyDocument?.Statement ?? [];
  expect(trust?.Principal).toEqual({ AWS: { Ref: "TrustedPrincipalArn" } });
  expect(trust?.Condition).toEqual({ StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } });
}

describe("deploy/cloudformation", () => {
  it.each(Object.entries(allTemplates()))(
    "%s is what `npm run deploy:templates` writes",
    (name, template) => {
      const file = readFileSync(new URL(`../../deploy/cloudformation/${name}`, import.meta.url), "utf8");
      expect(file).toBe(renderTemplate(template));
    },
  );

  it("grants the audit role exactly the actions the collectors declare, read-only, only with the external id", () => {
    const member = onDisk("member-roles.yaml");
    const audit = member.Resources.AuditRole as Resource;
    expect(inlineActions(audit)).toEqual([...AUDIT_PERMISSIONS]);
    expect(inlineActions(audit)).toEqual(docActions("audit-policy.json"));
    for (const action of inlineActions(audit)) {
      expect(action).toMatch(/^[a-z0-9]+:(Get|List|Describe|Lookup|GenerateCredentialReport)/);
    }
    expectExternalIdTrust(audit);
  });

  it("gives each remediation its own switch with exactly its actions, and nothing else to the remediation role", () => {
    const member = onDisk("member-roles.yaml");
    expectExternalIdTrust(member.Resources.RemediationRole as Resource);
    expect(member.Resources.RemediationRole?.Properties.Policies).toBeUndefined();
    const policies = Object.values(member.Resources).filter((r) => r.Type === "AWS::IAM::Policy");
    expect(policies).toHaveLength(REMEDIATIONS.length);
    for (const remediation of REMEDIATIONS) {
      const policy = member.Resources[`${pascal(remediation.id)}Policy`] as Resource;
      const parameter = remediationParameter(remediation);
      expect(policyActions(policy).sort()).toEqual(remediationActions(remediation));
      expect(policy.Condition).toBe(parameter);
      expect(member.Parameters[parameter]).toMatchObject({
        Default: "false",
        AllowedValues: ["true", "false"],
      });
      expect(member.Conditions?.[parameter]).toEqual({
        "Fn::And": [{ Condition: "HasRemediationRole" }, { "Fn::Equals": [{ Ref: parameter }, "true"] }],
      });
      expect(policy.Properties.Roles).toEqual([{ Ref: "RemediationRole" }]);
    }
    // Where the hand-written policy narrows an action with a condition, the template does too.
    const macie = member.Resources.MacieEnablePolicy as Resource;
    const linked = macie.Properties.PolicyDocument?.Statement.find((st) =>
      actionsOf([st]).includes("iam:CreateServiceLinkedRole"),
    );
    expect(linked?.Condition).toEqual({ StringEquals: { "iam:AWSServiceName": "macie.amazonaws.com" } });
    expect(actionsOf([linked as Statement])).toEqual(["iam:CreateServiceLinkedRole"]);
    const union = [...new Set(policies.flatMap(policyActions))].sort();
    expect(union).toEqual(remediationPermissions());
    expect(union).toEqual(docActions("remediation-policy.json").sort());
  });

  it("deploys the member roles as a service-managed StackSet that follows new accounts into the chosen OUs", () => {
    const stackSet = onDisk("stackset.yaml");
    const resource = stackSet.Resources.RolesStackSet as Resource;
    expect(resource.Type).toBe("AWS::CloudFormation::StackSet");
    expect(resource.Properties).toMatchObject({
      PermissionModel: "SERVICE_MANAGED",
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: { Ref: "OrganizationalUnitIds" } } },
      ],
    });
    const member = onDisk("member-roles.yaml");
    expect(JSON.parse(resource.Properties.TemplateBody as string)).toEqual(member);
    const passed = (resource.Properties.Parameters as Array<{ ParameterKey: string }>).map(
      (p) => p.ParameterKey,
    );
    expect(passed).toEqual(Object.keys(member.Parameters));
  });

  it("lets the bot assume only forecast-audit's roles, and grants organization and Security Hub actions as declared", () => {
    const bot = onDisk("bot-role.yaml");
    expect(inlineActions(bot.Resources.BotRole as Resource)).toEqual(["sts:AssumeRole"]);
    expect(policyActions(bot.Resources.OrganizationReadPolicy as Resource)).toEqual([
      ...ORGANIZATION_PERMISSIONS,
    ]);
    expect(policyActions(bot.Resources.SecurityHubExportPolicy as Resource)).toEqual([
      ...SECURITY_HUB_EXPORT_PERMISSIONS,
    ]);
    const admin = onDisk("admin-access-role.yaml");
    const role = admin.Resources.AdminAccessRole as Resource;
    expectExternalIdTrust(role);
    expect(inlineActions(role)).toEqual([...ORGANIZATION_PERMISSIONS]);
    expect(policyActions(admin.Resources.SecurityHubExportPolicy as Resource)).toEqual([
      ...SECURITY_HUB_EXPORT_PERMISSIONS,
    ]);
  });
});

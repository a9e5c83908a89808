/**
 * The CloudFormation templates that deploy forecast-audit's roles, built from the permissions the code
 * declares: the collectors' (audit role), each remediation's (remediation role, one switch per fix), the
 * organization discovery's and the Security Hub export's. `npm run deploy:templates` writes them to
 * deploy/cloudformation/; a test keeps the files equal to what this module builds.
 *
 * Intrinsic functions are written in their long form (`{ "Fn::If": … }`) so that the YAML is plain data.
 */
import { ORGANIZATION_PERMISSIONS } from "../aws/organizations/permissions.js";
import { AUDIT_PERMISSIONS } from "../aws/permissions.js";
import type { Remediation } from "../domain/remediation.js";
import { SECURITY_HUB_EXPORT_PERMISSIONS } from "../export/security-hub/permissions.js";
import { REMEDIATIONS } from "../remediations/catalog.js";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Template = { [key: string]: Json };

const FORMAT_VERSION = "2010-09-09";
const ROLE_NAME_PATTERN = "^[\\w+=,.@-]{1,64}$";
const OPTIONAL_ROLE_NAME_PATTERN = "^([\\w+=,.@-]{1,64})?$";
const EXTERNAL_ID_PATTERN = "^[\\w+=,.@:/-]{2,1224}$";
const PRINCIPAL_PATTERN = "^arn:aws[a-z-]*:iam::\\d{12}:(role|user)/[\\w+=,.@/-]+$";

const ref = (name: string): Json => ({ Ref: name });
/** `Fn::Sub` text: `${…}` here is CloudFormation's placeholder, not JavaScript's. */
const sub = (text: string): Json => ({ "Fn::Sub": text });
const roleArnOf = (parameter: string): Json => sub(`arn:\${AWS::Partition}:iam::*:role/\${${parameter}}`);
const equals = (a: Json, b: Json): Json => ({ "Fn::Equals": [a, b] });
const not = (condition: Json): Json => ({ "Fn::Not": [condition] });
const ifThen = (condition: string, then: Json, otherwise: Json = ref("AWS::NoValue")): Json => ({
  "Fn::If": [condition, then, otherwise],
});

function sorted(actions: readonly string[]): string[] {
  return [...new Set(actions)].sort();
}

/**
 * Actions that are narrowed by a condition wherever they are granted, as docs/iam/remediation-policy.json
 * does: the only service-linked role a fix creates is Macie's.
 */
const ACTION_CONDITIONS: Readonly<Record<string, Json>> = {
  "iam:CreateServiceLinkedRole": { StringEquals: { "iam:AWSServiceName": "macie.amazonaws.com" } },
};

function policyDocument(sid: string, actions: readonly string[], resource: Json = "*"): Json {
  const plain = sorted(actions).filter((a) => ACTION_CONDITIONS[a] === undefined);
  const narrowed = sorted(actions).filter((a) => ACTION_CONDITIONS[a] !== undefined);
  const statements: Json[] = [];
  if (plain.length > 0) statements.push({ Sid: sid, Effect: "Allow", Action: plain, Resource: resource });
  for (const action of narrowed) {
    statements.push({
      Sid: `${sid}${pascal(action.replace(":", "-"))}`,
      Effect: "Allow",
      Action: [action],
      Resource: resource,
      Condition: ACTION_CONDITIONS[action] ?? null,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** `s3-bucket-attach-kms-key` → `S3BucketAttachKmsKey`. */
export function pascal(id: string): string {
  return id
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The parameter that switches one remediation's permissions on in the remediation role. */
export function remediationParameter(remediation: Pick<Remediation, "id">): string {
  return `Enable${pascal(remediation.id)}`;
}

/** What one remediation (and its revert) may call. */
export function remediationActions(
  remediation: Pick<Remediation, "permissions" | "revertPermissions">,
): string[] {
  return sorted([...remediation.permissions, ...remediation.revertPermissions]);
}

/** Trust for the principal forecast-audit runs as, only with the external id. */
function trustedByBot(): Json {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: ref("TrustedPrincipalArn") },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": ref("ExternalId") } },
      },
    ],
  };
}

const botParameters = {
  TrustedPrincipalArn: {
    Type: "String",
    AllowedPattern: PRINCIPAL_PATTERN,
    Description:
      "The IAM role (or user) forecast-audit runs as, e.g. the role of bot-role.yaml: arn:aws:iam::111122223333:role/ForecastAuditBot.",
  },
  ExternalId: {
    Type: "String",
    NoEcho: true,
    AllowedPattern: EXTERNAL_ID_PATTERN,
    Description: "The externalId of forecast-audit's configuration; AssumeRole without it is refused.",
  },
} satisfies Template;

const booleanParameter = (description: string): Json => ({
  Type: "String",
  AllowedValues: ["true", "false"],
  Default: "false",
  Description: description,
});

/** The audit role and, optionally, the remediation role with only the fixes the team switches on. */
export function memberRolesTemplate(remediations: readonly Remediation[] = REMEDIATIONS): Template {
  const parameters: Template = {
    ...botParameters,
    AuditRoleName: {
      Type: "String",
      Default: "ForecastAudit",
      AllowedPattern: ROLE_NAME_PATTERN,
      Description: "organization.roleName in forecast-audit's configuration.",
    },
    RemediationRoleName: {
      Type: "String",
      Default: "",
      AllowedPattern: OPTIONAL_ROLE_NAME_PATTERN,
      Description:
        "organization.remediationRoleName; empty creates no remediation role (scans only, every fix refused by AWS).",
    },
  };
  const conditions: Template = { HasRemediationRole: not(equals(ref("RemediationRoleName"), "")) };
  const resources: Template = {
    AuditRole: {
      Type: "AWS::IAM::Role",
      Properties: {
        RoleName: ref("AuditRoleName"),
        Description: "forecast-audit: read-only audit of Amazon Forecast's data protection controls.",
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: trustedByBot(),
        Policies: [
          {
            PolicyName: "forecast-audit-read-only",
            PolicyDocument: policyDocument("ForecastAuditReadOnly", AUDIT_PERMISSIONS),
          },
        ],
      },
    },
    RemediationRole: {
      Type: "AWS::IAM::Role",
      Condition: "HasRemediationRole",
      Properties: {
        RoleName: ref("RemediationRoleName"),
        Description:
          "forecast-audit: applies the fixes an approver approved in Slack; one policy per enabled fix.",
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: trustedByBot(),
      },
    },
  };
  for (const remediation of remediations) {
    const parameter = remediationParameter(remediation);
    parameters[parameter] = booleanParameter(
      `"true" lets the remediation role run ${remediation.id} (and its revert): ${remediationActions(remediation).join(", ")}.`,
    );
    conditions[parameter] = {
      "Fn::And": [{ Condition: "HasRemediationRole" }, equals(ref(parameter), "true")],
    };
    resources[`${pascal(remediation.id)}Policy`] = {
      Type: "AWS::IAM::Policy",
      Condition: parameter,
      Properties: {
        PolicyName: `forecast-audit-${remediation.id}`,
        Roles: [ref("RemediationRole")],
        PolicyDocument: policyDocument(pascal(remediation.id), remediationActions(remediation)),
      },
    };
  }
  return {
    AWSTemplateFormatVersion: FORMAT_VERSION,
    Description:
      "forecast-audit roles in one account: the read-only audit role and, optionally, the remediation role with only the fixes switched on. Generated from the declared permissions by npm run deploy:templates.",
    Parameters: parameters,
    Conditions: conditions,
    Resources: resources,
    Outputs: {
      AuditRoleArn: { Value: { "Fn::GetAtt": ["AuditRole", "Arn"] } },
      RemediationRoleArn: {
        Condition: "HasRemediationRole",
        Value: { "Fn::GetAtt": ["RemediationRole", "Arn"] },
      },
    },
  };
}

/**
 * A service-managed StackSet of the member roles in the chosen OUs, deployed to accounts that join them later
 * too. Created in the management account (or a delegated administrator for StackSets, `CallAs`).
 */
export function stackSetTemplate(remediations: readonly Remediation[] = REMEDIATIONS): Template {
  const member = memberRolesTemplate(remediations);
  const memberParameters = Object.keys(member.Parameters as Template);
  const parameters: Template = {
    StackSetName: {
      Type: "String",
      Default: "forecast-audit-roles",
      AllowedPattern: "^[a-zA-Z][a-zA-Z0-9-]{0,127}$",
      Description:
        "organization.stackSetName in forecast-audit's configuration (named in the fix of an account without the role).",
    },
    OrganizationalUnitIds: {
      Type: "CommaDelimitedList",
      Description:
        "The OUs to deploy to (ou-…), or the root id (r-…) for the whole organization; accounts that join them later get the roles too.",
    },
    CallAs: {
      Type: "String",
      AllowedValues: ["SELF", "DELEGATED_ADMIN"],
      Default: "SELF",
      Description:
        "SELF in the management account; DELEGATED_ADMIN in a delegated administrator for StackSets.",
    },
    ...(member.Parameters as Template),
  };
  return {
    AWSTemplateFormatVersion: FORMAT_VERSION,
    Description:
      "forecast-audit: a service-managed StackSet that deploys the member roles (member-roles.yaml) to every account of the chosen OUs, and to accounts that join them later. Generated by npm run deploy:templates.",
    Parameters: parameters,
    Resources: {
      RolesStackSet: {
        Type: "AWS::CloudFormation::StackSet",
        Properties: {
          StackSetName: ref("StackSetName"),
          Description: "forecast-audit audit role (and optional remediation role) in every member account.",
          PermissionModel: "SERVICE_MANAGED",
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          CallAs: ref("CallAs"),
          Capabilities: ["CAPABILITY_NAMED_IAM"],
          ManagedExecution: { Active: true },
          OperationPreferences: {
            FailureTolerancePercentage: 10,
            MaxConcurrentPercentage: 25,
            RegionConcurrencyType: "PARALLEL",
          },
          Parameters: memberParameters.map((name) => ({ ParameterKey: name, ParameterValue: ref(name) })),
          // IAM is global: one region is enough for roles.
          StackInstancesGroup: [
            {
              DeploymentTargets: { OrganizationalUnitIds: ref("OrganizationalUnitIds") },
              Regions: [ref("AWS::Region")],
            },
          ],
          TemplateBody: JSON.stringify(member),
        },
      },
    },
    Outputs: { StackSetId: { Value: ref("RolesStackSet") } },
  };
}

/** The role forecast-audit itself runs as (ECS task, EC2 instance, Lambda, …) in its own account. */
export function botRoleTemplate(): Template {
  return {
    AWSTemplateFormatVersion: FORMAT_VERSION,
    Description:
      "forecast-audit's own role: it may assume the audit and remediation roles (and the administrator-account role) and nothing else. Generated by npm run deploy:templates.",
    Parameters: {
      RoleName: { Type: "String", Default: "ForecastAuditBot", AllowedPattern: ROLE_NAME_PATTERN },
      TrustedService: {
        Type: "String",
        Default: "ecs-tasks.amazonaws.com",
        AllowedPattern: "^[a-z0-9.-]+\\.amazonaws\\.com$",
        Description:
          "The AWS service that runs forecast-audit: ecs-tasks.amazonaws.com, ec2.amazonaws.com, …",
      },
      AuditRoleName: { Type: "String", Default: "ForecastAudit", AllowedPattern: ROLE_NAME_PATTERN },
      RemediationRoleName: { Type: "String", Default: "", AllowedPattern: OPTIONAL_ROLE_NAME_PATTERN },
      AdminAccessRoleArn: {
        Type: "String",
        Default: "",
        AllowedPattern: "^(arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+)?$",
        Description:
          "organization.managementRoleArn (and securityHub.roleArn): the role of admin-access-role.yaml; empty when forecast-audit runs in that account itself.",
      },
      ListOrganizationHere: booleanParameter(
        '"true" when forecast-audit runs in the management or a delegated-administrator account and lists the organization with its own role.',
      ),
      ExportToSecurityHubHere: booleanParameter(
        '"true" when forecast-audit imports findings into the Security Hub of this account with its own role.',
      ),
    },
    Conditions: {
      HasRemediationRole: not(equals(ref("RemediationRoleName"), "")),
      HasAdminAccessRole: not(equals(ref("AdminAccessRoleArn"), "")),
      ListOrganizationHere: equals(ref("ListOrganizationHere"), "true"),
      ExportToSecurityHubHere: equals(ref("ExportToSecurityHubHere"), "true"),
    },
    Resources: {
      BotRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: ref("RoleName"),
          Description: "forecast-audit: the bot's own role.",
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: ref("TrustedService") }, Action: "sts:AssumeRole" },
            ],
          },
          Policies: [
            {
              PolicyName: "forecast-audit-assume-roles",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Sid: "AssumeForecastAuditRoles",
                    Effect: "Allow",
                    Action: ["sts:AssumeRole"],
                    Resource: [
                      roleArnOf("AuditRoleName"),
                      ifThen("HasRemediationRole", roleArnOf("RemediationRoleName")),
                      ifThen("HasAdminAccessRole", ref("AdminAccessRoleArn")),
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      OrganizationReadPolicy: {
        Type: "AWS::IAM::Policy",
        Condition: "ListOrganizationHere",
        Properties: {
          PolicyName: "forecast-audit-organization-read",
          Roles: [ref("BotRole")],
          PolicyDocument: policyDocument("ListOrganization", ORGANIZATION_PERMISSIONS),
        },
      },
      SecurityHubExportPolicy: {
        Type: "AWS::IAM::Policy",
        Condition: "ExportToSecurityHubHere",
        Properties: {
          PolicyName: "forecast-audit-security-hub-export",
          Roles: [ref("BotRole")],
          PolicyDocument: policyDocument("ImportFindings", SECURITY_HUB_EXPORT_PERMISSIONS),
        },
      },
    },
    Outputs: { BotRoleArn: { Value: { "Fn::GetAtt": ["BotRole", "Arn"] } } },
  };
}

/**
 * The role in the management (or a delegated-administrator) account that lists the organization and,
 * optionally, imports findings into that account's Security Hub.
 */
export function adminAccessRoleTemplate(): Template {
  return {
    AWSTemplateFormatVersion: FORMAT_VERSION,
    Description:
      "forecast-audit in the management or a delegated-administrator account: list the organization's accounts, and optionally import findings into Security Hub. Generated by npm run deploy:templates.",
    Parameters: {
      ...botParameters,
      RoleName: { Type: "String", Default: "ForecastAuditAdminAccess", AllowedPattern: ROLE_NAME_PATTERN },
      ExportToSecurityHub: booleanParameter(
        '"true" lets forecast-audit import its findings into the Security Hub of this account.',
      ),
    },
    Conditions: { ExportToSecurityHub: equals(ref("ExportToSecurityHub"), "true") },
    Resources: {
      AdminAccessRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: ref("RoleName"),
          Description:
            "forecast-audit: lists the organization's accounts (and imports findings into Security Hub).",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustedByBot(),
          Policies: [
            {
              PolicyName: "forecast-audit-organization-read",
              PolicyDocument: policyDocument("ListOrganization", ORGANIZATION_PERMISSIONS),
            },
          ],
        },
      },
      SecurityHubExportPolicy: {
        Type: "AWS::IAM::Policy",
        Condition: "ExportToSecurityHub",
        Properties: {
          PolicyName: "forecast-audit-security-hub-export",
          Roles: [ref("AdminAccessRole")],
          PolicyDocument: policyDocument("ImportFindings", SECURITY_HUB_EXPORT_PERMISSIONS),
        },
      },
    },
    Outputs: { AdminAccessRoleArn: { Value: { "Fn::GetAtt": ["AdminAccessRole", "Arn"] } } },
  };
}

/** Every template, by file name under deploy/cloudformation/. */
export function allTemplates(): Record<string, Template> {
  return {
    "member-roles.yaml": memberRolesTemplate(),
    "stackset.yaml": stackSetTemplate(),
    "bot-role.yaml": botRoleTemplate(),
    "admin-access-role.yaml": adminAccessRoleTemplate(),
  };
}

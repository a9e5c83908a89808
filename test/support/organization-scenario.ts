/**
 * An AWS Organization in moto: the management account (moto's 123456789012), three OUs (Prod, Prod/Payments,
 * Dev) and N member accounts spread over them, seeded cheaply through the services' own APIs:
 *
 * - every account gets the audit role (trust with the external id), except the few listed as `missing`, and
 *   one whose role wants another external id (`wrongExternalId`);
 * - even accounts get a logging multi-region trail (cloudtrail-multi-region-logging PASS), odd ones none (FAIL)
 *   and a console user without MFA (iam-console-users-mfa-enabled FAIL);
 * - the `suspended` accounts are closed (SUSPENDED), so discovery must skip them and say so.
 *
 * Used by the integration test and by bench/organization.bench.ts.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import pLimit from "p-limit";
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, type MotoServer, motoClientConfig } from "./moto.js";

export const ORG_ROLE_NAME = "ForecastAudit";
export const ORG_EXTERNAL_ID = "org-scan-external-id";
export const ORG_STACK_SET = "forecast-audit-roles";
/** An account name that must come out masked (an e-mail address) and inert (a broadcast). */
export const HOSTILE_ACCOUNT_NAME = "<!channel> jane.doe@example.com";

export type OuKey = "prod" | "payments" | "dev";

export interface OrgAccountSeed {
  id: string;
  name: string;
  ou: OuKey;
  ouId: string;
  /** `Root/Prod/Payments` as discovery reports it. */
  ouPath: string;
  role: "audit" | "missing" | "wrong-external-id";
  suspended: boolean;
  trail: boolean;
  /** The console user without MFA, when seeded. */
  consoleUserArn?: string;
}

export interface OrganizationScenario {
  managementAccountId: string;
  rootId: string;
  ous: Record<OuKey, { id: string; path: string }>;
  accounts: OrgAccountSeed[];
}

export interface OrganizationScenarioOptions {
  members: number;
  /** Indexes of members that get no audit role. */
  missing?: readonly number[];
  /** Index of a member whose role trusts another external id. */
  wrongExternalId?: number;
  /** Indexes of members closed before the scan. */
  suspended?: readonly number[];
  /** Concurrent seeding calls. */
  concurrency?: number;
}

function ouOf(index: number): OuKey {
  const slot = index % 10;
  return slot < 4 ? "prod" : slot < 7 ? "payments" : "dev";
}

export function auditRoleTrust(externalId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": externalId } },
      },
    ],
  });
}

/** Clients with credentials that moto maps to `accountId` (moto lets any role be assumed). */
async function clientsIn(server: MotoServer, sts: STSClient, accountId: string) {
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/seeder`, RoleSessionName: "seed" }),
  );
  const credentials = {
    accessKeyId: out.Credentials?.AccessKeyId ?? "",
    secretAccessKey: out.Credentials?.SecretAccessKey ?? "",
    sessionToken: out.Credentials?.SessionToken ?? "",
  };
  const config = { ...motoClientConfig(server), credentials };
  return { iam: new IAMClient(config), s3: new S3Client(config), cloudtrail: new CloudTrailClient(config) };
}

async function seedAccount(server: MotoServer, sts: STSClient, account: OrgAccountSeed, index: number) {
  const { iam, s3, cloudtrail } = await clientsIn(server, sts, account.id);
  try {
    if (account.role !== "missing") {
      await iam.send(
        new CreateRoleCommand({
          RoleName: ORG_ROLE_NAME,
          AssumeRolePolicyDocument: auditRoleTrust(
            account.role === "wrong-external-id" ? "someone-elses-id" : ORG_EXTERNAL_ID,
          ),
        }),
      );
    }
    if (account.trail) {
      const bucket = `fa-trail-${account.id}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await cloudtrail.send(
        new CreateTrailCommand({ Name: "org-trail", S3BucketName: bucket, IsMultiRegionTrail: true }),
      );
      await cloudtrail.send(
        new PutEventSelectorsCommand({
          TrailName: "org-trail",
          EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
        }),
      );
      await cloudtrail.send(new StartLoggingCommand({ Name: "org-trail" }));
    } else {
      const user = await iam.send(new CreateUserCommand({ UserName: `analyst-${index}` }));
      await iam.send(
        new CreateLoginProfileCommand({ UserName: `analyst-${index}`, Password: "Secret-123-abc!" }),
      );
      account.consoleUserArn = user.User?.Arn ?? "";
    }
  } finally {
    iam.destroy();
    s3.destroy();
    cloudtrail.destroy();
  }
}

export async function seedOrganizationScenario(
  server: MotoServer,
  options: OrganizationScenarioOptions,
): Promise<OrganizationScenario> {
  const direct = { endpoint: server.endpoint, region: "us-east-1", credentials: { ...MOTO_CREDENTIALS } };
  const orgs = new OrganizationsClient(direct);
  const sts = new STSClient(direct);
  const limit = pLimit(options.concurrency ?? 8);
  try {
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
    const createOu = async (parentId: string, name: string) =>
      (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name })))
        .OrganizationalUnit?.Id ?? "";
    const prod = await createOu(rootId, "Prod");
    const payments = await createOu(prod, "Payments");
    const dev = await createOu(rootId, "Dev");
    const ous: OrganizationScenario["ous"] = {
      prod: { id: prod, path: "Root/Prod" },
      payments: { id: payments, path: "Root/Prod/Payments" },
      dev: { id: dev, path: "Root/Dev" },
    };
    const missing = new Set(options.missing ?? []);
    const suspended = new Set(options.suspended ?? []);
    const accounts = await Promise.all(
      Array.from({ length: options.members }, (_, i) =>
        limit(async (): Promise<OrgAccountSeed> => {
          const name = i === 1 ? HOSTILE_ACCOUNT_NAME : `member-${String(i).padStart(3, "0")}`;
          const created = await orgs.send(
            new CreateAccountCommand({ AccountName: name, Email: `member-${i}@example.com` }),
          );
          const id = created.CreateAccountStatus?.AccountId ?? "";
          const ou = ouOf(i);
          await orgs.send(
            new MoveAccountCommand({
              AccountId: id,
              SourceParentId: rootId,
              DestinationParentId: ous[ou].id,
            }),
          );
          return {
            id,
            name,
            ou,
            ouId: ous[ou].id,
            ouPath: ous[ou].path,
            role: missing.has(i) ? "missing" : i === options.wrongExternalId ? "wrong-external-id" : "audit",
            suspended: suspended.has(i),
            trail: i % 2 === 0,
          };
        }),
      ),
    );
    await Promise.all(
      accounts.map((account, i) =>
        limit(async () => {
          if (account.suspended) {
            await orgs.send(new CloseAccountCommand({ AccountId: account.id }));
            return;
          }
          await seedAccount(server, sts, account, i);
        }),
      ),
    );
    // The management account is a member too (in the root); it gets the audit role like the others.
    const management: OrgAccountSeed = {
      id: MOTO_ACCOUNT_ID,
      name: "management",
      ou: "prod",
      ouId: rootId,
      ouPath: "Root",
      role: "audit",
      suspended: false,
      trail: true,
    };
    await seedAccount(server, sts, management, options.members);
    return { managementAccountId: MOTO_ACCOUNT_ID, rootId, ous, accounts };
  } finally {
    orgs.destroy();
    sts.destroy();
  }
}

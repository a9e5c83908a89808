/**
 * The collectors against moto over real HTTP, through the real client factory.
 *
 * Known moto gaps, covered by the client-mock unit tests beside each collector instead:
 * - Macie: moto's session timestamps do not parse in the JS SDK, and it has no automated discovery or job listing.
 * - IAM: the credential report has no `<root_account>` row.
 * - CloudTrail: no `LookupEvents`.
 * S3 Control's `<account-id>.localhost` host is reached through `motoRequestHandler`.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCallCounter } from "../../src/aws/call-counter.js";
import { type ClientFactory, createClientFactory } from "../../src/aws/client-factory.js";
import type { AccountClients } from "../../src/aws/clients.js";
import { collectTrail, describeRegionTrails } from "../../src/aws/collectors/cloudtrail.js";
import { collectCredentialReport } from "../../src/aws/collectors/credential-report.js";
import {
  collectAccountSummary,
  collectAuthorizationDetails,
  resolveRoles,
} from "../../src/aws/collectors/iam.js";
import { collectKey } from "../../src/aws/collectors/kms.js";
import { unlimited } from "../../src/aws/collectors/limit.js";
import { collectAccountPublicAccessBlock, collectBucket } from "../../src/aws/collectors/s3.js";
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  type MotoServer,
  motoClientConfig,
  motoRequestHandler,
  startMoto,
} from "../support/moto.js";

let moto: MotoServer;
let factory: ClientFactory;
let clients: AccountClients;
const counter = createCallCounter();
const noRefs = { referencedBy: [], roleArns: [] };
const limitFor = () => unlimited;

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: true });
});

afterAll(async () => {
  factory?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  factory?.destroy();
  counter.reset();
  factory = createClientFactory({
    requireFips: false,
    sessionName: "integration",
    credentials: MOTO_CREDENTIALS,
    endpoint: moto.endpoint,
    region: "us-east-1",
    requestHandler: motoRequestHandler(),
    maxAttempts: 2,
    callCounter: counter,
  });
  clients = await factory.forAccount({ id: MOTO_ACCOUNT_ID });
});

const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

describe("S3 against moto", () => {
  it("reads encryption, policy and Block Public Access, each bucket in its own region", async () => {
    const s3 = new S3Client(motoClientConfig(moto));
    const s3eu = new S3Client(motoClientConfig(moto, "eu-west-1"));
    const tlsPolicy = policy({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::fa-secure", "arn:aws:s3:::fa-secure/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    await s3.send(new CreateBucketCommand({ Bucket: "fa-secure" }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: "fa-secure",
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: "aws:kms",
                KMSMasterKeyID: "alias/forecast",
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket: "fa-secure", Policy: tlsPolicy }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: "fa-secure",
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: "fa-plain" }));
    await s3eu.send(
      new CreateBucketCommand({
        Bucket: "fa-europe",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );

    const secure = await collectBucket(clients, "fa-secure", noRefs, {
      limitFor,
      locationRegion: "us-east-1",
    });
    const plain = await collectBucket(clients, "fa-plain", noRefs, { limitFor, locationRegion: "us-east-1" });
    const europe = await collectBucket(clients, "fa-europe", noRefs, {
      limitFor,
      locationRegion: "us-east-1",
    });
    const missing = await collectBucket(clients, "fa-missing", noRefs, {
      limitFor,
      locationRegion: "us-east-1",
    });

    expect(secure.region).toEqual({ ok: true, value: "us-east-1" });
    expect(secure.encryption).toEqual({
      ok: true,
      value: { algorithm: "aws:kms", kmsKeyId: "alias/forecast", bucketKeyEnabled: true },
    });
    expect(secure.policy.ok && secure.policy.value?.document.Statement[0]?.Sid).toBe("DenyInsecureTransport");
    expect(secure.policy.ok && JSON.parse(secure.policy.value?.text ?? "")).toEqual(JSON.parse(tlsPolicy));
    expect(secure.publicAccessBlock).toEqual({
      ok: true,
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
    });
    expect(plain.policy).toEqual({ ok: true, value: null });
    expect(plain.publicAccessBlock).toEqual({ ok: true, value: null });
    expect(plain.encryption.ok).toBe(true);
    expect(europe.region).toEqual({ ok: true, value: "eu-west-1" });
    expect(await clients.s3("eu-west-1").config.region()).toBe("eu-west-1");
    expect(missing.region).toMatchObject({
      ok: false,
      error: { code: "NoSuchBucket", action: "s3:GetBucketLocation" },
    });
    expect(counter.count("s3:GetBucketLocation")).toBe(4);
    expect(counter.count("s3:GetBucketPolicy")).toBe(3);
  });

  it("reads the account-level Block Public Access through S3 Control", async () => {
    const before = await collectAccountPublicAccessBlock(clients, MOTO_ACCOUNT_ID, "us-east-1", unlimited);
    expect(before.publicAccessBlock).toEqual({ ok: true, value: null });

    await new S3ControlClient(motoClientConfig(moto)).send(
      new PutAccountPublicAccessBlockCommand({
        AccountId: MOTO_ACCOUNT_ID,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
      }),
    );

    const after = await collectAccountPublicAccessBlock(clients, MOTO_ACCOUNT_ID, "us-east-1", unlimited);
    expect(after.publicAccessBlock).toEqual({
      ok: true,
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      },
    });
  });
});

describe("KMS against moto", () => {
  it("reads rotation, deletion state and key policies of customer-managed keys", async () => {
    const kms = new KMSClient(motoClientConfig(moto));
    const rotating = (await kms.send(new CreateKeyCommand({ Description: "rotating" }))).KeyMetadata;
    const still = (await kms.send(new CreateKeyCommand({ Description: "not rotating" }))).KeyMetadata;
    const doomed = (await kms.send(new CreateKeyCommand({ Description: "doomed" }))).KeyMetadata;
    await kms.send(new EnableKeyRotationCommand({ KeyId: rotating?.KeyId }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed?.KeyId, PendingWindowInDays: 7 }));
    const publicPolicy = policy({
      Sid: "Everyone",
      Effect: "Allow",
      Principal: "*",
      Action: "kms:Decrypt",
      Resource: "*",
    });
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: still?.KeyId, PolicyName: "default", Policy: publicPolicy }),
    );

    const [a, b, c] = await Promise.all(
      [rotating, still, doomed].map((meta) =>
        collectKey(clients, meta?.Arn ?? "", "us-east-1", { limit: unlimited }),
      ),
    );

    expect(a?.metadata).toMatchObject({
      ok: true,
      value: { keyManager: "CUSTOMER", keySpec: "SYMMETRIC_DEFAULT", keyState: "Enabled", enabled: true },
    });
    expect(a?.rotation).toMatchObject({ ok: true, value: { enabled: true } });
    expect(b?.rotation).toMatchObject({ ok: true, value: { enabled: false } });
    expect(b?.policy).toMatchObject({
      ok: true,
      value: { Statement: [{ Sid: "Everyone", Principal: "*" }] },
    });
    expect(c?.metadata).toMatchObject({ ok: true, value: { keyState: "PendingDeletion", enabled: false } });
    expect(c?.metadata.ok && c.metadata.value.deletionDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(counter.count("kms:DescribeKey")).toBe(3);
  });

  it("reports a key that does not exist as an error in every slice", async () => {
    const ref = `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:key/00000000-0000-0000-0000-000000000000`;
    const key = await collectKey(clients, ref, "us-east-1", { limit: unlimited });
    expect(key.metadata).toMatchObject({
      ok: false,
      error: { code: "NotFoundException", action: "kms:DescribeKey" },
    });
    expect(key.policy.ok).toBe(false);
  });
});

describe("IAM against moto", () => {
  it("reads the summary, the credential report and the authorization details", async () => {
    const iam = new IAMClient(motoClientConfig(moto));
    const trust = policy({
      Effect: "Allow",
      Principal: { Service: "forecast.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": MOTO_ACCOUNT_ID } },
    });
    const role = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: "ForecastRole",
          Path: "/service-role/",
          AssumeRolePolicyDocument: trust,
        }),
      )
    ).Role;
    const managed = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: "ForecastData",
          PolicyDocument: policy({ Effect: "Allow", Action: "s3:*", Resource: "*" }),
        }),
      )
    ).Policy;
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: managed?.Arn,
        SetAsDefault: true,
        PolicyDocument: policy({
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::fa-data/*",
        }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: "ForecastRole", PolicyArn: managed?.Arn }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "ForecastRole",
        PolicyName: "kms",
        PolicyDocument: policy({
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
        }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: "analyst" }));
    await iam.send(new CreateLoginProfileCommand({ UserName: "analyst", Password: "Corr3ct-Horse-Battery" }));
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: "analyst",
        PolicyArn: "arn:aws:iam::aws:policy/AmazonForecastFullAccess",
      }),
    );
    await iam.send(new CreateGroupCommand({ GroupName: "planners" }));
    await iam.send(new AddUserToGroupCommand({ GroupName: "planners", UserName: "analyst" }));

    const [summary, report, details] = await Promise.all([
      collectAccountSummary(clients, unlimited),
      collectCredentialReport(clients, { limit: unlimited, sleep: async () => {} }),
      collectAuthorizationDetails(clients, unlimited),
    ]);

    expect(summary).toMatchObject({ ok: true, value: { users: 1 } });
    expect(report.ok && report.value.rows.find((r) => r.user === "analyst")).toMatchObject({
      passwordEnabled: true,
      mfaActive: false,
    });
    expect(details.ok).toBe(true);
    if (!details.ok) return;
    const roleArn = role?.Arn ?? "";
    const forecastRole = details.value.principals.find((p) => p.arn === roleArn);
    expect(forecastRole?.trustPolicy?.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": MOTO_ACCOUNT_ID },
    });
    expect(forecastRole?.attachedPolicies).toEqual([{ arn: managed?.Arn, name: "ForecastData" }]);
    expect(forecastRole?.inlinePolicies.map((p) => p.name)).toEqual(["kms"]);
    expect(details.value.managedPolicies[managed?.Arn ?? ""]?.document.Statement[0]?.Action).toBe(
      "s3:GetObject",
    );
    const analyst = details.value.principals.find((p) => p.kind === "user" && p.name === "analyst");
    expect(analyst?.attachedPolicies.map((p) => p.name)).toEqual(["AmazonForecastFullAccess"]);
    expect(analyst?.groups).toEqual(["planners"]);
    expect(details.value.principals.some((p) => p.kind === "group" && p.name === "planners")).toBe(true);

    const roles = resolveRoles(
      MOTO_ACCOUNT_ID,
      new Map([
        [roleArn, ["arn:aws:forecast:us-east-1:123456789012:dataset/sales"]],
        [`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/Missing`, []],
      ]),
      details,
    );
    expect(roles[roleArn]?.role.ok).toBe(true);
    expect(roles[`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/Missing`]?.role).toMatchObject({
      ok: false,
      error: { code: "NoSuchEntity" },
    });
  });
});

describe("CloudTrail against moto", () => {
  it("sees a multi-region trail from every region and reads its status and selectors in its home region", async () => {
    const s3 = new S3Client(motoClientConfig(moto));
    await s3.send(new CreateBucketCommand({ Bucket: "fa-trail-logs" }));
    const cloudtrail = new CloudTrailClient(motoClientConfig(moto));
    const multi = await cloudtrail.send(
      new CreateTrailCommand({
        Name: "org-audit",
        S3BucketName: "fa-trail-logs",
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
      }),
    );
    await cloudtrail.send(new StartLoggingCommand({ Name: "org-audit" }));
    await cloudtrail.send(
      new PutEventSelectorsCommand({
        TrailName: "org-audit",
        AdvancedEventSelectors: [
          {
            Name: "management",
            FieldSelectors: [
              { Field: "eventCategory", Equals: ["Management"] },
              { Field: "readOnly", Equals: ["false"] },
            ],
          },
        ],
      }),
    );
    const local = await cloudtrail.send(
      new CreateTrailCommand({ Name: "local", S3BucketName: "fa-trail-logs" }),
    );
    await cloudtrail.send(
      new PutEventSelectorsCommand({
        TrailName: "local",
        EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }],
      }),
    );

    const home = await describeRegionTrails(clients, "us-east-1", unlimited);
    const away = await describeRegionTrails(clients, "eu-west-1", unlimited);

    expect(home.trailArns.ok && home.trailArns.value.sort()).toEqual([multi.TrailARN, local.TrailARN].sort());
    expect(away.trailArns).toEqual({ ok: true, value: [multi.TrailARN] });
    const shadow = away.trails[0];
    expect(shadow).toMatchObject({
      homeRegion: "us-east-1",
      isMultiRegion: true,
      logFileValidationEnabled: true,
    });
    if (!shadow) return;

    const trail = await collectTrail(clients, shadow, limitFor);
    expect(trail.status).toEqual({ ok: true, value: { isLogging: true } });
    expect(trail.selectors).toEqual({ ok: true, value: { managementEvents: "WriteOnly" } });
    const localTrail = home.trails.find((t) => t.name === "local");
    if (!localTrail) throw new Error("the local trail is missing");
    const readOnly = await collectTrail(clients, localTrail, limitFor);
    expect(readOnly.status).toEqual({ ok: true, value: { isLogging: false } });
    expect(readOnly.selectors).toEqual({ ok: true, value: { managementEvents: "ReadOnly" } });
  });
});

describe("STS against moto", () => {
  it("assumes the account's role with an ExternalId and a session name that says who asked", async () => {
    const target = "111111111111";
    const assumed = await factory.forAccount({
      id: target,
      roleArn: `arn:aws:iam::${target}:role/ForecastAudit`,
      externalId: "forecast-audit-ext",
    });

    const identity = await assumed.sts("us-east-1").send(new GetCallerIdentityCommand({}));

    expect(assumed.accountId).toBe(target);
    expect(identity.Account).toBe(target);
    expect(identity.Arn).toBe(`arn:aws:sts::${target}:assumed-role/ForecastAudit/integration`);
    expect(counter.count("sts:AssumeRole")).toBe(1);
  });
});

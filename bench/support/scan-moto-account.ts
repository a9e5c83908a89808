/**
 * The non-Forecast half of `bench:scan`'s account, in moto: the KMS keys, S3 buckets, IAM roles and users and
 * the CloudTrail trail that the synthetic Forecast resources reference, configured the way real accounts are
 * (a mix of good and bad), plus a few things nothing references, which a scan must not fetch.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { type MotoServer, motoClientConfig } from "../../test/support/moto.js";

/** One key as created, so that the benchmark knows which calls it needs without asking KMS. */
export interface CreatedKey {
  arn: string;
  customerManaged: boolean;
  symmetric: boolean;
}

export interface MotoAccount {
  /** Keys that stand in for the synthetic Forecast key pool, in pool order. */
  dataKeys: CreatedKey[];
  /** Keys referenced only as a bucket's SSE-KMS default or as the trail's log key. */
  otherKeys: CreatedKey[];
  /** Referenced buckets and the key ARN their default encryption names (none for SSE-S3 and `aws/s3`). */
  bucketKeys: Record<string, string | undefined>;
  trailArn: string;
  trailKeyArn: string;
  /** IAM principals and customer managed policies that `GetAccountAuthorizationDetails` lists. */
  iamItems: number;
}

const TRAIL_BUCKET = "forecast-audit-bench-trail-logs";

const policy = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

function tlsStatements(bucket: string, minTls: boolean): object[] {
  const resources = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
  const out: object[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  if (minTls) {
    out.push({
      Sid: "DenyOldTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    });
  }
  return out;
}

/** Creates `count` customer-managed symmetric keys; every other one has rotation on. */
export async function createDataKeys(moto: MotoServer, count: number, region: string): Promise<CreatedKey[]> {
  const kms = new KMSClient(motoClientConfig(moto, region));
  try {
    const keys: CreatedKey[] = [];
    for (let i = 0; i < count; i += 1) {
      const out = await kms.send(new CreateKeyCommand({ Description: `forecast data ${i + 1}` }));
      const arn = out.KeyMetadata?.Arn ?? "";
      if (i % 2 === 0) await kms.send(new EnableKeyRotationCommand({ KeyId: arn }));
      keys.push({ arn, customerManaged: true, symmetric: true });
    }
    return keys;
  } finally {
    kms.destroy();
  }
}

/**
 * Creates the referenced buckets, roles and the rest of the account. Bucket `i` gets, by `i % 4`: SSE-KMS with
 * a data key (also referenced by Forecast, so it must not be fetched twice), a TLS-only policy and Block Public
 * Access; SSE-KMS with a bucket-only key; SSE-S3 and nothing else; SSE-KMS with `aws/s3` and a TLS 1.2 policy.
 */
export async function seedMotoAccount(
  moto: MotoServer,
  input: { region: string; accountId: string; buckets: string[]; roleArns: string[]; dataKeys: CreatedKey[] },
): Promise<MotoAccount> {
  const config = motoClientConfig(moto, input.region);
  const kms = new KMSClient(config);
  const s3 = new S3Client(config);
  const iam = new IAMClient(config);
  const cloudtrail = new CloudTrailClient(config);
  try {
    const createKey = async (description: string): Promise<CreatedKey> => {
      const out = await kms.send(new CreateKeyCommand({ Description: description }));
      const arn = out.KeyMetadata?.Arn ?? "";
      await kms.send(new EnableKeyRotationCommand({ KeyId: arn }));
      return { arn, customerManaged: true, symmetric: true };
    };
    const bucketKey = await createKey("forecast bucket defaults");
    const trailKey = await createKey("cloudtrail logs");

    const bucketKeys: Record<string, string | undefined> = {};
    for (const [i, bucket] of input.buckets.entries()) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const variant = i % 4;
      const dataKey = input.dataKeys[i % Math.max(1, input.dataKeys.length)]?.arn;
      const rule: ServerSideEncryptionRule =
        variant === 0 && dataKey
          ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: dataKey } }
          : variant === 1
            ? {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: "aws:kms",
                  KMSMasterKeyID: bucketKey.arn,
                },
                BucketKeyEnabled: true,
              }
            : variant === 2
              ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }
              : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } };
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: { Rules: [rule] },
        }),
      );
      bucketKeys[bucket] = rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
      if (variant === 0 || variant === 3) {
        await s3.send(
          new PutBucketPolicyCommand({
            Bucket: bucket,
            Policy: policy(tlsStatements(bucket, variant === 3)),
          }),
        );
      }
      if (variant === 0 || variant === 1) {
        await s3.send(
          new PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: variant === 0,
            },
          }),
        );
      }
    }
    // Nothing references these two: a scan that fetched them would show up in the call table.
    await s3.send(new CreateBucketCommand({ Bucket: "forecast-audit-bench-unrelated" }));
    await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));

    let iamItems = 0;
    for (const [i, arn] of input.roleArns.entries()) {
      const name = arn.slice(arn.lastIndexOf("/") + 1);
      const statement: Record<string, unknown> = {
        Effect: "Allow",
        Principal: { Service: "forecast.amazonaws.com" },
        Action: "sts:AssumeRole",
      };
      if (i % 2 === 0) statement.Condition = { StringEquals: { "aws:SourceAccount": input.accountId } };
      await iam.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy([statement]) }),
      );
      const access =
        i === input.roleArns.length - 1
          ? [{ Effect: "Allow", Action: "s3:*", Resource: "*" }]
          : [
              { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], Resource: "*" },
              { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" },
            ];
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: name,
          PolicyName: "forecast-data",
          PolicyDocument: policy(access),
        }),
      );
      iamItems += 1;
    }
    await iam.send(
      new CreateRoleCommand({
        RoleName: "UnrelatedLambdaRole",
        AssumeRolePolicyDocument: policy([
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: "planner" }));
    await iam.send(new CreateLoginProfileCommand({ UserName: "planner", Password: "Bench-Passw0rd!" }));
    await iam.send(new CreateUserCommand({ UserName: "ci-bot" }));
    await iam.send(new CreateGroupCommand({ GroupName: "forecast-analysts" }));
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: "forecast-analysts",
        PolicyName: "forecast-everything",
        PolicyDocument: policy([{ Effect: "Allow", Action: "forecast:*", Resource: "*" }]),
      }),
    );
    await iam.send(new AddUserToGroupCommand({ GroupName: "forecast-analysts", UserName: "planner" }));
    iamItems += 1 + 2 + 1;

    const trail = await cloudtrail.send(
      new CreateTrailCommand({
        Name: "organization-audit",
        S3BucketName: TRAIL_BUCKET,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
        KmsKeyId: trailKey.arn,
      }),
    );
    await cloudtrail.send(
      new PutEventSelectorsCommand({
        TrailName: "organization-audit",
        EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
      }),
    );
    await cloudtrail.send(new StartLoggingCommand({ Name: "organization-audit" }));

    return {
      dataKeys: input.dataKeys,
      otherKeys: [bucketKey, trailKey],
      bucketKeys,
      trailArn: trail.TrailARN ?? "",
      trailKeyArn: trailKey.arn,
      iamItems,
    };
  } finally {
    for (const client of [kms, s3, iam, cloudtrail]) client.destroy();
  }
}

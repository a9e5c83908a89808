import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { unlimited } from "./limit.js";
import { collectAccountPublicAccessBlock, collectBucket, normalizeBucketRegion } from "./s3.js";

const s3 = mockClient(S3Client);
const s3control = mockClient(S3ControlClient);
const options = { limitFor: () => unlimited, locationRegion: "us-east-1" };
const refs = { referencedBy: ["arn:aws:forecast:us-east-1:111122223333:dataset/sales"], roleArns: [] };
const POLICY =
  '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}';

beforeEach(() => {
  s3.reset();
  s3control.reset();
});

describe("normalizeBucketRegion", () => {
  it("maps the empty and legacy constraints to their regions", () => {
    expect(normalizeBucketRegion(undefined)).toBe("us-east-1");
    expect(normalizeBucketRegion(null)).toBe("us-east-1");
    expect(normalizeBucketRegion("")).toBe("us-east-1");
    expect(normalizeBucketRegion("EU")).toBe("eu-west-1");
    expect(normalizeBucketRegion("ap-south-1")).toBe("ap-south-1");
  });
});

describe("collectBucket", () => {
  it("reads encryption, policy and Block Public Access with the client of the bucket's own region", async () => {
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "EU" });
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/data" },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: POLICY });
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
      },
    });
    const clients = fakeAccountClients();

    const bucket = await collectBucket(clients, "sales-data", refs, options);

    expect(bucket.region).toEqual({ ok: true, value: "eu-west-1" });
    expect(bucket.encryption).toEqual({
      ok: true,
      value: { algorithm: "aws:kms", kmsKeyId: "alias/data", bucketKeyEnabled: true },
    });
    expect(bucket.policy.ok && bucket.policy.value?.text).toBe(POLICY);
    expect(bucket.policy.ok && bucket.policy.value?.document.Statement).toHaveLength(1);
    expect(bucket.publicAccessBlock).toEqual({
      ok: true,
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      },
    });
    expect(bucket.referencedBy).toEqual(refs.referencedBy);
    expect(clients.requested).toEqual(["s3:us-east-1", "s3:eu-west-1"]);
    const encryptionCall = s3.commandCalls(GetBucketEncryptionCommand)[0];
    expect(await encryptionCall?.thisValue.config.region()).toBe("eu-west-1");
  });

  it("maps the not-configured errors to null", async () => {
    s3.on(GetBucketLocationCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).rejects(
      awsError("ServerSideEncryptionConfigurationNotFoundError", "none", 404),
    );
    s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", "none", 404));
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", "none", 404));

    const bucket = await collectBucket(fakeAccountClients(), "plain", refs, options);

    expect(bucket.region).toEqual({ ok: true, value: "us-east-1" });
    expect(bucket.encryption).toEqual({ ok: true, value: null });
    expect(bucket.policy).toEqual({ ok: true, value: null });
    expect(bucket.publicAccessBlock).toEqual({ ok: true, value: null });
  });

  it("keeps denials and exhausted throttling as errors with the IAM action", async () => {
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "us-west-2" });
    s3.on(GetBucketEncryptionCommand).rejects(awsError("AccessDenied", "Access Denied", 403));
    s3.on(GetBucketPolicyCommand).rejects(awsError("SlowDown", "Please reduce your request rate.", 503));
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));

    const bucket = await collectBucket(fakeAccountClients(), "busy", refs, options);

    expect(bucket.encryption).toMatchObject({
      ok: false,
      error: { code: "AccessDenied", action: "s3:GetEncryptionConfiguration" },
    });
    expect(bucket.policy).toMatchObject({
      ok: false,
      error: { code: "SlowDown", action: "s3:GetBucketPolicy" },
    });
    expect(bucket.publicAccessBlock).toMatchObject({
      ok: false,
      error: { code: "ThrottlingException", action: "s3:GetBucketPublicAccessBlock" },
    });
  });

  it("reads nothing else when the location is unknown, so no answer comes from the wrong region", async () => {
    s3.on(GetBucketLocationCommand).rejects(awsError("AccessDenied", "Access Denied", 403));

    const bucket = await collectBucket(fakeAccountClients(), "foreign", refs, options);

    const expected = { ok: false, error: { code: "AccessDenied", action: "s3:GetBucketLocation" } };
    expect(bucket.region).toMatchObject(expected);
    expect(bucket.encryption).toMatchObject(expected);
    expect(bucket.policy).toMatchObject(expected);
    expect(bucket.publicAccessBlock).toMatchObject(expected);
    expect(s3.calls()).toHaveLength(1);
  });

  it("reports a policy that is not JSON as an error, not as no policy", async () => {
    s3.on(GetBucketLocationCommand).resolves({});
    s3.on(GetBucketPolicyCommand).resolves({ Policy: "{not json" });

    const bucket = await collectBucket(fakeAccountClients(), "odd", refs, options);

    expect(bucket.policy).toMatchObject({
      ok: false,
      error: { code: "InvalidPolicyDocument", action: "s3:GetBucketPolicy" },
    });
  });

  it("runs every call through the limiter of the region it goes to", async () => {
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "ap-south-1" });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: POLICY });
    const regions: string[] = [];
    const limitFor =
      (region: string) =>
      <T>(fn: () => Promise<T>) => {
        regions.push(region);
        return fn();
      };

    await collectBucket(fakeAccountClients(), "limited", refs, { limitFor, locationRegion: "us-east-1" });

    expect(regions).toEqual(["us-east-1", "ap-south-1", "ap-south-1", "ap-south-1"]);
  });
});

describe("collectAccountPublicAccessBlock", () => {
  it("reads the account-level settings through S3 Control", async () => {
    s3control.on(GetAccountPublicAccessBlockCommand, { AccountId: "111122223333" }).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });

    const result = await collectAccountPublicAccessBlock(
      fakeAccountClients(),
      "111122223333",
      "us-east-1",
      unlimited,
    );

    expect(result.publicAccessBlock).toEqual({
      ok: true,
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
    });
  });

  it("maps a missing configuration to null and a denial to an error", async () => {
    s3control
      .on(GetAccountPublicAccessBlockCommand)
      .rejectsOnce(awsError("NoSuchPublicAccessBlockConfiguration"));
    const none = await collectAccountPublicAccessBlock(
      fakeAccountClients(),
      "111122223333",
      "us-east-1",
      unlimited,
    );
    expect(none.publicAccessBlock).toEqual({ ok: true, value: null });

    s3control.on(GetAccountPublicAccessBlockCommand).rejects(awsError("AccessDenied", "Access Denied", 403));
    const denied = await collectAccountPublicAccessBlock(
      fakeAccountClients(),
      "111122223333",
      "us-east-1",
      unlimited,
    );
    expect(denied.publicAccessBlock).toMatchObject({
      ok: false,
      error: { code: "AccessDenied", action: "s3:GetAccountPublicAccessBlock" },
    });
  });
});

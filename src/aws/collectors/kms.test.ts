import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { collectKey } from "./kms.js";
import { unlimited } from "./limit.js";

const kms = mockClient(KMSClient);
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALIAS_ARN = "arn:aws:kms:eu-west-1:111122223333:alias/forecast";
const KEY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
  ],
});

beforeEach(() => kms.reset());

describe("collectKey", () => {
  it("reads rotation and the default policy of a customer-managed symmetric key, by the key ARN", async () => {
    kms.on(DescribeKeyCommand, { KeyId: ALIAS_ARN }).resolves({
      KeyMetadata: {
        KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        Arn: KEY_ARN,
        KeyManager: "CUSTOMER",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyUsage: "ENCRYPT_DECRYPT",
        KeyState: "Enabled",
        Enabled: true,
        Origin: "AWS_KMS",
        MultiRegion: false,
      },
    });
    kms
      .on(GetKeyRotationStatusCommand, { KeyId: KEY_ARN })
      .resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    kms.on(GetKeyPolicyCommand, { KeyId: KEY_ARN, PolicyName: "default" }).resolves({ Policy: KEY_POLICY });
    const clients = fakeAccountClients();

    const key = await collectKey(clients, ALIAS_ARN, "eu-west-1", {
      limit: unlimited,
      referencedBy: ["s3://data"],
    });

    expect(key.ref).toBe(ALIAS_ARN);
    expect(key.region).toBe("eu-west-1");
    expect(key.referencedBy).toEqual(["s3://data"]);
    expect(key.metadata).toEqual({
      ok: true,
      value: {
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        arn: KEY_ARN,
        keyManager: "CUSTOMER",
        keySpec: "SYMMETRIC_DEFAULT",
        keyUsage: "ENCRYPT_DECRYPT",
        keyState: "Enabled",
        enabled: true,
        origin: "AWS_KMS",
        multiRegion: false,
      },
    });
    expect(key.rotation).toEqual({ ok: true, value: { enabled: true, rotationPeriodInDays: 365 } });
    expect(key.policy.ok && key.policy.value?.Statement[0]?.Action).toBe("kms:*");
    expect(clients.requested).toEqual(["kms:eu-west-1"]);
  });

  it("makes no rotation or policy call for an AWS-managed key", async () => {
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: "k",
        Arn: KEY_ARN,
        KeyManager: "AWS",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyState: "Enabled",
        Enabled: true,
      },
    });

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    expect(key.rotation).toEqual({ ok: true, value: null });
    expect(key.policy).toEqual({ ok: true, value: null });
    expect(kms.calls()).toHaveLength(1);
  });

  it("skips rotation for an asymmetric customer key but still reads its policy", async () => {
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: "k",
        Arn: KEY_ARN,
        KeyManager: "CUSTOMER",
        KeySpec: "RSA_2048",
        KeyState: "Enabled",
        Enabled: true,
      },
    });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: KEY_POLICY });

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    expect(key.rotation).toEqual({ ok: true, value: null });
    expect(key.policy.ok).toBe(true);
    expect(kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(0);
  });

  it("records the deletion date of a key pending deletion", async () => {
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: "k",
        Arn: KEY_ARN,
        KeyManager: "CUSTOMER",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyState: "PendingDeletion",
        Enabled: false,
        DeletionDate: new Date("2030-01-02T03:04:05Z"),
      },
    });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: KEY_POLICY });

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    expect(key.metadata).toMatchObject({
      ok: true,
      value: { keyState: "PendingDeletion", enabled: false, deletionDate: "2030-01-02T03:04:05.000Z" },
    });
    expect(key.rotation).toEqual({ ok: true, value: { enabled: false } });
  });

  it("carries a DescribeKey denial into every slice", async () => {
    kms
      .on(DescribeKeyCommand)
      .rejects(awsError("AccessDeniedException", "not authorized to perform kms:DescribeKey"));

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    const expected = { ok: false, error: { code: "AccessDeniedException", action: "kms:DescribeKey" } };
    expect(key.metadata).toMatchObject(expected);
    expect(key.rotation).toMatchObject(expected);
    expect(key.policy).toMatchObject(expected);
  });

  it("keeps a throttled rotation call and a denied policy call as errors", async () => {
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: "k",
        Arn: KEY_ARN,
        KeyManager: "CUSTOMER",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyState: "Enabled",
        Enabled: true,
      },
    });
    kms.on(GetKeyRotationStatusCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
    kms.on(GetKeyPolicyCommand).rejects(awsError("AccessDeniedException", "not authorized"));

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    expect(key.rotation).toMatchObject({
      ok: false,
      error: { code: "ThrottlingException", action: "kms:GetKeyRotationStatus" },
    });
    expect(key.policy).toMatchObject({
      ok: false,
      error: { code: "AccessDeniedException", action: "kms:GetKeyPolicy" },
    });
  });

  it("treats a key that cannot rotate automatically (imported material) as not applicable", async () => {
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: "k",
        Arn: KEY_ARN,
        KeyManager: "CUSTOMER",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyState: "Enabled",
        Enabled: true,
        Origin: "EXTERNAL",
      },
    });
    kms
      .on(GetKeyRotationStatusCommand)
      .rejects(awsError("UnsupportedOperationException", "imported key material"));
    kms.on(GetKeyPolicyCommand).resolves({ Policy: KEY_POLICY });

    const key = await collectKey(fakeAccountClients(), KEY_ARN, "eu-west-1", { limit: unlimited });

    expect(key.rotation).toEqual({ ok: true, value: null });
  });
});

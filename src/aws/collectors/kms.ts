/** Reads each referenced KMS key: its metadata, and for customer-managed keys the rotation status and key policy. */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata as SdkKeyMetadata,
} from "@aws-sdk/client-kms";
import type { KeyInventory, KeyMetadata, KeyRotation } from "../../domain/inventory.js";
import { type PolicyDocument, parsePolicyDocument } from "../../domain/policy-document.js";
import { ok, type Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt } from "../errors.js";
import { type Limit, sendOptions } from "./limit.js";

export function toKeyMetadata(meta: SdkKeyMetadata): KeyMetadata {
  const out: KeyMetadata = {
    keyId: meta.KeyId ?? "",
    arn: meta.Arn ?? "",
    keyManager: meta.KeyManager ?? "",
    keySpec: meta.KeySpec ?? meta.CustomerMasterKeySpec ?? "",
    keyUsage: meta.KeyUsage ?? "",
    keyState: meta.KeyState ?? "",
    enabled: meta.Enabled === true,
  };
  if (meta.DeletionDate) out.deletionDate = meta.DeletionDate.toISOString();
  if (meta.Origin) out.origin = meta.Origin;
  if (meta.MultiRegion !== undefined) out.multiRegion = meta.MultiRegion;
  return out;
}

/**
 * `ref` is the key as referenced (key ARN or alias ARN, see `normalizeKeyRef`); `region` the region it lives in.
 * Rotation and policy are read for customer-managed keys only: AWS-managed keys rotate on AWS's schedule and
 * their policies are not ours to judge.
 */
export async function collectKey(
  clients: AccountClients,
  ref: string,
  region: string,
  options: { limit: Limit; referencedBy?: string[] },
): Promise<KeyInventory> {
  const kms = clients.kms(region);
  const { limit } = options;
  const metadata = await attempt("kms:DescribeKey", () =>
    limit(async (signal) => {
      const out = await kms.send(new DescribeKeyCommand({ KeyId: ref }), sendOptions(signal));
      // An answer without metadata is not an AWS answer; it says nothing about whether the key exists.
      if (!out.KeyMetadata)
        throw Object.assign(new Error("DescribeKey returned no key metadata."), { name: "InvalidResponse" });
      return toKeyMetadata(out.KeyMetadata);
    }),
  );
  const base = { ref, region, metadata, referencedBy: options.referencedBy ?? [] };
  if (!metadata.ok) return { ...base, rotation: metadata, policy: metadata };
  if (metadata.value.keyManager !== "CUSTOMER") return { ...base, rotation: ok(null), policy: ok(null) };

  // An alias cannot be passed to these two calls; the key ARN from DescribeKey can.
  const keyId = metadata.value.arn || metadata.value.keyId;
  const rotation: Promise<Slice<KeyRotation | null>> =
    metadata.value.keySpec === "SYMMETRIC_DEFAULT"
      ? attempt(
          "kms:GetKeyRotationStatus",
          () =>
            limit(async (signal) => {
              const out = await kms.send(
                new GetKeyRotationStatusCommand({ KeyId: keyId }),
                sendOptions(signal),
              );
              const value: KeyRotation = {
                enabled: out.KeyRotationEnabled === true,
              };
              if (out.RotationPeriodInDays !== undefined)
                value.rotationPeriodInDays = out.RotationPeriodInDays;
              return value;
            }),
          // Keys with imported material or in a custom key store cannot rotate automatically.
          { codes: ["UnsupportedOperationException"], value: null },
        )
      : Promise.resolve(ok(null));
  const policy: Promise<Slice<PolicyDocument | null>> = attempt("kms:GetKeyPolicy", () =>
    limit(async (signal) => {
      const out = await kms.send(
        new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }),
        sendOptions(signal),
      );
      return out.Policy === undefined ? null : parsePolicyDocument(out.Policy);
    }),
  );
  const [rotationSlice, policySlice] = await Promise.all([rotation, policy]);
  return { ...base, rotation: rotationSlice, policy: policySlice };
}

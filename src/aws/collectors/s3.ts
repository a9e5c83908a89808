/** Reads each referenced S3 bucket (location, default encryption, policy, Block Public Access) and the account's BPA. */
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type ServerSideEncryptionConfiguration,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import type {
  BucketEncryption,
  BucketInventory,
  BucketPolicy,
  PublicAccessBlock,
  S3AccountInventory,
} from "../../domain/inventory.js";
import { parsePolicyDocument } from "../../domain/policy-document.js";
import { failed, ok, type Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt } from "../errors.js";
import { type Limit, type LimitFor, sendOptions } from "./limit.js";

export interface BucketRefs {
  referencedBy: string[];
  roleArns: string[];
}

export interface CollectBucketOptions {
  limitFor: LimitFor;
  /** Region whose client asks for the bucket's location (any region of the partition answers). */
  locationRegion: string;
}

/** `GetBucketLocation`'s constraint as a region: empty means us-east-1, `EU` the legacy name of eu-west-1. */
export function normalizeBucketRegion(constraint: string | null | undefined): string {
  if (constraint === undefined || constraint === null || constraint === "") return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

export function toBucketEncryption(
  config: ServerSideEncryptionConfiguration | undefined,
): BucketEncryption | null {
  for (const rule of config?.Rules ?? []) {
    const byDefault = rule.ApplyServerSideEncryptionByDefault;
    if (byDefault?.SSEAlgorithm === undefined) continue;
    const encryption: BucketEncryption = {
      algorithm: byDefault.SSEAlgorithm,
      bucketKeyEnabled: rule.BucketKeyEnabled === true,
    };
    if (byDefault.KMSMasterKeyID) encryption.kmsKeyId = byDefault.KMSMasterKeyID;
    return encryption;
  }
  return null;
}

export function toPublicAccessBlock(
  config: PublicAccessBlockConfiguration | undefined,
): PublicAccessBlock | null {
  if (config === undefined) return null;
  return {
    blockPublicAcls: config.BlockPublicAcls === true,
    ignorePublicAcls: config.IgnorePublicAcls === true,
    blockPublicPolicy: config.BlockPublicPolicy === true,
    restrictPublicBuckets: config.RestrictPublicBuckets === true,
  };
}

const NO_PUBLIC_ACCESS_BLOCK = ["NoSuchPublicAccessBlockConfiguration"];

export async function collectBucket(
  clients: AccountClients,
  name: string,
  refs: BucketRefs,
  options: CollectBucketOptions,
): Promise<BucketInventory> {
  const locationLimit = options.limitFor(options.locationRegion);
  const region = await attempt("s3:GetBucketLocation", () =>
    locationLimit(async (signal) => {
      const out = await clients
        .s3(options.locationRegion)
        .send(new GetBucketLocationCommand({ Bucket: name }), sendOptions(signal));
      return normalizeBucketRegion(out.LocationConstraint);
    }),
  );
  const base = { name, region, referencedBy: refs.referencedBy, roleArns: refs.roleArns };
  if (!region.ok) {
    // Without the location nothing is read, so that no answer comes from the wrong region.
    return { ...base, encryption: region, policy: region, publicAccessBlock: region };
  }
  const s3 = clients.s3(region.value);
  const limit: Limit = options.limitFor(region.value);
  const [encryption, policy, publicAccessBlock] = await Promise.all([
    attempt(
      "s3:GetEncryptionConfiguration",
      () =>
        limit(async (signal) => {
          const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }), sendOptions(signal));
          return toBucketEncryption(out.ServerSideEncryptionConfiguration);
        }),
      { codes: ["ServerSideEncryptionConfigurationNotFoundError"], value: null },
    ),
    collectBucketPolicy(() =>
      limit((signal) => s3.send(new GetBucketPolicyCommand({ Bucket: name }), sendOptions(signal))),
    ),
    attempt(
      "s3:GetBucketPublicAccessBlock",
      () =>
        limit(async (signal) => {
          const out = await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }), sendOptions(signal));
          return toPublicAccessBlock(out.PublicAccessBlockConfiguration);
        }),
      { codes: NO_PUBLIC_ACCESS_BLOCK, value: null },
    ),
  ]);
  return { ...base, encryption, policy, publicAccessBlock };
}

async function collectBucketPolicy(
  call: () => Promise<{ Policy?: string | undefined }>,
): Promise<Slice<BucketPolicy | null>> {
  const text = await attempt("s3:GetBucketPolicy", async () => (await call()).Policy ?? null, {
    codes: ["NoSuchBucketPolicy"],
    value: null,
  });
  if (!text.ok) return text;
  if (text.value === null) return ok(null);
  try {
    return ok({ text: text.value, document: parsePolicyDocument(text.value) });
  } catch (error) {
    return failed({
      code: "InvalidPolicyDocument",
      message: `The bucket policy is not valid JSON: ${String(error)}`.slice(0, 500),
      action: "s3:GetBucketPolicy",
    });
  }
}

/** S3 Control `GetPublicAccessBlock`: the account-wide Block Public Access settings. */
export async function collectAccountPublicAccessBlock(
  clients: AccountClients,
  accountId: string,
  region: string,
  limit: Limit,
): Promise<S3AccountInventory> {
  const publicAccessBlock = await attempt(
    "s3:GetAccountPublicAccessBlock",
    () =>
      limit(async (signal) => {
        const out = await clients
          .s3control(region)
          .send(new GetAccountPublicAccessBlockCommand({ AccountId: accountId }), sendOptions(signal));
        return toPublicAccessBlock(out.PublicAccessBlockConfiguration);
      }),
    { codes: NO_PUBLIC_ACCESS_BLOCK, value: null },
  );
  return { publicAccessBlock };
}

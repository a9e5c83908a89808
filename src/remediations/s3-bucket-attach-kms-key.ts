/**
 * Makes a customer-managed KMS key the bucket's default encryption, with bucket keys on. The Forecast roles
 * that use the bucket are granted the key first, in the same plan, so Forecast keeps reading and writing.
 */
import { z } from "zod";
import { normalizeKeyRef } from "../domain/arn.js";
import type {
  AccountInventory,
  BucketEncryption,
  BucketInventory,
  KeyInventory,
} from "../domain/inventory.js";
import { diffPolicies, formatPolicy } from "../domain/policy-diff.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import {
  defineRemediation,
  fingerprintState,
  type Plan,
  type PlanChoice,
  type PlanStep,
} from "../domain/remediation.js";
import {
  buildPlan,
  buildRevertPlan,
  cannotReadNow,
  compliantPlan,
  findBucket,
  findKey,
  nothingToRevert,
  priorStateOf,
  priorStateToRevert,
  refusePlan,
  refuseRevert,
  sliceState,
  step,
  unreadable,
} from "./plan-kit.js";
import {
  appendStatements,
  describeStatements,
  parseRawPolicy,
  type RawPolicy,
  removeStatements,
  statementSids,
  statementsAdded,
} from "./policy-text.js";

const ID = "s3-bucket-attach-kms-key";
export const ROLE_GRANT_SID_PREFIX = "ForecastAuditForecastRoles";
const GRANTED_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

const encryptionSchema = z.object({
  algorithm: z.string(),
  kmsKeyId: z.string().optional(),
  bucketKeyEnabled: z.boolean(),
});
const priorStateSchema = z.object({
  bucket: z.string(),
  region: z.string(),
  expectedOwner: z.string(),
  /** The default encryption before the fix; null when there was none. */
  encryption: encryptionSchema.nullable(),
  encryptionChanged: z.boolean(),
  keyArn: z.string(),
  /** The key policy text before the fix; null when the fix did not change it. */
  keyPolicyText: z.string().nullable(),
});
type PriorState = z.infer<typeof priorStateSchema>;

function describeEncryption(encryption: BucketEncryption | null): string {
  if (encryption === null) return "none (S3 applies SSE-S3)";
  const key = encryption.kmsKeyId
    ? ` with key ${encryption.kmsKeyId}`
    : encryption.algorithm.startsWith("aws:kms")
      ? " with the AWS managed key aws/s3"
      : "";
  return `${encryption.algorithm}${key}, bucket key ${encryption.bucketKeyEnabled ? "on" : "off"}`;
}

function keyScope(account: AccountInventory, region: string) {
  return { partition: account.partition, region, accountId: account.accountId };
}

/** Whether a configured `KMSMasterKeyID` (id, ARN, alias) names this key. */
function namesKey(configured: string, key: KeyInventory, account: AccountInventory, region: string): boolean {
  const names = new Set([key.ref]);
  if (key.metadata.ok) {
    names.add(key.metadata.value.arn);
    names.add(key.metadata.value.keyId);
  }
  return names.has(configured) || names.has(normalizeKeyRef(configured, keyScope(account, region)));
}

function eligible(key: KeyInventory, region: string): boolean {
  return (
    key.metadata.ok &&
    key.metadata.value.keyManager === "CUSTOMER" &&
    key.metadata.value.keyState === "Enabled" &&
    key.metadata.value.keySpec === "SYMMETRIC_DEFAULT" &&
    key.region === region
  );
}

type KeyChoice = { key: KeyInventory } | { refusal: string };

/**
 * The keys a person may choose from, one per key ARN (a key read both by alias and by ARN shows once, with
 * its alias): the same eligibility `chooseKey` applies.
 */
function keyCandidates(account: AccountInventory, region: string): PlanChoice["candidates"] {
  const byArn = new Map<string, { keyId: string; alias?: string }>();
  for (const key of Object.values(account.keys).sort((a, b) => a.ref.localeCompare(b.ref))) {
    if (!eligible(key, region) || !key.metadata.ok) continue;
    const { arn, keyId } = key.metadata.value;
    const alias = /:(alias\/.+)$/.exec(key.ref)?.[1];
    const known = byArn.get(arn) ?? { keyId };
    if (alias !== undefined && known.alias === undefined) known.alias = alias;
    byArn.set(arn, known);
  }
  return [...byArn]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([arn, { keyId, alias }]) => ({ value: arn, label: alias ? `${keyId} (${alias})` : keyId }));
}

/** The key asked for; else the bucket's own customer-managed key; else the one key its Forecast resources use. */
function chooseKey(
  account: AccountInventory,
  bucket: BucketInventory,
  region: string,
  encryption: BucketEncryption | null,
  asked: string | undefined,
): KeyChoice {
  if (asked !== undefined) {
    const key =
      findKey(normalizeKeyRef(asked, keyScope(account, region)), account) ?? findKey(asked, account);
    return key
      ? { key }
      : {
          refusal: `The key ${asked} is not in the inventory; scan again, or choose a key the scan has read.`,
        };
  }
  if (encryption?.kmsKeyId && encryption.algorithm.startsWith("aws:kms")) {
    const current = findKey(normalizeKeyRef(encryption.kmsKeyId, keyScope(account, region)), account);
    if (current?.metadata.ok && current.metadata.value.keyManager === "CUSTOMER") return { key: current };
  }
  const candidates = Object.values(account.keys)
    .filter((key) => eligible(key, region))
    .sort((a, b) => a.ref.localeCompare(b.ref));
  const sharing = candidates.filter((key) =>
    key.referencedBy.some((ref) => bucket.referencedBy.includes(ref)),
  );
  for (const tier of [sharing, candidates]) {
    const [only, ...others] = tier;
    if (only && others.length === 0) return { key: only };
    if (only) {
      return {
        refusal: `Choose the key: ${tier.length} customer-managed keys in ${region} fit (${tier.map((k) => k.ref).join(", ")}).`,
      };
    }
  }
  return {
    refusal: `No enabled customer-managed symmetric key in ${region} is in the inventory; create one and choose it.`,
  };
}

/** Why the key cannot be the bucket's default, or undefined when it can. */
function keyProblem(key: KeyInventory, region: string): string | undefined {
  const unread = unreadable(key.metadata, "The key's metadata");
  if (unread || !key.metadata.ok) return `${unread}.`;
  const meta = key.metadata.value;
  if (meta.keyManager !== "CUSTOMER") return `The key ${meta.arn} is not customer managed.`;
  if (meta.keyState !== "Enabled") return `The key ${meta.arn} is ${meta.keyState}, not enabled.`;
  if (meta.keySpec !== "SYMMETRIC_DEFAULT")
    return `The key ${meta.arn} is ${meta.keySpec}; S3 needs a symmetric key.`;
  if (key.region !== region) {
    return `The key ${meta.arn} is in ${key.region} but the bucket is in ${region}; S3 needs a key in the bucket's region.`;
  }
  const policy = unreadable(key.policy, "its key policy");
  if (policy || !key.policy.ok || key.policy.value === null) {
    return `The key ${meta.arn} cannot be granted to the Forecast roles: ${policy ?? "its key policy could not be read"}.`;
  }
  return undefined;
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

/** Whether an unconditional Allow names the role and covers both actions. */
function grantsRole(policy: RawPolicy, roleArn: string): boolean {
  return policy.statements.some((statement) => {
    if (statement.Effect !== "Allow" || statement.Condition !== undefined) return false;
    const principal = statement.Principal as { AWS?: unknown } | undefined;
    if (typeof principal !== "object" || !strings(principal?.AWS).includes(roleArn)) return false;
    const actions = strings(statement.Action);
    return GRANTED_ACTIONS.every(
      (wanted) =>
        actions.includes(wanted) ||
        actions.includes("kms:*") ||
        actions.includes("*") ||
        (wanted === "kms:GenerateDataKey" && actions.includes("kms:GenerateDataKey*")),
    );
  });
}

/** The statement granting the roles, with a Sid tied to the role set so the same grant is never appended twice. */
export function roleGrantStatement(roleArns: readonly string[]): PolicyStatement {
  const suffix = fingerprintState([...roleArns].sort()).slice(0, 8);
  return {
    Sid: `${ROLE_GRANT_SID_PREFIX}${suffix}`,
    Effect: "Allow",
    Principal: { AWS: [...roleArns] },
    Action: [...GRANTED_ACTIONS],
    Resource: "*",
  };
}

function encryptionInput(
  bucket: string,
  owner: string,
  encryption: BucketEncryption,
): Record<string, unknown> {
  const byDefault: Record<string, string> = { SSEAlgorithm: encryption.algorithm };
  if (encryption.kmsKeyId !== undefined) byDefault.KMSMasterKeyID = encryption.kmsKeyId;
  return {
    Bucket: bucket,
    ServerSideEncryptionConfiguration: {
      Rules: [
        { ApplyServerSideEncryptionByDefault: byDefault, BucketKeyEnabled: encryption.bucketKeyEnabled },
      ],
    },
    ExpectedBucketOwner: owner,
  };
}

function view(encryption: BucketEncryption | null, keyArn: string, keyPolicy: string): string {
  return `Default encryption: ${describeEncryption(encryption)}\n\nPolicy of key ${keyArn}:\n${formatPolicy(keyPolicy)}`;
}

export const s3BucketAttachKmsKey = defineRemediation({
  id: ID,
  title: "Encrypt the bucket by default with a customer-managed KMS key",
  fixes: ["s3-bucket-default-encryption-cmk"],
  permissions: ["kms:PutKeyPolicy", "s3:PutEncryptionConfiguration"],
  revertPermissions: ["kms:PutKeyPolicy", "s3:PutEncryptionConfiguration"],

  plan(finding, account, options): Plan {
    const bucket = findBucket(finding, account);
    if (!bucket)
      return refusePlan(ID, finding, null, `The bucket of ${finding.resourceArn} is not in the inventory.`);
    const bucketState = {
      bucket: bucket.name,
      region: bucket.region,
      encryption: bucket.encryption,
      roleArns: bucket.roleArns,
    };
    const problem =
      unreadable(bucket.region, "The bucket's region") ??
      unreadable(bucket.encryption, "The bucket's default encryption");
    if (problem || !bucket.region.ok || !bucket.encryption.ok)
      return refusePlan(ID, finding, bucketState, `${problem}.`);
    const region = bucket.region.value;
    const encryption = bucket.encryption.value;

    const candidates = keyCandidates(account, region);
    const choice = chooseKey(account, bucket, region, encryption, options.kmsKeyArn);
    const offer = (made: Plan): Plan => {
      if (candidates.length === 0) return made;
      const chosen = "key" in choice && choice.key.metadata.ok ? choice.key.metadata.value.arn : undefined;
      const offered: PlanChoice = { option: "kmsKeyArn", candidates };
      if (chosen !== undefined && candidates.some((c) => c.value === chosen)) offered.selected = chosen;
      return { ...made, choice: offered };
    };
    if ("refusal" in choice) return offer(refusePlan(ID, finding, bucketState, choice.refusal));
    const key = choice.key;
    const readState = {
      ...bucketState,
      key: {
        ref: key.ref,
        region: key.region,
        metadata: key.metadata,
        policy: key.policy,
        policyText: key.policyText,
      },
    };
    const refusal = keyProblem(key, region);
    if (refusal || !key.metadata.ok || !key.policy.ok || key.policy.value === null) {
      return offer(refusePlan(ID, finding, readState, refusal ?? "The key cannot be used."));
    }
    const keyArn = key.metadata.value.arn;
    // The text as KMS returned it, when collected; otherwise the parsed document, which says the same.
    const policyText = key.policyText ?? JSON.stringify(key.policy.value);
    let policy: RawPolicy;
    try {
      policy = parseRawPolicy(policyText);
    } catch {
      return offer(
        refusePlan(
          ID,
          finding,
          readState,
          `The policy of key ${keyArn} is not valid JSON, so it cannot be appended to.`,
        ),
      );
    }

    const roles = [...new Set(bucket.roleArns)].sort();
    const ungranted = roles.filter((role) => !grantsRole(policy, role));
    const grant = ungranted.length > 0 ? roleGrantStatement(ungranted) : undefined;
    const addGrant = grant !== undefined && !statementSids(policy).has(grant.Sid as string);
    const encrypted =
      encryption !== null &&
      encryption.kmsKeyId !== undefined &&
      namesKey(encryption.kmsKeyId, key, account, region) &&
      (encryption.algorithm === "aws:kms:dsse" ||
        (encryption.algorithm === "aws:kms" && encryption.bucketKeyEnabled));
    const before = view(encryption, keyArn, policyText);
    if (!addGrant && encrypted) {
      return offer(
        compliantPlan(
          ID,
          finding,
          readState,
          before,
          `the bucket already uses key ${keyArn} and its Forecast roles may use it.`,
        ),
      );
    }

    const steps: PlanStep[] = [];
    const nextPolicy = addGrant ? appendStatements(policyText, [grant]) : policyText;
    if (addGrant) {
      steps.push(
        step(
          "kms",
          "PutKeyPolicy",
          key.region,
          { KeyId: keyArn, PolicyName: "default", Policy: nextPolicy },
          `Append to the policy of key ${keyArn} a statement that lets ${ungranted.length} Forecast role(s) use it (kms:Decrypt, kms:GenerateDataKey).`,
        ),
      );
    }
    const nextEncryption: BucketEncryption = {
      algorithm: "aws:kms",
      kmsKeyId: keyArn,
      bucketKeyEnabled: true,
    };
    if (!encrypted) {
      steps.push(
        step(
          "s3",
          "PutBucketEncryption",
          region,
          encryptionInput(bucket.name, account.accountId, nextEncryption),
          `Make key ${keyArn} the default encryption of bucket ${bucket.name}, with bucket keys on.`,
        ),
      );
    }
    const notes = [
      "Every existing key-policy statement is kept; the grant is appended before the bucket switches keys, so Forecast never meets a key it cannot use.",
      "Only objects written from now on are encrypted with the key; existing objects keep their encryption until they are rewritten.",
      "Bucket keys cut the KMS requests (and their cost) that SSE-KMS makes.",
    ];
    if (roles.length === 0)
      notes.push("No Forecast role is recorded as using this bucket, so no role is granted the key.");
    const priorState: PriorState = {
      bucket: bucket.name,
      region,
      expectedOwner: account.accountId,
      encryption: encryption === null ? null : { ...encryption },
      encryptionChanged: !encrypted,
      keyArn,
      keyPolicyText: addGrant ? policyText : null,
    };
    return offer(
      buildPlan(ID, finding, readState, {
        steps,
        before,
        after: view(encrypted ? encryption : nextEncryption, keyArn, nextPolicy),
        diff: diffPolicies(policyText, nextPolicy),
        notes,
        priorState,
      }),
    );
  },

  revertPlan(plan): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const steps: PlanStep[] = [];
    // The bucket goes back first, so it never points at a key its roles can no longer use.
    if (prior.encryptionChanged) steps.push(restoreEncryptionStep(prior));
    const keyPolicyStep = plan.steps.find((s) => s.operation === "PutKeyPolicy");
    if (prior.keyPolicyText !== null) {
      steps.push(
        step(
          "kms",
          "PutKeyPolicy",
          keyPolicyStep?.region ?? prior.region,
          { KeyId: prior.keyArn, PolicyName: "default", Policy: prior.keyPolicyText },
          `Restore the policy of key ${prior.keyArn} exactly as it was before the fix.`,
        ),
      );
    }
    const fixedPolicy = (keyPolicyStep?.input.Policy as string | undefined) ?? prior.keyPolicyText;
    return buildRevertPlan(plan, {
      steps,
      before: plan.after,
      after: plan.before,
      ...(fixedPolicy !== null && prior.keyPolicyText !== null
        ? { diff: diffPolicies(fixedPolicy, prior.keyPolicyText) }
        : {}),
      notes: [
        "Objects written while the key was the default stay encrypted with it: after the revert, Forecast roles can read them only if their IAM policies allow the key.",
        "Nothing changed in the bucket's encryption or the key policy since the fix, so both are restored exactly as they were.",
      ],
    });
  },

  revertState(plan, account) {
    const prior = priorStateOf(priorStateSchema, plan);
    const bucket = findBucket(plan.finding, account);
    const key = prior ? findKey(prior.keyArn, account) : undefined;
    return {
      encryption: sliceState(bucket?.encryption),
      keyPolicy: key?.policyText ?? sliceState(key?.policy),
    };
  },

  revertChanged(plan, account): Plan {
    const prior = priorStateToRevert(ID, priorStateSchema, plan);
    if (!prior) return nothingToRevert(plan);
    const bucket = findBucket(plan.finding, account);
    if (!bucket?.encryption.ok) {
      return refuseRevert(plan, cannotReadNow(bucket?.encryption, "The bucket's default encryption"));
    }
    const current = bucket.encryption.value;
    const steps: PlanStep[] = [];
    const notes = [
      "Objects written while the key was the default stay encrypted with it: after the revert, Forecast roles can read them only if their IAM policies allow the key.",
    ];
    // The bucket first: it goes back only when it still encrypts exactly as the fix set it.
    const stillFixed =
      current !== null &&
      current.algorithm === "aws:kms" &&
      current.kmsKeyId === prior.keyArn &&
      current.bucketKeyEnabled;
    let usesKeyAfter = current?.kmsKeyId === prior.keyArn;
    if (prior.encryptionChanged) {
      if (stillFixed) {
        steps.push(restoreEncryptionStep(prior));
        usesKeyAfter = prior.encryption?.kmsKeyId === prior.keyArn;
      } else {
        notes.push(
          `The bucket's default encryption changed since the fix (now ${describeEncryption(current)}); it is left as it is.`,
        );
      }
    }
    let diff: string | undefined;
    let policyNow: string | undefined;
    let policyAfter: string | undefined;
    const fixedPolicy = plan.steps.find((s) => s.operation === "PutKeyPolicy")?.input.Policy;
    if (prior.keyPolicyText !== null && typeof fixedPolicy === "string") {
      const key = findKey(prior.keyArn, account);
      if (!key?.policy.ok || key.policy.value === null) {
        return refuseRevert(plan, cannotReadNow(key?.policy, `The policy of key ${prior.keyArn}`));
      }
      policyNow = key.policyText ?? JSON.stringify(key.policy.value);
      const grant = statementsAdded(prior.keyPolicyText, fixedPolicy);
      if (usesKeyAfter) {
        // Taking the grant away while the bucket still encrypts with the key would lock its Forecast roles out.
        notes.push(
          `The grant to the Forecast roles stays in the policy of key ${prior.keyArn}: the bucket still encrypts with that key, and its roles need it.`,
        );
      } else {
        let removal: ReturnType<typeof removeStatements>;
        try {
          removal = removeStatements(policyNow, grant);
        } catch {
          return refuseRevert(
            plan,
            `The policy of key ${prior.keyArn} is not valid JSON now; nothing was changed.`,
          );
        }
        if (removal.removed.length > 0 && removal.text !== null) {
          policyAfter = removal.text;
          diff = diffPolicies(policyNow, policyAfter);
          steps.push(
            step(
              "kms",
              "PutKeyPolicy",
              plan.steps.find((s) => s.operation === "PutKeyPolicy")?.region ?? prior.region,
              { KeyId: prior.keyArn, PolicyName: "default", Policy: policyAfter },
              `Remove from the policy of key ${prior.keyArn} the grant the fix added (${describeStatements(removal.removed)}), keeping every other statement.`,
            ),
          );
          notes.push(
            "The key policy changed since the fix: only the grant the fix added is removed; every other statement, including those added since, is kept.",
          );
        } else {
          notes.push(
            `The grant the fix added (${describeStatements(grant)}) is no longer in the policy of key ${prior.keyArn} as the fix left it; the policy is left as it is.`,
          );
        }
      }
    }
    if (steps.length === 0) {
      return refuseRevert(
        plan,
        `Nothing the fix set is still as it left it. ${notes.slice(1).join(" ")}`.trim(),
      );
    }
    const draft = {
      steps,
      before: view(current, prior.keyArn, policyNow ?? "{}"),
      after: view(
        stillFixed && prior.encryptionChanged ? (prior.encryption as BucketEncryption | null) : current,
        prior.keyArn,
        policyAfter ?? policyNow ?? "{}",
      ),
      notes,
    };
    return buildRevertPlan(plan, diff !== undefined ? { ...draft, diff } : draft);
  },
});

/** Puts the bucket's default encryption back as it was before the fix (or deletes it when there was none). */
function restoreEncryptionStep(prior: PriorState): PlanStep {
  const encryption = prior.encryption === null ? null : (prior.encryption as BucketEncryption);
  return encryption === null
    ? step(
        "s3",
        "DeleteBucketEncryption",
        prior.region,
        { Bucket: prior.bucket, ExpectedBucketOwner: prior.expectedOwner },
        `Delete the default encryption of bucket ${prior.bucket}, which had none before the fix (S3 then applies SSE-S3).`,
      )
    : step(
        "s3",
        "PutBucketEncryption",
        prior.region,
        encryptionInput(prior.bucket, prior.expectedOwner, encryption),
        `Restore the default encryption of bucket ${prior.bucket}: ${describeEncryption(encryption)}.`,
      );
}

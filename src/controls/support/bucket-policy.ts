/** Reading a bucket policy for the deny statements that enforce TLS. */
import { bucketArn } from "../../domain/arn.js";
import type { Finding } from "../../domain/finding.js";
import type { AccountInventory } from "../../domain/inventory.js";
import {
  type ConditionEntry,
  conditionEntries,
  isDeny,
  principalIsPublic,
  statementCoversResourcePrefix,
  statementCoversService,
  wildcardMatch,
} from "../../domain/policy-analysis.js";
import type { PolicyDocument, PolicyStatement } from "../../domain/policy-document.js";
import { asArray } from "../../domain/policy-document.js";
import { bucketRegion, presentBuckets } from "./buckets.js";
import { bucketTarget } from "./targets.js";
import { quoted } from "./text.js";
import type { ControlFindings } from "./verdict.js";

interface DenyCoverage {
  /** A qualifying statement covers the bucket ARN. */
  bucket: boolean;
  /** A qualifying statement covers every object (`bucket/*`). */
  objects: boolean;
}

/**
 * Which parts of the bucket are covered by Deny statements for everyone on every S3 action whose only
 * condition satisfies `condition`. A statement with further conditions denies less, so it does not count.
 */
function denyCoverage(
  document: PolicyDocument,
  partition: string,
  bucket: string,
  condition: (entry: ConditionEntry) => boolean,
): DenyCoverage {
  const arn = bucketArn(partition, bucket);
  const coverage: DenyCoverage = { bucket: false, objects: false };
  for (const statement of document.Statement) {
    if (!qualifies(statement, condition)) continue;
    if (asArray(statement.Resource).some((p) => wildcardMatch(p, arn))) coverage.bucket = true;
    if (statementCoversResourcePrefix(statement, `${arn}/`)) coverage.objects = true;
  }
  return coverage;
}

function qualifies(statement: PolicyStatement, condition: (entry: ConditionEntry) => boolean): boolean {
  if (!isDeny(statement) || statement.NotPrincipal !== undefined) return false;
  if (!principalIsPublic(statement.Principal) || !statementCoversService(statement, "s3")) return false;
  const entries = conditionEntries(statement.Condition);
  return entries.length === 1 && entries.every(condition);
}

/** `Bool` `aws:SecureTransport` = `false`, as a string or a boolean. */
export function deniesInsecureTransport(entry: ConditionEntry): boolean {
  return (
    entry.operator.toLowerCase() === "bool" &&
    entry.key === "aws:securetransport" &&
    entry.values.length > 0 &&
    entry.values.every((v) => String(v).toLowerCase() === "false")
  );
}

/** `NumericLessThan` `s3:TlsVersion` 1.2 (or a higher floor). */
export function deniesTlsBelow12(entry: ConditionEntry): boolean {
  return (
    entry.operator.toLowerCase() === "numericlessthan" &&
    !entry.ifExists &&
    entry.key === "s3:tlsversion" &&
    entry.values.length > 0 &&
    entry.values.every((v) => Number.parseFloat(String(v)) >= 1.2)
  );
}

/** "the bucket and its objects", "its objects", "the bucket": what is left uncovered. */
function describeGap(coverage: DenyCoverage): string {
  if (!coverage.bucket && !coverage.objects) return "the bucket or its objects";
  return coverage.bucket ? "its objects" : "the bucket itself";
}

/** How a deny control words its findings; each phrase continues a sentence about `Bucket "name"`. */
export interface DenyWording {
  /** What goes undenied without a policy: `Bucket "x" has no bucket policy, so <noPolicy>.` */
  noPolicy: string;
  /** `Bucket "x" <denies>, on the bucket and its objects.` */
  denies: string;
  /** `Bucket "x"'s policy <doesNotDeny> on <what is left uncovered>.` */
  doesNotDeny: string;
}

/** One finding per referenced bucket: PASS when its policy denies what `condition` names on the bucket and its objects. */
export function evaluateBucketDenies(
  account: AccountInventory,
  findings: ControlFindings,
  condition: (entry: ConditionEntry) => boolean,
  wording: DenyWording,
): Finding[] {
  return presentBuckets(account).map((bucket) => {
    const target = bucketTarget(account, bucket.name, bucketRegion(account, bucket));
    const name = `Bucket ${quoted(bucket.name)}`;
    if (!bucket.policy.ok) return findings.error(target, bucket.policy.error);
    if (bucket.policy.value === null) {
      return findings.fail(target, `${name} has no bucket policy, so ${wording.noPolicy}.`);
    }
    const coverage = denyCoverage(bucket.policy.value.document, account.partition, bucket.name, condition);
    if (coverage.bucket && coverage.objects) {
      return findings.pass(target, `${name} ${wording.denies}, on the bucket and its objects.`);
    }
    return findings.fail(target, `${name}'s policy ${wording.doesNotDeny} on ${describeGap(coverage)}.`);
  });
}

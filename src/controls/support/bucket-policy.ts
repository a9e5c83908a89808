/** Reading a bucket policy for the deny statements that enforce TLS. */
import { bucketArn } from "../../domain/arn.js";
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

export interface DenyCoverage {
  /** A qualifying statement covers the bucket ARN. */
  bucket: boolean;
  /** A qualifying statement covers every object (`bucket/*`). */
  objects: boolean;
}

/**
 * Which parts of the bucket are covered by Deny statements for everyone on every S3 action whose only
 * condition satisfies `condition`. A statement with further conditions denies less, so it does not count.
 */
export function denyCoverage(
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
export function describeGap(coverage: DenyCoverage): string {
  if (!coverage.bucket && !coverage.objects) return "the bucket or its objects";
  return coverage.bucket ? "its objects" : "the bucket itself";
}

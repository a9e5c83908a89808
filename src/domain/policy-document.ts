/** IAM policy documents (identity, resource and trust policies) as parsed JSON. */
export type PolicyEffect = "Allow" | "Deny";

export type ConditionBlock = Record<string, Record<string, string | string[] | boolean | number>>;

export type PrincipalValue = "*" | Record<string, string | string[]>;

export interface PolicyStatement {
  Sid?: string;
  Effect: PolicyEffect;
  Principal?: PrincipalValue;
  NotPrincipal?: PrincipalValue;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Parses a policy document as AWS returns it: plain or URL-encoded JSON (IAM encodes its documents),
 * with `Statement` as an object or an array.
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  const trimmed = text.trim();
  const json = trimmed.startsWith("%7B") || trimmed.startsWith("%7b") ? decodeURIComponent(trimmed) : trimmed;
  const raw = JSON.parse(json) as {
    Version?: string;
    Id?: string;
    Statement?: PolicyStatement | PolicyStatement[];
  };
  const doc: PolicyDocument = { Statement: asArray(raw.Statement) };
  if (raw.Version !== undefined) doc.Version = raw.Version;
  if (raw.Id !== undefined) doc.Id = raw.Id;
  return doc;
}

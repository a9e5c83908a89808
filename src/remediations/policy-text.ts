/**
 * Appending to a policy as AWS returned it: every member and every prior statement is carried over unchanged,
 * so a fix never drops or rewrites what is there, and the prior text stays the revert's source of truth.
 */
import type { PolicyStatement } from "../domain/policy-document.js";

export type RawStatement = Record<string, unknown>;

export interface RawPolicy {
  /** Every top-level member, in the order AWS returned them. */
  members: Record<string, unknown>;
  /** The statements in order (a lone `Statement` object becomes a one-element list). */
  statements: RawStatement[];
}

/** Parses policy text (plain or URL-encoded JSON); throws when it is not a JSON object. */
export function parseRawPolicy(text: string): RawPolicy {
  const trimmed = text.trim();
  const json = /^%7b/i.test(trimmed) ? decodeURIComponent(trimmed) : trimmed;
  const parsed: unknown = JSON.parse(json);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("policy is not a JSON object");
  }
  const members = parsed as Record<string, unknown>;
  const statement = members.Statement;
  const statements = (
    Array.isArray(statement) ? statement : statement === undefined ? [] : [statement]
  ).filter((item): item is RawStatement => item !== null && typeof item === "object" && !Array.isArray(item));
  return { members, statements };
}

/** The Sids the policy's statements carry. */
export function statementSids(policy: RawPolicy): Set<string> {
  const sids = new Set<string>();
  for (const statement of policy.statements) if (typeof statement.Sid === "string") sids.add(statement.Sid);
  return sids;
}

/**
 * The policy text with `statements` appended after every prior one (compact JSON: the size limits count
 * whitespace). `null` means there is no policy yet, so one is created with `Version` 2012-10-17.
 */
export function appendStatements(text: string | null, statements: readonly PolicyStatement[]): string {
  if (text === null) return JSON.stringify({ Version: "2012-10-17", Statement: statements });
  const policy = parseRawPolicy(text);
  // A missing Version stays missing: adding one would change how existing `${…}` strings are read.
  return JSON.stringify({ ...policy.members, Statement: [...policy.statements, ...statements] });
}

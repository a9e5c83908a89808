/**
 * Appending to a policy as AWS returned it: every member and every prior statement is carried over unchanged,
 * so a fix never drops or rewrites what is there, and the prior text stays the revert's source of truth.
 */
import type { PolicyStatement } from "../domain/policy-document.js";
import { canonicalJson } from "../domain/remediation.js";

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

/** Policy statements compared as AWS would: the same members and values, in any key order. */
function statementKey(statement: RawStatement): string {
  return canonicalJson(statement);
}

/**
 * The statements a fix appended: those of `fixedText` that `priorText` does not have (as many times as the
 * fix added them). Whatever else differs is not the fix's.
 */
export function statementsAdded(priorText: string | null, fixedText: string): RawStatement[] {
  const prior = new Map<string, number>();
  for (const s of priorText === null ? [] : parseRawPolicy(priorText).statements) {
    prior.set(statementKey(s), (prior.get(statementKey(s)) ?? 0) + 1);
  }
  const added: RawStatement[] = [];
  for (const s of parseRawPolicy(fixedText).statements) {
    const left = prior.get(statementKey(s)) ?? 0;
    if (left > 0) prior.set(statementKey(s), left - 1);
    else added.push(s);
  }
  return added;
}

export interface StatementRemoval {
  /** The policy without the removed statements; null when no statement is left. */
  text: string | null;
  removed: RawStatement[];
  /** Statements asked for that the policy no longer has as they were (removed or changed since). */
  missing: RawStatement[];
}

/**
 * `text` without `remove`: each statement of `remove` is taken out once, and only where the policy still has
 * it exactly as it was; every other statement and member stays as it is, in its order.
 */
export function removeStatements(text: string, remove: readonly RawStatement[]): StatementRemoval {
  const policy = parseRawPolicy(text);
  const wanted = new Map<string, RawStatement[]>();
  for (const s of remove) wanted.set(statementKey(s), [...(wanted.get(statementKey(s)) ?? []), s]);
  const kept: RawStatement[] = [];
  const removed: RawStatement[] = [];
  for (const s of policy.statements) {
    const queue = wanted.get(statementKey(s));
    const match = queue?.shift();
    if (match) removed.push(match);
    else kept.push(s);
  }
  const missing = [...wanted.values()].flat();
  if (kept.length === 0) return { text: null, removed, missing };
  return { text: JSON.stringify({ ...policy.members, Statement: kept }), removed, missing };
}

/** `Sid`s (or "an unnamed statement") for sentences. */
export function describeStatements(statements: readonly RawStatement[]): string {
  return statements
    .map((s) => (typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : "an unnamed statement"))
    .join(", ");
}

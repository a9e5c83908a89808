/** Pure questions about IAM policy documents: what a statement covers, who it trusts, what limits it. */
import {
  asArray,
  type ConditionBlock,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalValue,
} from "./policy-document.js";

/** IAM wildcard match: `*` is any run of characters, `?` any one character. */
export function wildcardMatch(
  pattern: string,
  value: string,
  options: { ignoreCase?: boolean } = {},
): boolean {
  const p = options.ignoreCase ? pattern.toLowerCase() : pattern;
  const v = options.ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === "?" || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

// Characters that appear in no real action or ARN: a pattern matches these only through a `*`.
const ANY_ONE = "\u0000";
const ANY_MANY = "\u0000".repeat(12);

/** True when `pattern` matches every string that starts with `prefix` (e.g. `s3:*` covers `s3:`). */
export function patternCoversPrefix(pattern: string, prefix: string, options: { ignoreCase?: boolean } = {}) {
  return (
    wildcardMatch(pattern, prefix, options) &&
    wildcardMatch(pattern, prefix + ANY_ONE, options) &&
    wildcardMatch(pattern, prefix + ANY_MANY, options)
  );
}

export function isAllow(statement: PolicyStatement): boolean {
  return statement.Effect === "Allow";
}

export function isDeny(statement: PolicyStatement): boolean {
  return statement.Effect === "Deny";
}

/** True when the statement applies to `action` (actions are case-insensitive). */
export function statementMatchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) {
    return asArray(statement.Action).some((p) => wildcardMatch(p, action, { ignoreCase: true }));
  }
  if (statement.NotAction !== undefined) {
    return !asArray(statement.NotAction).some((p) => wildcardMatch(p, action, { ignoreCase: true }));
  }
  return false;
}

/** True when the statement applies to every action of `service` (`s3:*`, `*`, `s*`, or a NotAction that spares it). */
export function statementCoversService(statement: PolicyStatement, service: string): boolean {
  const prefix = `${service.toLowerCase()}:`;
  if (statement.Action !== undefined) {
    return asArray(statement.Action).some((p) => patternCoversPrefix(p, prefix, { ignoreCase: true }));
  }
  if (statement.NotAction !== undefined) {
    // A NotAction that could match any action of the service leaves that action out.
    return !asArray(statement.NotAction).some((p) => {
      const servicePart = p.split(":")[0] ?? "";
      return p === "*" || wildcardMatch(servicePart, service, { ignoreCase: true });
    });
  }
  return false;
}

/** True when the statement applies to every action (`Action: "*"`). */
export function statementCoversAllActions(statement: PolicyStatement): boolean {
  return asArray(statement.Action).includes("*");
}

/** True when the statement applies to `resource` (ARNs are case-sensitive). */
export function statementMatchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) {
    return asArray(statement.Resource).some((p) => wildcardMatch(p, resource));
  }
  if (statement.NotResource !== undefined) {
    return !asArray(statement.NotResource).some((p) => wildcardMatch(p, resource));
  }
  // Resource policies (bucket, key) may omit Resource in key policies: it then means the key itself.
  return true;
}

/** True when the statement applies to every resource whose ARN starts with `prefix` (`bucket/*`). */
export function statementCoversResourcePrefix(statement: PolicyStatement, prefix: string): boolean {
  if (statement.Resource !== undefined) {
    return asArray(statement.Resource).some((p) => patternCoversPrefix(p, prefix));
  }
  return false;
}

/** True when the statement's Resource is exactly `*` (or contains it). */
export function statementOnAllResources(statement: PolicyStatement): boolean {
  return asArray(statement.Resource).includes("*");
}

/** `*` or `{ AWS: "*" }` (or an AWS list containing `*`): anyone. */
export function principalIsPublic(principal: PrincipalValue | undefined): boolean {
  if (principal === undefined) return false;
  if (principal === "*") return true;
  return asArray(principal.AWS).includes("*");
}

/** The principal as a flat list of `{ type, value }`; `*` becomes `{ type: "*", value: "*" }`. */
export function principalEntries(principal: PrincipalValue | undefined): { type: string; value: string }[] {
  if (principal === undefined) return [];
  if (principal === "*") return [{ type: "*", value: "*" }];
  return Object.entries(principal).flatMap(([type, values]) =>
    asArray(values).map((value) => ({ type, value })),
  );
}

/** True when the statement lets anyone in: a public Principal, or any NotPrincipal on an Allow. */
export function statementIsPublic(statement: PolicyStatement): boolean {
  if (principalIsPublic(statement.Principal)) return true;
  return isAllow(statement) && statement.NotPrincipal !== undefined;
}

export interface ConditionEntry {
  /** The operator without `ForAnyValue:`/`ForAllValues:` and without `IfExists`, e.g. `StringEquals`. */
  operator: string;
  /** The operator as written. */
  rawOperator: string;
  ifExists: boolean;
  /** The condition key, lower-cased (keys are case-insensitive). */
  key: string;
  values: (string | boolean | number)[];
}

export function conditionEntries(condition: ConditionBlock | undefined): ConditionEntry[] {
  if (!condition) return [];
  return Object.entries(condition).flatMap(([rawOperator, block]) => {
    const withoutSet = rawOperator.replace(/^For(?:AnyValue|AllValues):/i, "");
    const ifExists = /IfExists$/i.test(withoutSet);
    const operator = withoutSet.replace(/IfExists$/i, "");
    return Object.entries(block).map(([key, values]) => ({
      operator,
      rawOperator,
      ifExists,
      key: key.toLowerCase(),
      values: Array.isArray(values) ? values : [values],
    }));
  });
}

/** Operators that narrow a statement to the listed values (negated operators do not). */
const NARROWING_OPERATORS = new Set(
  ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"].map((o) =>
    o.toLowerCase(),
  ),
);

/** Condition keys that tie a public principal to an account, organisation, caller or network. */
export const RESTRICTING_CONDITION_KEYS = [
  "aws:PrincipalAccount",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalArn",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOwner",
  "aws:SourceVpce",
  "aws:SourceVpc",
  "kms:CallerAccount",
] as const;

/**
 * True when one of `keys` is tested with a narrowing operator against values that are not `*`.
 * `…IfExists` does not count: a request without the key passes it.
 */
export function hasNarrowingCondition(statement: PolicyStatement, keys: readonly string[]): boolean {
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  return conditionEntries(statement.Condition).some(
    (entry) =>
      wanted.has(entry.key) &&
      !entry.ifExists &&
      NARROWING_OPERATORS.has(entry.operator.toLowerCase()) &&
      entry.values.length > 0 &&
      entry.values.every((v) => String(v) !== "*"),
  );
}

export function hasRestrictingCondition(statement: PolicyStatement): boolean {
  return hasNarrowingCondition(statement, RESTRICTING_CONDITION_KEYS);
}

/** `aws:SourceAccount` or `aws:SourceArn`: the confused-deputy guard for a service principal. */
export function hasSourceCondition(statement: PolicyStatement): boolean {
  return hasNarrowingCondition(statement, ["aws:SourceAccount", "aws:SourceArn"]);
}

/** Allow statements with a public principal and no restricting condition. */
export function publicAllowStatements(document: PolicyDocument): PolicyStatement[] {
  return document.Statement.filter((s) => isAllow(s) && statementIsPublic(s) && !hasRestrictingCondition(s));
}

/** A short label for a statement in a sentence: its Sid, or its position. */
export function statementLabel(document: PolicyDocument, statement: PolicyStatement): string {
  if (statement.Sid) return `statement "${statement.Sid}"`;
  return `statement ${document.Statement.indexOf(statement) + 1}`;
}

// ---------------------------------------------------------------------------------------------------
// Trust policies

export const FORECAST_SERVICE_PRINCIPAL = "forecast.amazonaws.com";

/** One reason a trust policy is not scoped to Forecast; empty when it is. */
export type TrustProblem =
  | { kind: "no-forecast-trust" }
  | { kind: "other-principal"; statement: string; principals: string[] }
  | { kind: "missing-source-condition"; statement: string };

/**
 * Checks that every statement allowing `sts:AssumeRole*` trusts only `forecast.amazonaws.com`, with an
 * `aws:SourceAccount` or `aws:SourceArn` condition.
 */
export function analyzeForecastTrust(document: PolicyDocument): TrustProblem[] {
  const problems: TrustProblem[] = [];
  let trustsForecast = false;
  for (const statement of document.Statement) {
    if (!isAllow(statement) || !grantsAssumeRole(statement)) continue;
    const label = statementLabel(document, statement);
    const entries = principalEntries(statement.Principal);
    const others = entries.filter(
      (e) => !(e.type === "Service" && e.value.toLowerCase() === FORECAST_SERVICE_PRINCIPAL),
    );
    if (statement.NotPrincipal !== undefined) others.push({ type: "NotPrincipal", value: "*" });
    if (others.length > 0) {
      problems.push({
        kind: "other-principal",
        statement: label,
        principals: others.map((e) => (e.type === "*" ? "*" : `${e.type}: ${e.value}`)),
      });
    }
    if (entries.some((e) => e.type === "Service" && e.value.toLowerCase() === FORECAST_SERVICE_PRINCIPAL)) {
      trustsForecast = true;
    }
    if (!hasSourceCondition(statement)) problems.push({ kind: "missing-source-condition", statement: label });
  }
  if (!trustsForecast) problems.unshift({ kind: "no-forecast-trust" });
  return problems;
}

function grantsAssumeRole(statement: PolicyStatement): boolean {
  return ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"].some((a) =>
    statementMatchesAction(statement, a),
  );
}

export function describeTrustProblem(problem: TrustProblem): string {
  switch (problem.kind) {
    case "no-forecast-trust":
      return `it does not trust ${FORECAST_SERVICE_PRINCIPAL}`;
    case "other-principal":
      return `${problem.statement} also trusts ${problem.principals.join(", ")}`;
    case "missing-source-condition":
      return `${problem.statement} has no aws:SourceAccount or aws:SourceArn condition`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Identity policies

/** An Allow statement that grants every action of `services` (or every action) on Resource `*`. */
export interface BroadGrant {
  statement: PolicyStatement;
  /** What it grants, as written in a finding: `s3:*`, `kms:*` or `*`. */
  grant: string;
}

export function broadGrants(document: PolicyDocument, services: readonly string[]): BroadGrant[] {
  const out: BroadGrant[] = [];
  for (const statement of document.Statement) {
    if (!isAllow(statement) || !statementOnAllResources(statement)) continue;
    if (statementCoversAllActions(statement)) {
      out.push({ statement, grant: "*" });
      continue;
    }
    for (const service of services) {
      if (statementCoversService(statement, service)) out.push({ statement, grant: `${service}:*` });
    }
  }
  return out;
}

/** True when the document allows `*` on `*`: the mark of an administrator. */
export function grantsAdministrator(document: PolicyDocument): boolean {
  return document.Statement.some(
    (s) => isAllow(s) && statementCoversAllActions(s) && statementOnAllResources(s) && !s.Condition,
  );
}

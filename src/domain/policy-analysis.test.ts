import { describe, expect, it } from "vitest";
import {
  analyzeForecastTrust,
  broadGrants,
  conditionEntries,
  describeTrustProblem,
  grantsAdministrator,
  hasRestrictingCondition,
  hasSourceCondition,
  patternCoversPrefix,
  principalIsPublic,
  publicAllowStatements,
  statementCoversResourcePrefix,
  statementCoversService,
  statementIsPublic,
  statementMatchesAction,
  statementMatchesResource,
  wildcardMatch,
} from "./policy-analysis.js";
import type { PolicyDocument, PolicyStatement } from "./policy-document.js";

const allow = (extra: Partial<PolicyStatement>): PolicyStatement => ({ Effect: "Allow", ...extra });

describe("wildcardMatch", () => {
  it("matches * and ?", () => {
    expect(wildcardMatch("s3:Get*", "s3:GetObject")).toBe(true);
    expect(wildcardMatch("s3:Get?bject", "s3:GetObject")).toBe(true);
    expect(wildcardMatch("s3:Put*", "s3:GetObject")).toBe(false);
    expect(wildcardMatch("*", "")).toBe(true);
    expect(wildcardMatch("a*b*c", "aXXbYYc")).toBe(true);
    expect(wildcardMatch("a*b*c", "aXXbYY")).toBe(false);
  });

  it("is case-sensitive unless asked", () => {
    expect(wildcardMatch("S3:getobject", "s3:GetObject")).toBe(false);
    expect(wildcardMatch("S3:getobject", "s3:GetObject", { ignoreCase: true })).toBe(true);
  });

  it("patternCoversPrefix needs a trailing wildcard", () => {
    expect(patternCoversPrefix("s3:*", "s3:")).toBe(true);
    expect(patternCoversPrefix("*", "kms:")).toBe(true);
    expect(patternCoversPrefix("s3:Get*", "s3:")).toBe(false);
    expect(patternCoversPrefix("arn:aws:s3:::b/*", "arn:aws:s3:::b/")).toBe(true);
    expect(patternCoversPrefix("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/")).toBe(false);
  });
});

describe("actions and resources", () => {
  it("matches Action and NotAction", () => {
    expect(statementMatchesAction(allow({ Action: "sts:*" }), "sts:AssumeRole")).toBe(true);
    expect(statementMatchesAction(allow({ Action: ["s3:GetObject"] }), "sts:AssumeRole")).toBe(false);
    expect(statementMatchesAction(allow({ NotAction: "iam:*" }), "sts:AssumeRole")).toBe(true);
    expect(statementMatchesAction(allow({ NotAction: "sts:*" }), "sts:AssumeRole")).toBe(false);
  });

  it("tells whether a statement covers every action of a service", () => {
    expect(statementCoversService(allow({ Action: "s3:*" }), "s3")).toBe(true);
    expect(statementCoversService(allow({ Action: "S3:*" }), "s3")).toBe(true);
    expect(statementCoversService(allow({ Action: "*" }), "kms")).toBe(true);
    expect(statementCoversService(allow({ Action: ["s3:Get*", "s3:Put*"] }), "s3")).toBe(false);
    expect(statementCoversService(allow({ NotAction: "iam:*" }), "s3")).toBe(true);
    expect(statementCoversService(allow({ NotAction: "s3:DeleteBucket" }), "s3")).toBe(false);
  });

  it("matches resources and resource prefixes", () => {
    const s = allow({ Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] });
    expect(statementMatchesResource(s, "arn:aws:s3:::b")).toBe(true);
    expect(statementCoversResourcePrefix(s, "arn:aws:s3:::b/")).toBe(true);
    expect(statementCoversResourcePrefix(allow({ Resource: "arn:aws:s3:::b" }), "arn:aws:s3:::b/")).toBe(
      false,
    );
    expect(statementMatchesResource(allow({ NotResource: "arn:aws:s3:::b" }), "arn:aws:s3:::b")).toBe(false);
  });
});

describe("principals and conditions", () => {
  it("knows a public principal", () => {
    expect(principalIsPublic("*")).toBe(true);
    expect(principalIsPublic({ AWS: "*" })).toBe(true);
    expect(principalIsPublic({ AWS: ["arn:aws:iam::123456789012:root", "*"] })).toBe(true);
    expect(principalIsPublic({ AWS: "arn:aws:iam::123456789012:root" })).toBe(false);
    expect(principalIsPublic({ Service: "forecast.amazonaws.com" })).toBe(false);
    expect(statementIsPublic(allow({ NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" } }))).toBe(true);
  });

  it("flattens conditions with lower-cased keys and plain operators", () => {
    const entries = conditionEntries({
      "ForAnyValue:StringLikeIfExists": { "AWS:SourceArn": ["arn:*"] },
      Bool: { "aws:SecureTransport": false },
    });
    expect(entries).toEqual([
      {
        operator: "StringLike",
        rawOperator: "ForAnyValue:StringLikeIfExists",
        ifExists: true,
        key: "aws:sourcearn",
        values: ["arn:*"],
      },
      { operator: "Bool", rawOperator: "Bool", ifExists: false, key: "aws:securetransport", values: [false] },
    ]);
  });

  it("counts only narrowing conditions on restricting keys", () => {
    const c = (Condition: NonNullable<PolicyStatement["Condition"]>) => allow({ Principal: "*", Condition });
    expect(hasRestrictingCondition(c({ StringEquals: { "kms:CallerAccount": "123456789012" } }))).toBe(true);
    expect(hasRestrictingCondition(c({ StringEquals: { "AWS:PrincipalOrgID": "o-abc" } }))).toBe(true);
    expect(hasRestrictingCondition(c({ StringNotEquals: { "aws:PrincipalAccount": "1" } }))).toBe(false);
    expect(hasRestrictingCondition(c({ StringEqualsIfExists: { "aws:PrincipalAccount": "1" } }))).toBe(false);
    expect(hasRestrictingCondition(c({ StringLike: { "aws:PrincipalArn": "*" } }))).toBe(false);
    expect(
      hasRestrictingCondition(c({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } })),
    ).toBe(false);
    expect(hasSourceCondition(c({ ArnLike: { "aws:sourcearn": "arn:aws:forecast:*:123456789012:*" } }))).toBe(
      true,
    );
  });

  it("lists public Allow statements without a restricting condition", () => {
    const doc: PolicyDocument = {
      Statement: [
        allow({ Sid: "Open", Principal: { AWS: "*" }, Action: "kms:*" }),
        allow({ Sid: "Org", Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } }),
        { Effect: "Deny", Principal: "*", Action: "kms:*" },
      ],
    };
    expect(publicAllowStatements(doc).map((s) => s.Sid)).toEqual(["Open"]);
  });
});

describe("analyzeForecastTrust", () => {
  const scoped: PolicyStatement = allow({
    Principal: { Service: "forecast.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
  });

  it("accepts a trust scoped to Forecast with a source condition", () => {
    expect(analyzeForecastTrust({ Statement: [scoped] })).toEqual([]);
  });

  it("flags a missing source condition", () => {
    const problems = analyzeForecastTrust({ Statement: [{ ...scoped, Condition: {} }] });
    expect(problems.map((p) => p.kind)).toEqual(["missing-source-condition"]);
  });

  it("flags another principal, even in a separate statement", () => {
    const problems = analyzeForecastTrust({
      Statement: [
        scoped,
        allow({ Sid: "Ec2", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }),
      ],
    });
    expect(problems.map(describeTrustProblem)).toEqual([
      'statement "Ec2" also trusts Service: ec2.amazonaws.com',
      'statement "Ec2" has no aws:SourceAccount or aws:SourceArn condition',
    ]);
  });

  it("flags a policy that does not trust Forecast at all", () => {
    const problems = analyzeForecastTrust({
      Statement: [
        allow({
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        }),
      ],
    });
    expect(problems.map((p) => p.kind)).toEqual(["no-forecast-trust", "other-principal"]);
  });

  it("ignores statements that do not grant AssumeRole", () => {
    const problems = analyzeForecastTrust({
      Statement: [scoped, allow({ Principal: "*", Action: "sts:TagSession" })],
    });
    expect(problems).toEqual([]);
  });
});

describe("identity policies", () => {
  it("finds broad grants on *", () => {
    const doc: PolicyDocument = {
      Statement: [
        allow({ Action: "s3:*", Resource: "*" }),
        allow({ Action: "kms:*", Resource: "arn:aws:kms:us-east-1:123456789012:key/k" }),
        allow({ Action: ["kms:Decrypt"], Resource: "*" }),
      ],
    };
    expect(broadGrants(doc, ["s3", "kms"]).map((g) => g.grant)).toEqual(["s3:*"]);
    expect(
      broadGrants({ Statement: [allow({ Action: "*", Resource: "*" })] }, ["s3"]).map((g) => g.grant),
    ).toEqual(["*"]);
  });

  it("recognises an administrator document", () => {
    expect(grantsAdministrator({ Statement: [allow({ Action: "*", Resource: "*" })] })).toBe(true);
    expect(grantsAdministrator({ Statement: [allow({ Action: "s3:*", Resource: "*" })] })).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import {
  accountWithBucket,
  BUCKET,
  bucketPolicyOf,
  buildAccount,
  buildContext,
  buildSecureAccount,
  denied,
  denyInsecureTransport,
  ok,
} from "../../test/support/inventory-builders.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { s3BucketTlsEnforced as control } from "./s3-bucket-tls-enforced.js";

const arn = `arn:aws:s3:::${BUCKET}`;
const withStatements = (...Statement: PolicyStatement[]) =>
  control.evaluate(buildContext(accountWithBucket({ policy: ok(bucketPolicyOf({ Statement })) })))[0];
const base = denyInsecureTransport(BUCKET);

describe("s3-bucket-tls-enforced", () => {
  it("passes a deny on aws:SecureTransport false for the bucket and its objects", () => {
    expect(control.evaluate(buildContext(buildSecureAccount()))[0]?.status).toBe("PASS");
  });

  it("accepts a boolean false, { AWS: '*' }, Action '*' and a split over two statements", () => {
    const finding = withStatements(
      {
        ...base,
        Principal: { AWS: "*" },
        Action: "*",
        Resource: arn,
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
      { ...base, Resource: `${arn}/*` },
    );
    expect(finding?.status).toBe("PASS");
  });

  it("fails without a bucket policy", () => {
    const account = accountWithBucket({ policy: ok(null) });
    const [finding] = control.evaluate(buildContext(account));
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "s3-bucket-enforce-tls" });
    expect(finding?.detail).toMatch(/no bucket policy/);
  });

  it("fails when only the bucket is covered", () => {
    const finding = withStatements({ ...base, Resource: arn });
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/on its objects\.$/);
  });

  it.each<[string, PolicyStatement]>([
    ["an Allow", { ...base, Effect: "Allow" }],
    ["a named principal", { ...base, Principal: { AWS: "arn:aws:iam::123456789012:root" } }],
    ["only some actions", { ...base, Action: ["s3:GetObject"] }],
    ["SecureTransport true", { ...base, Condition: { Bool: { "aws:SecureTransport": "true" } } }],
    [
      "an extra condition",
      {
        ...base,
        Condition: {
          Bool: { "aws:SecureTransport": "false" },
          StringNotEquals: { "aws:PrincipalAccount": "1" },
        },
      },
    ],
  ])("does not count %s", (_label, statement) => {
    expect(withStatements(statement)?.status).toBe("FAIL");
  });

  it("reports ERROR when the policy could not be read", () => {
    const account = accountWithBucket({ policy: denied("s3:GetBucketPolicy") });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });

  it("yields nothing without referenced buckets", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

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
  denyOldTls,
  ok,
} from "../../test/support/inventory-builders.js";
import type { PolicyStatement } from "../domain/policy-document.js";
import { s3BucketMinTls12 as control } from "./s3-bucket-min-tls-1-2.js";

const withStatements = (...Statement: PolicyStatement[]) =>
  control.evaluate(buildContext(accountWithBucket({ policy: ok(bucketPolicyOf({ Statement })) })))[0];
const base = denyOldTls(BUCKET);

describe("s3-bucket-min-tls-1-2", () => {
  it("passes a NumericLessThan s3:TlsVersion 1.2 deny on bucket and objects", () => {
    expect(control.evaluate(buildContext(buildSecureAccount()))[0]?.status).toBe("PASS");
  });

  it("accepts a numeric value and a stricter floor", () => {
    expect(
      withStatements({ ...base, Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } })?.status,
    ).toBe("PASS");
    expect(
      withStatements({ ...base, Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } } })?.status,
    ).toBe("PASS");
  });

  it("fails when only the SecureTransport deny is there", () => {
    const finding = withStatements(denyInsecureTransport(BUCKET));
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "s3-bucket-enforce-tls" });
    expect(finding?.detail).toMatch(/bucket or its objects\.$/);
  });

  it("fails a floor below 1.2 and a deny that covers only objects", () => {
    expect(
      withStatements({ ...base, Condition: { NumericLessThan: { "s3:TlsVersion": "1.1" } } })?.status,
    ).toBe("FAIL");
    const objectsOnly = withStatements({ ...base, Resource: `arn:aws:s3:::${BUCKET}/*` });
    expect(objectsOnly?.detail).toMatch(/on the bucket itself\.$/);
  });

  it("fails without a bucket policy", () => {
    const account = accountWithBucket({ policy: ok(null) });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("FAIL");
  });

  it("reports ERROR when the policy could not be read", () => {
    const account = accountWithBucket({ policy: denied("s3:GetBucketPolicy") });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });

  it("yields nothing without referenced buckets", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

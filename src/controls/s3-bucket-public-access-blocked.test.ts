import { describe, expect, it } from "vitest";
import {
  ALL_BLOCKED,
  BUCKET,
  buildAccount,
  buildBucket,
  buildContext,
  denied,
  NONE_BLOCKED,
  ok,
  withBucket,
} from "../../test/support/inventory-builders.js";
import type { PublicAccessBlock } from "../domain/inventory.js";
import type { Slice } from "../domain/result.js";
import { s3BucketPublicAccessBlocked as control } from "./s3-bucket-public-access-blocked.js";

function run(bucketLevel: Slice<PublicAccessBlock | null>, accountLevel: Slice<PublicAccessBlock | null>) {
  const account = withBucket(
    buildAccount({ s3: { publicAccessBlock: accountLevel } }),
    buildBucket(BUCKET, { publicAccessBlock: bucketLevel }),
  );
  return control.evaluate(buildContext(account));
}

describe("s3-bucket-public-access-blocked", () => {
  it("passes with all four at bucket level, at account level, or split between them", () => {
    expect(run(ok(ALL_BLOCKED), ok(null))[0]?.status).toBe("PASS");
    expect(run(ok(null), ok(ALL_BLOCKED))[0]?.status).toBe("PASS");
    const split = run(
      ok({ ...NONE_BLOCKED, blockPublicAcls: true, ignorePublicAcls: true }),
      ok({ ...NONE_BLOCKED, blockPublicPolicy: true, restrictPublicBuckets: true }),
    );
    expect(split[0]?.status).toBe("PASS");
  });

  it("fails naming the settings that are off at both levels", () => {
    const [finding] = run(ok({ ...ALL_BLOCKED, restrictPublicBuckets: false }), ok(null));
    expect(finding).toMatchObject({ status: "FAIL", remediationId: "s3-bucket-block-public-access" });
    expect(finding?.detail).toBe(
      `Bucket "${BUCKET}" has RestrictPublicBuckets off at both bucket and account level.`,
    );
    expect(run(ok(null), ok(null))[0]?.detail).toMatch(
      /BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets/,
    );
  });

  it("passes when one level failed but the other covers all four", () => {
    expect(run(denied("s3:GetBucketPublicAccessBlock"), ok(ALL_BLOCKED))[0]?.status).toBe("PASS");
    expect(run(ok(ALL_BLOCKED), denied("s3:GetAccountPublicAccessBlock"))[0]?.status).toBe("PASS");
  });

  it("reports ERROR when a level failed and the other does not cover all four", () => {
    expect(run(denied("s3:GetBucketPublicAccessBlock"), ok(null))[0]).toMatchObject({
      status: "ERROR",
      error: { action: "s3:GetBucketPublicAccessBlock" },
    });
    expect(run(ok(NONE_BLOCKED), denied("s3:GetAccountPublicAccessBlock"))[0]?.status).toBe("ERROR");
  });

  it("yields nothing without referenced buckets", () => {
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});

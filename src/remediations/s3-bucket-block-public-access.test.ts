import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  ALL_BLOCKED,
  accountWithBucket,
  BUCKET,
  denied,
  NONE_BLOCKED,
  ok,
} from "../../test/support/inventory-builders.js";
import {
  bucketFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
} from "../../test/support/remediation-fixtures.js";
import type { PublicAccessBlock } from "../domain/inventory.js";
import type { Slice } from "../domain/result.js";
import { s3BucketBlockPublicAccess as remediation } from "./s3-bucket-block-public-access.js";

const finding = bucketFinding("s3-bucket-public-access-blocked", BUCKET);
const account = (pab: Slice<PublicAccessBlock | null>) => accountWithBucket({ publicAccessBlock: pab });
const ALL_ON = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

describe("s3-bucket-block-public-access", () => {
  it("puts all four settings on", () => {
    const plan = remediation.plan(
      finding,
      account(ok({ ...NONE_BLOCKED, blockPublicAcls: true })),
      planOptions(),
    );
    expect(onlyStep(plan)).toMatchObject({
      service: "s3",
      operation: "PutPublicAccessBlock",
      region: "us-east-1",
      input: { Bucket: BUCKET, PublicAccessBlockConfiguration: ALL_ON, ExpectedBucketOwner: ACCOUNT_ID },
    });
    expect(plan.before).toContain("BlockPublicAcls: on\nIgnorePublicAcls: off");
    expect(plan.after).not.toContain("off");
  });

  it("re-planning after the fix gives no steps", () => {
    expect(
      isAlreadyCompliant(remediation.plan(finding, account(ok({ ...ALL_BLOCKED })), planOptions())),
    ).toBe(true);
  });

  it("refuses when the configuration could not be read", () => {
    const plan = remediation.plan(finding, account(denied("s3:GetBucketPublicAccessBlock")), planOptions());
    expect(plan.refusal).toMatch(/s3:GetBucketPublicAccessBlock failed with AccessDenied/);
  });

  it("reverts to the prior configuration, or deletes it when there was none", () => {
    const partial = { ...NONE_BLOCKED, blockPublicPolicy: true };
    const restore = remediation.revertPlan(remediation.plan(finding, account(ok(partial)), planOptions()));
    expect(onlyStep(restore)).toMatchObject({
      operation: "PutPublicAccessBlock",
      input: {
        Bucket: BUCKET,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
      },
    });
    const remove = remediation.revertPlan(remediation.plan(finding, account(ok(null)), planOptions()));
    expect(onlyStep(remove)).toMatchObject({
      operation: "DeletePublicAccessBlock",
      input: { Bucket: BUCKET },
    });
  });
});

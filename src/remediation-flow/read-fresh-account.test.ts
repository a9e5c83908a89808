import { describe, expect, it } from "vitest";
import { REMEDIATIONS } from "../remediations/catalog.js";
import { type FreshReadTarget, readNeedsFor } from "./read-fresh-account.js";

function target(remediationId: string, resourceArn: string, region = "us-east-1"): FreshReadTarget {
  return { remediationId, finding: { accountId: "123456789012", region, resourceArn, controlId: "x" } };
}

describe("readNeedsFor", () => {
  it("reads something for every remediation in the catalog", () => {
    for (const r of REMEDIATIONS) {
      const needs = readNeedsFor(target(r.id, "arn:aws:s3:::b"));
      const reads = [
        needs.forecastRegions,
        needs.buckets,
        needs.keys,
        needs.trailRegions,
        needs.macieRegions,
        needs.roles,
      ].flat();
      expect(reads.length, r.id).toBeGreaterThan(0);
    }
  });

  it("reads the bucket alone for the TLS fix, with the account block for the public access fix", () => {
    expect(readNeedsFor(target("s3-bucket-enforce-tls", "arn:aws:s3:::data/prefix"))).toMatchObject({
      buckets: ["data"],
      accountPublicAccessBlock: false,
      forecastRegions: [],
    });
    expect(readNeedsFor(target("s3-bucket-block-public-access", "arn:aws:s3:::data"))).toMatchObject({
      buckets: ["data"],
      accountPublicAccessBlock: true,
    });
  });

  it("reads what chooses and grants the key for the bucket key fix, and the chosen key", () => {
    const needs = readNeedsFor({
      ...target("s3-bucket-attach-kms-key", "arn:aws:s3:::data"),
      options: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k" },
    });
    expect(needs).toMatchObject({
      buckets: ["data"],
      forecastRegions: ["us-east-1"],
      referencedKeys: true,
      bucketRoles: true,
      keys: [{ ref: "arn:aws:kms:us-east-1:123456789012:key/k", region: "us-east-1" }],
    });
  });

  it("reads a key in its own region, a region's trails, and a role", () => {
    expect(
      readNeedsFor(target("kms-enable-key-rotation", "arn:aws:kms:eu-west-1:123456789012:key/k", "eu-west-1"))
        .keys,
    ).toEqual([{ ref: "arn:aws:kms:eu-west-1:123456789012:key/k", region: "eu-west-1" }]);
    expect(
      readNeedsFor(target("cloudtrail-enable", "arn:aws:cloudtrail:eu-west-1:1:*", "eu-west-1")).trailRegions,
    ).toEqual(["eu-west-1"]);
    expect(
      readNeedsFor(target("iam-role-scope-forecast-trust", "arn:aws:iam::1:role/r", "global")).roles,
    ).toEqual(["arn:aws:iam::1:role/r"]);
  });
});

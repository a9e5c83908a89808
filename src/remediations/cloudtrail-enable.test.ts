import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  buildAccount,
  buildBucket,
  buildRegion,
  buildTrail,
  denied,
  ok,
  trailArn,
  withBucket,
} from "../../test/support/inventory-builders.js";
import { isAlreadyCompliant, planOptions, regionFinding } from "../../test/support/remediation-fixtures.js";
import type { AccountInventory, TrailInventory } from "../domain/inventory.js";
import { cloudtrailEnable as remediation } from "./cloudtrail-enable.js";

const finding = regionFinding("cloudtrail-multi-region-logging", "cloudtrail");

function accountWithTrails(trails: TrailInventory[], region = "us-east-1"): AccountInventory {
  return buildAccount({
    regions: [buildRegion(region, { trailArns: ok(trails.map((t) => t.arn)) })],
    trails: Object.fromEntries(trails.map((t) => [t.arn, t])),
  });
}

describe("cloudtrail-enable with a stopped multi-region trail", () => {
  it("starts logging on it, in its home region", () => {
    const trail = buildTrail({ status: ok({ isLogging: false }) });
    const plan = remediation.plan(finding, accountWithTrails([trail]), planOptions());
    expect(plan.steps).toEqual([
      expect.objectContaining({
        service: "cloudtrail",
        operation: "StartLogging",
        region: "us-east-1",
        input: { Name: trail.name },
      }),
    ]);
    expect(remediation.revertPlan(plan).steps).toEqual([
      expect.objectContaining({ operation: "StopLogging", input: { Name: trail.name } }),
    ]);
  });

  it("adds a management-event selector while keeping every existing selector", () => {
    const dataSelector = {
      ReadWriteType: "All",
      IncludeManagementEvents: false,
      DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::bucket/"] }],
    };
    const trail = buildTrail({
      status: ok({ isLogging: false }),
      selectors: ok({ managementEvents: "None", eventSelectors: [dataSelector] }),
    });
    const plan = remediation.plan(finding, accountWithTrails([trail]), planOptions());
    expect(plan.steps.map((s) => s.operation)).toEqual(["PutEventSelectors", "StartLogging"]);
    expect(plan.steps[0]?.input).toEqual({
      TrailName: trail.name,
      EventSelectors: [
        dataSelector,
        { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] },
      ],
    });
    const revert = remediation.revertPlan(plan);
    expect(revert.steps.map((s) => [s.operation, s.input])).toEqual([
      ["StopLogging", { Name: trail.name }],
      ["PutEventSelectors", { TrailName: trail.name, EventSelectors: [dataSelector] }],
    ]);
  });

  it("extends advanced selectors with an advanced one", () => {
    const advanced = { Name: "S3 data", FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }] };
    const trail = buildTrail({
      selectors: ok({ managementEvents: "None", advancedEventSelectors: [advanced] }),
    });
    const plan = remediation.plan(finding, accountWithTrails([trail]), planOptions());
    expect(plan.steps.map((s) => s.operation)).toEqual(["PutEventSelectors"]);
    const selectors = plan.steps[0]?.input.AdvancedEventSelectors as unknown[] | undefined;
    expect(selectors?.[0]).toEqual(advanced);
    expect(selectors).toHaveLength(2);
  });

  it("refuses to replace selectors it could not read in full", () => {
    const trail = buildTrail({ selectors: ok({ managementEvents: "ReadOnly" }) });
    expect(remediation.plan(finding, accountWithTrails([trail]), planOptions()).refusal).toMatch(
      /could drop data-event selectors/,
    );
  });

  it("refuses to act on another account's organization trail", () => {
    const trail = buildTrail({ isOrganizationTrail: true, status: ok({ isLogging: false }) });
    const foreign = { ...trail, arn: trailArn(trail.name, "us-east-1", "999999999999") };
    expect(remediation.plan(finding, accountWithTrails([foreign]), planOptions()).refusal).toMatch(
      /999999999999/,
    );
  });

  it("gives no steps when a multi-region trail already logs everything", () => {
    expect(
      isAlreadyCompliant(remediation.plan(finding, accountWithTrails([buildTrail()]), planOptions())),
    ).toBe(true);
  });

  it("refuses when trails or their status could not be read", () => {
    const unlisted = buildAccount({
      regions: [buildRegion("us-east-1", { trailArns: denied("cloudtrail:DescribeTrails") })],
    });
    expect(remediation.plan(finding, unlisted, planOptions()).refusal).toMatch(/DescribeTrails/);
    const unknown = buildTrail({ status: denied("cloudtrail:GetTrailStatus") });
    expect(remediation.plan(finding, accountWithTrails([unknown]), planOptions()).refusal).toMatch(
      /could not be read/,
    );
  });
});

describe("cloudtrail-enable without a multi-region trail", () => {
  const euFinding = regionFinding("cloudtrail-multi-region-logging", "cloudtrail", "eu-west-1");

  it("creates a protected log bucket, its CloudTrail policy, a validating multi-region trail, and starts it", () => {
    const plan = remediation.plan(euFinding, accountWithTrails([], "eu-west-1"), planOptions());
    const bucket = `forecast-audit-cloudtrail-${ACCOUNT_ID}-eu-west-1`;
    expect(plan.steps.map((s) => `${s.service}:${s.operation}@${s.region}`)).toEqual([
      "s3:CreateBucket@eu-west-1",
      "s3:PutPublicAccessBlock@eu-west-1",
      "s3:PutBucketEncryption@eu-west-1",
      "s3:PutBucketPolicy@eu-west-1",
      "cloudtrail:CreateTrail@eu-west-1",
      "cloudtrail:PutEventSelectors@eu-west-1",
      "cloudtrail:StartLogging@eu-west-1",
    ]);
    const [create, pab, , policyStep, trail] = plan.steps;
    expect(create?.input).toEqual({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    expect(pab?.input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const sourceArn = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT_ID}:trail/forecast-audit-trail`;
    const policy = JSON.parse(policyStep?.input.Policy as string);
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: "s3:GetBucketAcl",
          Resource: `arn:aws:s3:::${bucket}`,
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Condition: { StringEquals: { "aws:SourceArn": sourceArn } },
        }),
        expect.objectContaining({
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${bucket}/AWSLogs/${ACCOUNT_ID}/*`,
          Condition: {
            StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": sourceArn },
          },
        }),
      ]),
    );
    expect(policyStep?.input.Policy as string).not.toMatch(/vpc/i);
    expect(plan.steps[5]?.input).toEqual({
      TrailName: "forecast-audit-trail",
      EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }],
    });
    expect(trail?.input).toEqual({
      Name: "forecast-audit-trail",
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
    });
  });

  it("sends no location constraint in us-east-1 and takes the names asked for", () => {
    const plan = remediation.plan(
      finding,
      accountWithTrails([]),
      planOptions({ trail: { bucketName: "my-trail-logs", name: "org-audit" } }),
    );
    expect(plan.steps[0]?.input).toEqual({ Bucket: "my-trail-logs" });
    expect(plan.steps[4]?.input).toMatchObject({ Name: "org-audit", S3BucketName: "my-trail-logs" });
  });

  it("refuses a log bucket that already holds Forecast data", () => {
    const account = withBucket(accountWithTrails([]), buildBucket("data-bucket"));
    expect(
      remediation.plan(finding, account, planOptions({ trail: { bucketName: "data-bucket" } })).refusal,
    ).toMatch(/already exists/);
  });

  it("reverts by stopping and deleting the trail but keeps the bucket, and says so", () => {
    const revert = remediation.revertPlan(remediation.plan(finding, accountWithTrails([]), planOptions()));
    expect(revert.steps.map((s) => s.operation)).toEqual(["StopLogging", "DeleteTrail"]);
    expect(revert.steps.some((s) => s.service === "s3")).toBe(false);
    expect(revert.notes.join(" ")).toMatch(/kept: they are evidence/);
  });

  it("ignores single-region trails", () => {
    const single = buildTrail({ name: "local", isMultiRegion: false, arn: trailArn("local") });
    const plan = remediation.plan(finding, accountWithTrails([single]), planOptions());
    expect(plan.steps.map((s) => s.operation)).toContain("CreateTrail");
  });
});

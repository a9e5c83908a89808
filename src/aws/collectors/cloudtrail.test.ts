import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { collectTrail, describeRegionTrails, reduceEventSelectors } from "./cloudtrail.js";
import { unlimited } from "./limit.js";

const cloudtrail = mockClient(CloudTrailClient);
const TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";

beforeEach(() => cloudtrail.reset());

describe("describeRegionTrails", () => {
  it("lists shadow trails too and keeps what the controls read", async () => {
    cloudtrail.on(DescribeTrailsCommand, { includeShadowTrails: true }).resolves({
      trailList: [
        {
          Name: "main",
          TrailARN: TRAIL_ARN,
          HomeRegion: "us-east-1",
          IsMultiRegionTrail: true,
          IsOrganizationTrail: false,
          LogFileValidationEnabled: true,
          KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k1",
          S3BucketName: "trail-logs",
        },
      ],
    });

    const result = await describeRegionTrails(fakeAccountClients(), "eu-west-1", unlimited);

    expect(result.trailArns).toEqual({ ok: true, value: [TRAIL_ARN] });
    expect(result.trails).toEqual([
      {
        arn: TRAIL_ARN,
        name: "main",
        homeRegion: "us-east-1",
        isMultiRegion: true,
        isOrganizationTrail: false,
        logFileValidationEnabled: true,
        kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k1",
        s3BucketName: "trail-logs",
      },
    ]);
  });

  it("keeps a denial as an error with no trails", async () => {
    cloudtrail.on(DescribeTrailsCommand).rejects(awsError("AccessDeniedException", "denied"));
    const result = await describeRegionTrails(fakeAccountClients(), "eu-west-1", unlimited);
    expect(result.trailArns).toMatchObject({
      ok: false,
      error: { code: "AccessDeniedException", action: "cloudtrail:DescribeTrails" },
    });
    expect(result.trails).toEqual([]);
  });
});

describe("collectTrail", () => {
  const trail = {
    arn: TRAIL_ARN,
    name: "main",
    homeRegion: "us-east-1",
    isMultiRegion: true,
    isOrganizationTrail: false,
    logFileValidationEnabled: true,
  };

  it("reads status and selectors by ARN in the trail's home region", async () => {
    cloudtrail.on(GetTrailStatusCommand, { Name: TRAIL_ARN }).resolves({ IsLogging: true });
    cloudtrail
      .on(GetEventSelectorsCommand, { TrailName: TRAIL_ARN })
      .resolves({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] });
    const clients = fakeAccountClients();

    const result = await collectTrail(clients, trail, () => unlimited);

    expect(result.status).toEqual({ ok: true, value: { isLogging: true } });
    expect(result.selectors).toEqual({ ok: true, value: { managementEvents: "All" } });
    expect(clients.requested).toEqual(["cloudtrail:us-east-1"]);
  });

  it("keeps a denied status of an organization trail as a slice error", async () => {
    cloudtrail
      .on(GetTrailStatusCommand)
      .rejects(awsError("TrailNotFoundException", "Unknown trail for this account."));
    cloudtrail.on(GetEventSelectorsCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));

    const result = await collectTrail(
      fakeAccountClients(),
      { ...trail, isOrganizationTrail: true },
      () => unlimited,
    );

    expect(result.status).toMatchObject({
      ok: false,
      error: { code: "TrailNotFoundException", action: "cloudtrail:GetTrailStatus" },
    });
    expect(result.selectors).toMatchObject({
      ok: false,
      error: { code: "ThrottlingException", action: "cloudtrail:GetEventSelectors" },
    });
  });
});

describe("reduceEventSelectors", () => {
  const mgmt = (
    extra: Array<{ Field: string; Equals?: string[]; NotEquals?: string[]; StartsWith?: string[] }> = [],
  ) => ({
    Name: "m",
    FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }, ...extra],
  });

  it("reduces basic selectors", () => {
    expect(
      reduceEventSelectors([{ ReadWriteType: "All", IncludeManagementEvents: true }], undefined)
        .managementEvents,
    ).toBe("All");
    expect(
      reduceEventSelectors([{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }], undefined)
        .managementEvents,
    ).toBe("ReadOnly");
    expect(
      reduceEventSelectors(
        [
          { ReadWriteType: "ReadOnly", IncludeManagementEvents: true },
          { ReadWriteType: "WriteOnly", IncludeManagementEvents: true },
        ],
        undefined,
      ).managementEvents,
    ).toBe("All");
    expect(
      reduceEventSelectors([{ ReadWriteType: "All", IncludeManagementEvents: false }], undefined)
        .managementEvents,
    ).toBe("None");
    expect(reduceEventSelectors(undefined, undefined).managementEvents).toBe("None");
  });

  it("reduces advanced selectors with and without a readOnly field", () => {
    expect(reduceEventSelectors(undefined, [mgmt()]).managementEvents).toBe("All");
    expect(
      reduceEventSelectors(undefined, [mgmt([{ Field: "readOnly", Equals: ["true"] }])]).managementEvents,
    ).toBe("ReadOnly");
    expect(
      reduceEventSelectors(undefined, [mgmt([{ Field: "readOnly", Equals: ["false"] }])]).managementEvents,
    ).toBe("WriteOnly");
    expect(
      reduceEventSelectors(undefined, [mgmt([{ Field: "readOnly", NotEquals: ["false"] }])]).managementEvents,
    ).toBe("ReadOnly");
    expect(
      reduceEventSelectors(undefined, [
        mgmt([{ Field: "readOnly", Equals: ["true"] }]),
        mgmt([{ Field: "readOnly", Equals: ["false"] }]),
      ]).managementEvents,
    ).toBe("All");
  });

  it("ignores data-event selectors and management selectors narrowed away from Forecast", () => {
    const data = {
      Name: "d",
      FieldSelectors: [
        { Field: "eventCategory", Equals: ["Data"] },
        { Field: "resources.type", Equals: ["AWS::S3::Object"] },
      ],
    };
    expect(reduceEventSelectors(undefined, [data]).managementEvents).toBe("None");
    expect(
      reduceEventSelectors(undefined, [mgmt([{ Field: "eventSource", Equals: ["s3.amazonaws.com"] }])])
        .managementEvents,
    ).toBe("None");
    expect(
      reduceEventSelectors(undefined, [mgmt([{ Field: "eventSource", NotEquals: ["kms.amazonaws.com"] }])])
        .managementEvents,
    ).toBe("All");
    expect(
      reduceEventSelectors(undefined, [
        mgmt([{ Field: "eventSource", NotEquals: ["forecast.amazonaws.com"] }]),
      ]).managementEvents,
    ).toBe("None");
  });
});

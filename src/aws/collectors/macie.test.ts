import {
  AccessDeniedException,
  GetAutomatedDiscoveryConfigurationCommand,
  GetMacieSessionCommand,
  ListClassificationJobsCommand,
  Macie2Client,
  ResourceNotFoundException,
} from "@aws-sdk/client-macie2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { unlimited } from "./limit.js";
import { collectMacie } from "./macie.js";

// moto's Macie returns timestamps the JS SDK cannot parse and lacks automated discovery and job listing,
// so Macie is covered here with client mocks only.
const macie = mockClient(Macie2Client);

beforeEach(() => macie.reset());

describe("collectMacie", () => {
  it("reads automated discovery and every page of classification jobs when Macie is enabled", async () => {
    macie.on(GetMacieSessionCommand).resolves({ status: "ENABLED" });
    macie.on(GetAutomatedDiscoveryConfigurationCommand).resolves({ status: "DISABLED" });
    macie
      .on(ListClassificationJobsCommand)
      .resolvesOnce({
        items: [
          {
            jobId: "j1",
            name: "forecast-buckets",
            jobStatus: "RUNNING",
            jobType: "SCHEDULED",
            bucketDefinitions: [{ accountId: "111122223333", buckets: ["sales", "exports"] }],
          },
        ],
        nextToken: "next",
      })
      .resolvesOnce({
        items: [
          {
            jobId: "j2",
            name: "tagged",
            jobStatus: "COMPLETE",
            jobType: "ONE_TIME",
            bucketCriteria: { includes: {} },
          },
        ],
      });

    const result = await collectMacie(fakeAccountClients(), "eu-west-1", unlimited);

    expect(result.session).toEqual({ ok: true, value: { status: "ENABLED" } });
    expect(result.automatedDiscovery).toEqual({ ok: true, value: { status: "DISABLED" } });
    expect(result.classificationJobs).toEqual({
      ok: true,
      value: [
        {
          jobId: "j1",
          name: "forecast-buckets",
          status: "RUNNING",
          jobType: "SCHEDULED",
          buckets: ["111122223333/sales", "111122223333/exports"],
          matchesByCriteria: false,
        },
        {
          jobId: "j2",
          name: "tagged",
          status: "COMPLETE",
          jobType: "ONE_TIME",
          buckets: [],
          matchesByCriteria: true,
        },
      ],
    });
    expect(macie.commandCalls(ListClassificationJobsCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      "next",
    ]);
  });

  it("treats 'Macie is not enabled' as null and makes no further calls", async () => {
    macie
      .on(GetMacieSessionCommand)
      .rejects(
        new AccessDeniedException({ message: "Macie is not enabled.", $metadata: { httpStatusCode: 403 } }),
      );

    const result = await collectMacie(fakeAccountClients(), "eu-west-1", unlimited);

    expect(result).toEqual({
      session: { ok: true, value: null },
      automatedDiscovery: { ok: true, value: null },
      classificationJobs: { ok: true, value: [] },
    });
    expect(macie.calls()).toHaveLength(1);
  });

  it("treats ResourceNotFoundException as not enabled", async () => {
    macie
      .on(GetMacieSessionCommand)
      .rejects(new ResourceNotFoundException({ message: "no session", $metadata: {} }));
    const result = await collectMacie(fakeAccountClients(), "eu-west-1", unlimited);
    expect(result.session).toEqual({ ok: true, value: null });
  });

  it("keeps a real denial as an error in every slice", async () => {
    macie.on(GetMacieSessionCommand).rejects(
      new AccessDeniedException({
        message:
          "User: arn:aws:sts::111122223333:assumed-role/audit/x is not authorized to perform: macie2:GetMacieSession",
        $metadata: { httpStatusCode: 403 },
      }),
    );

    const result = await collectMacie(fakeAccountClients(), "eu-west-1", unlimited);

    const expected = {
      ok: false,
      error: { code: "AccessDeniedException", action: "macie2:GetMacieSession" },
    };
    expect(result.session).toMatchObject(expected);
    expect(result.automatedDiscovery).toMatchObject(expected);
    expect(result.classificationJobs).toMatchObject(expected);
  });

  it("keeps errors of the follow-up calls in their own slices", async () => {
    macie.on(GetMacieSessionCommand).resolves({ status: "PAUSED" });
    macie
      .on(GetAutomatedDiscoveryConfigurationCommand)
      .rejects(awsError("ThrottlingException", "Rate exceeded", 429));
    macie.on(ListClassificationJobsCommand).resolves({ items: [] });

    const result = await collectMacie(fakeAccountClients(), "eu-west-1", unlimited);

    expect(result.session).toEqual({ ok: true, value: { status: "PAUSED" } });
    expect(result.automatedDiscovery).toMatchObject({
      ok: false,
      error: { code: "ThrottlingException", action: "macie2:GetAutomatedDiscoveryConfiguration" },
    });
    expect(result.classificationJobs).toEqual({ ok: true, value: [] });
  });
});

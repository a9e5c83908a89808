import {
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../../test/support/fake-account-clients.js";
import { collectCredentialReport, parseCredentialReport } from "./credential-report.js";
import { unlimited } from "./limit.js";

const iam = mockClient(IAMClient);

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
const ROOT =
  "<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
const ALICE =
  "alice,arn:aws:iam::111122223333:user/alice,2020-01-01T00:00:00+00:00,true,no_information,2020-01-01T00:00:00+00:00,N/A,false,true,2020-01-01T00:00:00+00:00,2024-06-01T08:00:00+00:00,eu-west-1,forecast,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
const CSV = `${HEADER}\n${ROOT}\n${ALICE}\n`;

function notReady() {
  return new CredentialReportNotReadyException({ message: "Report is in progress", $metadata: {} });
}

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

beforeEach(() => iam.reset());

describe("parseCredentialReport", () => {
  it("reads the root row and users, with N/A, no_information and not_supported as absent", () => {
    const rows = parseCredentialReport(CSV);
    expect(rows).toEqual([
      {
        user: "<root_account>",
        arn: "arn:aws:iam::111122223333:root",
        passwordEnabled: false,
        passwordLastUsed: "2024-05-01T10:00:00+00:00",
        mfaActive: true,
        accessKey1Active: false,
        accessKey2Active: false,
      },
      {
        user: "alice",
        arn: "arn:aws:iam::111122223333:user/alice",
        passwordEnabled: true,
        mfaActive: false,
        accessKey1Active: true,
        accessKey1LastUsed: "2024-06-01T08:00:00+00:00",
        accessKey2Active: false,
      },
    ]);
  });

  it("handles CRLF line ends, quoted fields and an empty report", () => {
    const quoted = `${HEADER}\r\n"bob, the builder",arn:aws:iam::111122223333:user/bob,x,true,N/A,x,x,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\r\n`;
    expect(parseCredentialReport(quoted)[0]).toMatchObject({
      user: "bob, the builder",
      passwordEnabled: true,
      mfaActive: true,
    });
    expect(parseCredentialReport("")).toEqual([]);
  });
});

describe("collectCredentialReport", () => {
  it("polls while the report is in progress, then parses it", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "STARTED" });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(notReady())
      .rejectsOnce(notReady())
      .resolves({ Content: new TextEncoder().encode(CSV), GeneratedTime: new Date("2024-06-02T00:00:00Z") });
    const { delays, sleep } = recordingSleep();

    const report = await collectCredentialReport(fakeAccountClients(), { limit: unlimited, sleep });

    expect(report.ok && report.value.generatedAt).toBe("2024-06-02T00:00:00.000Z");
    expect(report.ok && report.value.rows.map((r) => r.user)).toEqual(["<root_account>", "alice"]);
    expect(delays).toEqual([500, 1000]);
    expect(iam.commandCalls(GetCredentialReportCommand)).toHaveLength(3);
  });

  it("asks IAM to generate the report again when it is not present or expired", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportNotPresentException({ message: "not present", $metadata: {} }))
      .rejectsOnce(awsError("ReportExpired", "expired", 410))
      .resolves({ Content: new TextEncoder().encode(CSV), GeneratedTime: new Date() });
    const { sleep } = recordingSleep();

    const report = await collectCredentialReport(fakeAccountClients(), { limit: unlimited, sleep });

    expect(report.ok).toBe(true);
    expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);
  });

  it("gives up with CredentialReportTimeout once the wait budget is spent", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "INPROGRESS" });
    iam.on(GetCredentialReportCommand).rejects(notReady());
    const { delays, sleep } = recordingSleep();

    const report = await collectCredentialReport(fakeAccountClients(), { limit: unlimited, sleep });

    expect(report).toMatchObject({
      ok: false,
      error: { code: "CredentialReportTimeout", action: "iam:GetCredentialReport" },
    });
    const waited = delays.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(60_000);
    expect(waited).toBeGreaterThan(50_000);
    expect(Math.max(...delays)).toBe(5_000);
  });

  it("returns a denied GenerateCredentialReport as an error without polling", async () => {
    iam.on(GenerateCredentialReportCommand).rejects(awsError("AccessDenied", "not authorized", 403));

    const report = await collectCredentialReport(fakeAccountClients(), {
      limit: unlimited,
      sleep: async () => {},
    });

    expect(report).toMatchObject({
      ok: false,
      error: { code: "AccessDenied", action: "iam:GenerateCredentialReport" },
    });
    expect(iam.commandCalls(GetCredentialReportCommand)).toHaveLength(0);
  });

  it("returns a denied or throttled GetCredentialReport as an error", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    iam.on(GetCredentialReportCommand).rejects(awsError("Throttling", "Rate exceeded"));

    const report = await collectCredentialReport(fakeAccountClients(), {
      limit: unlimited,
      sleep: async () => {},
    });

    expect(report).toMatchObject({
      ok: false,
      error: { code: "Throttling", action: "iam:GetCredentialReport" },
    });
  });
});

import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { awsError } from "../../../test/support/fake-account-clients.js";
import { buildFinding } from "../../../test/support/remediation-fixtures.js";
import type { Finding } from "../../domain/finding.js";
import { createLogger } from "../../logging/logger.js";
import { openStore } from "../../store/open-store.js";
import type { Store } from "../../store/types.js";
import { asffId } from "./asff.js";
import { exportToSecurityHub, SECURITY_HUB_EXPORT_ACTION } from "./export-findings.js";
import { createSecurityHubExport, SECURITY_HUB_EXPORT_FAILED_ACTION } from "./live.js";

const hub = mockClient(SecurityHubClient);
const ADMIN = "999999999999";
let store: Store;
let clock: Date;
let sent: AwsSecurityFinding[][];

const bucket = (i: number): Finding =>
  buildFinding("s3-bucket-tls-enforced", `arn:aws:s3:::bucket-${i}`, { accountId: "111122223333" });

async function scan(findings: Finding[]): Promise<void> {
  clock = new Date(clock.getTime() + 3600_000);
  await store.recordScan({
    scope: { accounts: ["111122223333"], regions: ["us-east-1"], controls: ["s3-bucket-tls-enforced"] },
    trigger: "cli:tester",
    findings,
  });
}

function exportNow() {
  return exportToSecurityHub({
    store,
    client: new SecurityHubClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    }),
    importerAccountId: ADMIN,
    region: "eu-west-1",
    partition: "aws",
    now: () => clock,
  });
}

const lastBatch = () => sent.flat();
const byId = (id: string) => lastBatch().find((f) => f.Id === id);

beforeEach(async () => {
  hub.reset();
  sent = [];
  hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
    sent.push(input.Findings);
    return { SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] };
  });
  clock = new Date("2026-03-01T00:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => clock });
  await store.saveAccounts([
    {
      accountId: "111122223333",
      name: "shop jane.doe@example.com",
      ouPath: "Root/Prod",
      source: "organization",
      seenAt: clock.toISOString(),
    },
  ]);
});

afterEach(async () => {
  await store.close();
});

describe("exportToSecurityHub", () => {
  it("imports every failing finding ACTIVE, 100 a call, in the importing account's default product", async () => {
    await scan(Array.from({ length: 250 }, (_, i) => bucket(i)));
    const result = await exportNow();
    expect(result).toMatchObject({ active: 250, archived: 0, batches: 3, failed: [] });
    expect(sent.map((b) => b.length)).toEqual([100, 100, 50]);
    const f = byId(asffId(bucket(7)));
    expect(f).toMatchObject({
      SchemaVersion: "2018-10-08",
      AwsAccountId: ADMIN,
      ProductArn: `arn:aws:securityhub:eu-west-1:${ADMIN}:product/${ADMIN}/default`,
      GeneratorId: "forecast-audit/s3-bucket-tls-enforced",
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED" },
      Severity: { Label: "HIGH" },
      Resources: [
        { Type: "AwsS3Bucket", Id: "arn:aws:s3:::bucket-7", Region: "us-east-1", Partition: "aws" },
      ],
      ProductFields: expect.objectContaining({
        "forecast-audit/AccountId": "111122223333",
        "forecast-audit/OuPath": "Root/Prod",
      }),
    });
    // The account name is masked where it looks like personal data.
    expect(JSON.stringify(sent)).not.toContain("jane.doe@example.com");
  });

  it("archives what was resolved or suppressed since the last export, and re-activates what reopened", async () => {
    await scan([bucket(1), bucket(2), bucket(3)]);
    await exportNow();
    await store.addSuppression({
      findingKey: "s3-bucket-tls-enforced|111122223333|us-east-1|arn:aws:s3:::bucket-3",
      reason: "accepted",
      createdBy: "U1",
    });
    await scan([bucket(1), { ...bucket(2), status: "PASS" }, bucket(3)]);
    sent = [];
    const second = await exportNow();
    expect(second).toMatchObject({ active: 1, archived: 2 });
    expect(byId(asffId(bucket(1)))).toMatchObject({
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED" },
    });
    expect(byId(asffId(bucket(2)))).toMatchObject({
      RecordState: "ARCHIVED",
      Compliance: { Status: "PASSED" },
    });
    expect(byId(asffId(bucket(3)))).toMatchObject({
      RecordState: "ARCHIVED",
      Compliance: { Status: "FAILED" },
    });

    await scan([bucket(1), bucket(2), bucket(3)]);
    sent = [];
    await exportNow();
    expect(byId(asffId(bucket(2)))).toMatchObject({
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED" },
    });
    // Resolved long ago and exported archived already: not sent again.
    await scan([bucket(1), bucket(3)]);
    sent = [];
    await exportNow();
    expect(byId(asffId(bucket(2)))?.RecordState).toBe("ARCHIVED");
    sent = [];
    await exportNow();
    expect(byId(asffId(bucket(2)))).toBeUndefined();
  });

  it("loses no archive when a batch fails halfway: the next export sends it again", async () => {
    await scan(Array.from({ length: 150 }, (_, i) => bucket(i)));
    await exportNow();
    await scan([...Array.from({ length: 149 }, (_, i) => bucket(i)), { ...bucket(149), status: "PASS" }]);
    // The first batch goes through, the second is throttled past the SDK's retries.
    let calls = 0;
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      calls += 1;
      if (calls === 2) throw awsError("ThrottlingException", "Rate exceeded", 400);
      return { SuccessCount: input.Findings.length, FailedCount: 0 };
    });
    await expect(exportNow()).rejects.toThrow("Rate exceeded");
    expect(calls).toBe(2);
    const marks = await store.listAudit({ action: SECURITY_HUB_EXPORT_ACTION });
    expect(marks).toHaveLength(1);
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      sent.push(input.Findings);
      return { SuccessCount: input.Findings.length, FailedCount: 0 };
    });
    sent = [];
    await exportNow();
    expect(byId(asffId(bucket(149)))).toMatchObject({
      RecordState: "ARCHIVED",
      Compliance: { Status: "PASSED" },
    });
  });

  it("in serve and scan, a denied import is logged and audited, never thrown at the scan", async () => {
    await scan([bucket(1)]);
    hub.on(BatchImportFindingsCommand).rejects(awsError("AccessDeniedException", "not authorized", 403));
    const run = createSecurityHubExport(
      {
        securityHub: {
          enabled: true,
          region: "us-east-1",
          roleArn: `arn:aws:iam::${ADMIN}:role/ForecastAuditAdminAccess`,
        },
      },
      {
        securityHub: async () =>
          new SecurityHubClient({
            region: "us-east-1",
            credentials: { accessKeyId: "a", secretAccessKey: "b" },
          }),
        currentAccount: async () => ({ accountId: "123456789012", partition: "aws", arn: "" }),
      },
      createLogger({ level: "silent" }),
    );
    await expect(run?.(store)).resolves.toBeUndefined();
    const [failure] = await store.listAudit({ action: SECURITY_HUB_EXPORT_FAILED_ACTION });
    expect(failure?.detail).toMatchObject({
      code: "AccessDeniedException",
      action: "securityhub:BatchImportFindings",
    });
    expect(
      createSecurityHubExport(
        {},
        {
          securityHub: async () => {
            throw new Error("unused");
          },
          currentAccount: async () => {
            throw new Error("unused");
          },
        },
        createLogger({ level: "silent" }),
      ),
    ).toBeUndefined();
  });
});

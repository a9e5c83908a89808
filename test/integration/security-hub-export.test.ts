/**
 * The Security Hub export against moto: the real client factory assumes the administrator-account role, the
 * findings of a real store are imported with BatchImportFindings, and Security Hub's own GetFindings shows them
 * follow the lifecycle (new → ACTIVE, resolved → ARCHIVED, reopened → ACTIVE again).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AwsSecurityFinding, GetFindingsCommand } from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientFactory, createClientFactory } from "../../src/aws/client-factory.js";
import type { Finding } from "../../src/domain/finding.js";
import { asffId } from "../../src/export/security-hub/asff.js";
import { createSecurityHubExport } from "../../src/export/security-hub/live.js";
import { createLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";
import { MOTO_CREDENTIALS, type MotoServer, motoRequestHandler, startMoto } from "../support/moto.js";
import { buildFinding } from "../support/remediation-fixtures.js";

const ADMIN = "999988887777";
const ROLE = `arn:aws:iam::${ADMIN}:role/ForecastAuditAdminAccess`;
const REGION = "eu-west-1";

let moto: MotoServer;
let factory: ClientFactory;
let store: Store;
let dir: string;
let clock = new Date("2026-03-01T00:00:00.000Z");

const key = (n: number): Finding =>
  buildFinding("kms-key-rotation-enabled", `arn:aws:kms:us-east-1:111122223333:key/k-${n}`, {
    accountId: "111122223333",
    resourceType: "kms-key",
    severity: "medium",
  });

async function scan(findings: Finding[]): Promise<void> {
  clock = new Date(clock.getTime() + 3600_000);
  await store.recordScan({
    scope: { accounts: ["111122223333"], regions: ["us-east-1"], controls: ["kms-key-rotation-enabled"] },
    trigger: "cli:tester",
    findings,
  });
}

async function hubFindings(): Promise<Map<string, AwsSecurityFinding>> {
  const client = await factory.securityHub(REGION, { roleArn: ROLE });
  const out = await client.send(new GetFindingsCommand({ MaxResults: 100 }));
  return new Map((out.Findings ?? []).map((f) => [f.Id ?? "", f]));
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.reset();
  factory = createClientFactory({
    requireFips: false,
    sessionName: "integration",
    credentials: MOTO_CREDENTIALS,
    endpoint: moto.endpoint,
    region: "us-east-1",
    requestHandler: motoRequestHandler(),
    maxAttempts: 2,
  });
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-sh-"));
  store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}`, now: () => clock });
});

afterAll(async () => {
  await store?.close();
  factory?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Security Hub export on moto", () => {
  it("imports, archives and re-activates the product's findings in the administrator account", async () => {
    const exportFindings = createSecurityHubExport(
      { securityHub: { enabled: true, region: REGION, roleArn: ROLE } },
      factory,
      createLogger({ level: "silent" }),
      () => clock,
    );
    expect(exportFindings).toBeDefined();

    await scan([key(1), key(2)]);
    expect(await exportFindings?.(store)).toMatchObject({ active: 2, archived: 0, failed: [] });
    let hub = await hubFindings();
    expect(hub.get(asffId(key(1)))).toMatchObject({
      AwsAccountId: ADMIN,
      ProductArn: `arn:aws:securityhub:${REGION}:${ADMIN}:product/${ADMIN}/default`,
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED" },
      Resources: [{ Type: "AwsKmsKey", Id: "arn:aws:kms:us-east-1:111122223333:key/k-1" }],
    });

    await scan([key(1), { ...key(2), status: "PASS" }]);
    expect(await exportFindings?.(store)).toMatchObject({ active: 1, archived: 1 });
    hub = await hubFindings();
    expect(hub.size).toBe(2);
    expect(hub.get(asffId(key(2)))).toMatchObject({
      RecordState: "ARCHIVED",
      Compliance: { Status: "PASSED" },
    });
    expect(hub.get(asffId(key(1)))?.RecordState).toBe("ACTIVE");

    await scan([key(1), key(2)]);
    await exportFindings?.(store);
    hub = await hubFindings();
    expect(hub.get(asffId(key(2)))).toMatchObject({
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED" },
    });
  });
});

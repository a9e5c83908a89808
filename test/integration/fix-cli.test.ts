/**
 * `forecast-audit fix` against moto: the dry run prints the plan and changes nothing; `--apply` needs `--yes`,
 * then applies, re-checks, and records the local user in the request and the audit log.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketArn } from "../../src/domain/arn.js";
import { type Finding, findingId, findingKey } from "../../src/domain/finding.js";
import { openStore } from "../../src/store/open-store.js";
import { runCli } from "../support/cli-runner.js";
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  type MotoServer,
  motoClientConfig,
  startMoto,
} from "../support/moto.js";

const REGION = "us-east-1";
const BUCKET = "cli-fix-data";
const finding: Finding = {
  controlId: "s3-bucket-tls-enforced",
  status: "FAIL",
  severity: "high",
  accountId: MOTO_ACCOUNT_ID,
  region: REGION,
  resourceArn: bucketArn("aws", BUCKET),
  resourceType: "s3-bucket",
  title: "S3 bucket policy enforces TLS",
  detail: "No deny statement.",
  remediationId: "s3-bucket-enforce-tls",
};
const KEY = findingKey(finding);

let moto: MotoServer;
let dir: string;
let env: Record<string, string | undefined>;
let configPath: string;
let s3: S3Client;

async function policy(): Promise<string | undefined> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.reset();
  s3 = new S3Client(motoClientConfig(moto, REGION));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-fix-"));
  configPath = join(dir, "forecast-audit.yml");
  await writeFile(configPath, `regions: [${REGION}]\n`);
  const databaseUrl = `sqlite:${join(dir, "state.db")}`;
  const store = await openStore({ databaseUrl });
  await store.recordScan({
    scope: { accounts: [MOTO_ACCOUNT_ID], regions: [REGION], controls: [finding.controlId] },
    trigger: "test",
    findings: [finding],
  });
  await store.close();
  env = {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    FORECAST_AUDIT_CONFIG: undefined,
    DATABASE_URL: databaseUrl,
  };
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("forecast-audit fix", () => {
  it("prints the plan on --dry-run and changes nothing", async () => {
    const run = await runCli(["--config", configPath, "fix", KEY, "--dry-run"], { env, cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Plan (1 API call):");
    expect(run.stdout).toContain("s3:PutBucketPolicy in us-east-1");
    expect(run.stdout).toContain("ForecastAuditDenyInsecureTransport");
    expect(await policy()).toBeUndefined();
    const store = await openStore({ databaseUrl: env.DATABASE_URL });
    expect(await store.listRequests()).toEqual([]);
    await store.close();
  });

  it("refuses --apply without --yes, and a malformed finding key", async () => {
    const noYes = await runCli(["--config", configPath, "fix", KEY, "--apply"], { env, cwd: dir });
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toContain("--yes");
    const bad = await runCli(["--config", configPath, "fix", "not-a-key", "--dry-run"], { env, cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("finding key");
    expect(await policy()).toBeUndefined();
  });

  it("takes the finding id as well as the key; refuses an unknown id, a masked key and an unknown control", async () => {
    const id = findingId(finding);
    const byId = await runCli(["--config", configPath, "fix", id], { env, cwd: dir });
    expect(byId.stderr).toBe("");
    expect(byId.exitCode).toBe(0);
    expect(byId.stdout).toContain(`Finding: ${id} (${finding.resourceArn})`);
    expect(byId.stdout).toContain("s3:PutBucketPolicy in us-east-1");

    const unknown = await runCli(["--config", configPath, "fix", "f-0000000000zz"], { env, cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("no stored finding has id f-0000000000zz");
    const masked = await runCli(
      [
        "--config",
        configPath,
        "fix",
        `forecast-names-no-sensitive-data|${MOTO_ACCOUNT_ID}|us-east-1|arn:aws:forecast:us-east-1:${MOTO_ACCOUNT_ID}:dataset/sales_[payment-card]`,
      ],
      { env, cwd: dir },
    );
    expect(masked.exitCode).toBe(2);
    expect(masked.stderr).toMatch(/masked text .* Use the finding's id instead/);
    const control = await runCli(
      ["--config", configPath, "fix", `nope|${MOTO_ACCOUNT_ID}|us-east-1|${finding.resourceArn}`],
      { env, cwd: dir },
    );
    expect(control.exitCode).toBe(2);
    expect(control.stderr).toContain('"nope" is not a control id');
    expect(await policy()).toBeUndefined();
    const store = await openStore({ databaseUrl: env.DATABASE_URL });
    expect(await store.listRequests()).toEqual([]);
    await store.close();
  });

  it("applies with --apply --yes, re-checks, and records the local user", async () => {
    const run = await runCli(["--config", configPath, "fix", KEY, "--apply", "--yes"], { env, cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Request \S+: applied/);
    expect(run.stdout).toContain("Re-check: PASS");
    expect(await policy()).toContain("ForecastAuditDenyTlsBelow12");

    const store = await openStore({ databaseUrl: env.DATABASE_URL });
    const [request] = await store.listRequests({ findingKey: KEY });
    expect(request).toMatchObject({ state: "applied", requester: "cli:ci", approver: "cli:ci" });
    const audit = await store.listAudit({ target: request?.id ?? "", order: "asc" });
    expect(audit.map((a) => a.action)).toEqual([
      "request.created",
      "request.approved",
      "request.applying",
      "request.rechecked",
      "request.applied",
    ]);
    for (const entry of audit) expect(entry.actor).toBe("cli:ci");
    await store.close();

    const again = await runCli(["--config", configPath, "fix", KEY, "--apply", "--yes"], { env, cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already/i);
  });
});

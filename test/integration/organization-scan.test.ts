/**
 * One scan of a whole AWS Organization in moto: 200 member accounts in 3 OUs (Prod, Prod/Payments, Dev) and the
 * management account, discovered through Organizations, each audited through its own role (multi-account
 * AssumeRole with the external id). A few accounts have no role, one has a role that trusts another external
 * id, two are suspended.
 *
 * moto grants AssumeRole for any ARN, so STS goes through test/support/sts-trust-gate.ts, which refuses it as
 * AWS does when moto's IAM has no such role or its trust wants another external id. This file runs its own moto
 * server, started without MOTO_IAM_LOAD_MANAGED_POLICIES (which would copy every AWS managed policy into each
 * of the 200 accounts), and a single region.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/cli/format/report.js";
import { displayOuPath } from "../../src/domain/accounts.js";
import type { Finding } from "../../src/domain/finding.js";
import { openStore } from "../../src/store/open-store.js";
import { runCli } from "../support/cli-runner.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import {
  HOSTILE_ACCOUNT_NAME,
  ORG_EXTERNAL_ID,
  ORG_ROLE_NAME,
  ORG_STACK_SET,
  type OrgAccountSeed,
  type OrganizationScenario,
  seedOrganizationScenario,
} from "../support/organization-scenario.js";
import { scenarioEnv } from "../support/scenario.js";
import { type StsTrustGate, startStsTrustGate } from "../support/sts-trust-gate.js";

const REGION = "us-east-1";
const MEMBERS = 200;
const MISSING = [3, 57, 124];
const WRONG_EXTERNAL_ID = 88;
const SUSPENDED = [10, 151];

let moto: MotoServer;
let emulator: ForecastEmulator;
let gate: StsTrustGate;
let dir: string;
let configPath: string;
let env: Record<string, string | undefined>;
let scenario: OrganizationScenario;
let run: { exitCode: number; stdout: string; stderr: string };
let report: ScanReport;

const byAccount = new Map<string, Finding[]>();

beforeAll(async () => {
  moto = await startMoto({ isolated: true });
  emulator = await startForecastEmulator({ region: REGION });
  gate = await startStsTrustGate(moto.url);
  scenario = await seedOrganizationScenario(moto, {
    members: MEMBERS,
    missing: MISSING,
    wrongExternalId: WRONG_EXTERNAL_ID,
    suspended: SUSPENDED,
  });
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-org-"));
  configPath = join(dir, "forecast-audit.yml");
  await writeFile(
    configPath,
    [
      `regions: [${REGION}]`,
      "accountConcurrency: 16",
      "organization:",
      `  roleName: ${ORG_ROLE_NAME}`,
      `  externalId: ${ORG_EXTERNAL_ID}`,
      `  stackSetName: ${ORG_STACK_SET}`,
      "",
    ].join("\n"),
  );
  env = {
    ...scenarioEnv(moto, emulator),
    AWS_ENDPOINT_URL_STS: gate.url,
    DATABASE_URL: `sqlite:${join(dir, "state.db")}`,
  };
  run = await runCli(["--config", configPath, "scan", "--format", "json"], { env, cwd: dir });
  report = JSON.parse(run.stdout) as ScanReport;
  for (const f of report.findings) {
    const list = byAccount.get(f.accountId) ?? [];
    list.push(f);
    byAccount.set(f.accountId, list);
  }
}, 180_000);

afterAll(async () => {
  await gate?.close();
  await emulator?.close();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const members = () => scenario.accounts;
const active = () => members().filter((a) => !a.suspended);
const reachable = () => active().filter((a) => a.role === "audit");
const unreachable = () => active().filter((a) => a.role !== "audit");

describe("one scan of an organization of 200 accounts in 3 OUs", () => {
  it("covers every active account, the management account included, and skips the suspended ones by name", () => {
    expect(run.exitCode).toBe(1);
    const expected = [scenario.managementAccountId, ...active().map((a) => a.id)].sort();
    expect([...report.accounts].sort()).toEqual(expected);
    expect(expected).toHaveLength(MEMBERS - SUSPENDED.length + 1);
    for (const id of expected) expect(byAccount.get(id)?.length ?? 0).toBeGreaterThan(0);
    const suspended = members().filter((a) => a.suspended);
    for (const a of suspended) expect(byAccount.has(a.id)).toBe(false);
    expect(run.stderr).toContain(`Skipped ${SUSPENDED.length} account(s) of the organization`);
    for (const a of suspended) expect(run.stderr).toContain(`${a.id} (suspended)`);
  });

  it("reports each account without a usable role as ERROR only, naming the StackSet and the account's OU", () => {
    expect(unreachable()).toHaveLength(MISSING.length + 1);
    for (const account of unreachable()) {
      const findings = byAccount.get(account.id) ?? [];
      expect(findings.length).toBeGreaterThanOrEqual(5);
      for (const f of findings) {
        expect(f.status).toBe("ERROR");
        expect(f.error?.action).toBe("sts:AssumeRole");
        expect(f.detail).toContain(
          `Deploy the StackSet ${ORG_STACK_SET} to OU ${displayOuPath(account.ouPath)} (${account.ouId})`,
        );
      }
      expect(gate.refused).toContain(`arn:aws:iam::${account.id}:role/${ORG_ROLE_NAME}`);
    }
  });

  it("gives every other account exactly its seeded verdicts, and no account-wide error", () => {
    const status = (a: OrgAccountSeed, controlId: string, arn?: string) =>
      (byAccount.get(a.id) ?? []).filter((f) => f.controlId === controlId && (!arn || f.resourceArn === arn));
    for (const account of reachable()) {
      const findings = byAccount.get(account.id) ?? [];
      expect(findings.some((f) => f.error?.action.startsWith("sts:"))).toBe(false);
      expect(status(account, "cloudtrail-multi-region-logging").map((f) => f.status)).toEqual([
        account.trail ? "PASS" : "FAIL",
      ]);
      const console = status(account, "iam-console-users-mfa-enabled");
      if (account.consoleUserArn) {
        expect(console.map((f) => [f.resourceArn, f.status])).toEqual([[account.consoleUserArn, "FAIL"]]);
      } else {
        expect(console).toEqual([]);
      }
      expect(status(account, "iam-root-no-access-keys").map((f) => f.status)).toEqual(["PASS"]);
    }
  });

  it("names each finding's account by its organization name, masked where it looks sensitive", () => {
    for (const account of active().filter((a) => a.name !== HOSTILE_ACCOUNT_NAME)) {
      for (const f of byAccount.get(account.id) ?? []) expect(f.accountName).toBe(account.name);
    }
    expect(run.stdout).not.toContain("jane.doe@example.com");
  });

  it("records every account's name and OU path in the account directory", async () => {
    const store = await openStore({ databaseUrl: env.DATABASE_URL });
    try {
      const directory = new Map((await store.listAccounts()).map((a) => [a.accountId, a]));
      expect(directory.size).toBe(MEMBERS - SUSPENDED.length + 1);
      for (const account of active()) {
        expect(directory.get(account.id)).toMatchObject({
          name: account.name,
          ouId: account.ouId,
          ouPath: account.ouPath,
          source: "organization",
        });
      }
    } finally {
      await store.close();
    }
  });

  it("scans one OU with --ou (by its path), and refuses an OU the organization does not have", async () => {
    const payments = await runCli(
      ["--config", configPath, "scan", "--ou", "Prod/Payments", "--format", "json", "--no-store"],
      { env, cwd: dir },
    );
    const scoped = JSON.parse(payments.stdout) as ScanReport;
    const expected = active()
      .filter((a) => a.ou === "payments")
      .map((a) => a.id)
      .sort();
    expect(expected.length).toBeGreaterThan(50);
    expect([...scoped.accounts].sort()).toEqual(expected);

    const unknown = await runCli(["--config", configPath, "scan", "--ou", "Staging", "--no-store"], {
      env,
      cwd: dir,
    });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('OU "Staging" is not in the organization');
    expect(unknown.stdout).toBe("");
  });
});

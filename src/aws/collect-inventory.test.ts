import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  DescribeDatasetCommand,
  ForecastClient,
  ListDatasetsCommand,
  ListPredictorsCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-forecast";
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { AccessDeniedException, GetMacieSessionCommand, Macie2Client } from "@aws-sdk/client-macie2";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { awsError, fakeAccountClients } from "../../test/support/fake-account-clients.js";
import {
  ACCOUNT_ID,
  BUCKET,
  buildDataset,
  buildExportJob,
  buildImportJob,
  forecastOf,
  KEY_ARN,
  ROLE_ARN,
  TRAIL_KEY_ARN,
} from "../../test/support/inventory-builders.js";
import type { ForecastInventory } from "../domain/inventory.js";
import { evaluateInventory } from "../scan/evaluate-inventory.js";
import type { ScanProgress } from "../scan/progress.js";
import type { AuditedAccount } from "./client-factory.js";
import { collectInventory, type ForecastCollector } from "./collect-inventory.js";
import { collectForecastRegion } from "./collectors/forecast.js";

const s3 = mockClient(S3Client);
const s3control = mockClient(S3ControlClient);
const kms = mockClient(KMSClient);
const iam = mockClient(IAMClient);
const cloudtrail = mockClient(CloudTrailClient);
const macie = mockClient(Macie2Client);

const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT_ID}:trail/org-wide`;
const CSV =
  "user,arn,password_enabled,mfa_active,access_key_1_active,access_key_2_active\n<root_account>,arn:aws:iam::123456789012:root,not_supported,true,false,false\n";
const NOW = new Date("2024-06-10T00:00:00Z");

function factoryFor(options: { deny?: string[] } = {}) {
  const asked: AuditedAccount[] = [];
  return {
    asked,
    factory: {
      async forAccount(account: AuditedAccount) {
        asked.push(account);
        if (options.deny?.includes(account.id)) {
          throw awsError(
            "AccessDenied",
            `User is not authorized to perform: sts:AssumeRole on ${account.roleArn}`,
            403,
          );
        }
        return fakeAccountClients(account.id);
      },
      async currentAccount() {
        return { accountId: ACCOUNT_ID, partition: "aws", arn: `arn:aws:iam::${ACCOUNT_ID}:user/alice` };
      },
    },
  };
}

/** 50 import jobs and 50 export jobs in one bucket, a dataset with the bucket's key, in every region asked. */
function manyReferences(region: string): ForecastInventory {
  const imports = Array.from({ length: 50 }, (_, i) => buildImportJob({ name: `import_${i}`, region }));
  const exports = Array.from({ length: 50 }, (_, i) => buildExportJob({ name: `export_${i}`, region }));
  return forecastOf([buildDataset({ region }), ...imports, ...exports]);
}

function stubForecast(build: (region: string) => ForecastInventory = manyReferences) {
  const regions: string[] = [];
  const collector: ForecastCollector = async (client, options) => {
    const region = await client.config.region();
    regions.push(region);
    options.onProgress?.(1, 1);
    return build(region);
  };
  return { regions, collector };
}

beforeEach(() => {
  for (const mock of [s3, s3control, kms, iam, cloudtrail, macie]) mock.reset();
  s3.on(GetBucketLocationCommand).resolves({});
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY_ARN } }],
    },
  });
  s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy"));
  s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration"));
  s3control.on(GetAccountPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration"));
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => ({
    KeyMetadata: {
      KeyId: input.KeyId,
      Arn: input.KeyId,
      KeyManager: "CUSTOMER",
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyState: "Enabled",
      Enabled: true,
    },
  }));
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
  iam
    .on(GetAccountSummaryCommand)
    .resolves({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, Users: 1 } });
  iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
  iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(CSV), GeneratedTime: NOW });
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    RoleDetailList: [
      { RoleName: "ForecastAccessRole", Arn: ROLE_ARN, AssumeRolePolicyDocument: '{"Statement":[]}' },
    ],
  });
  cloudtrail.on(DescribeTrailsCommand).resolves({
    trailList: [
      {
        Name: "org-wide",
        TrailARN: TRAIL_ARN,
        HomeRegion: "us-east-1",
        IsMultiRegionTrail: true,
        KmsKeyId: TRAIL_KEY_ARN,
      },
    ],
  });
  cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  cloudtrail
    .on(GetEventSelectorsCommand)
    .resolves({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] });
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  macie
    .on(GetMacieSessionCommand)
    .rejects(
      new AccessDeniedException({ message: "Macie is not enabled.", $metadata: { httpStatusCode: 403 } }),
    );
});

const base = { lookbackDays: 7, maxEvents: 100, concurrency: 4, now: NOW, sleep: async () => {} };

describe("collectInventory", () => {
  it("fetches each bucket, key, role and trail once, however many resources and regions reference them", async () => {
    const { factory } = factoryFor();
    const forecast = stubForecast();

    const inventory = await collectInventory({
      ...base,
      accounts: [{ id: ACCOUNT_ID, name: "prod" }],
      regions: ["us-east-1", "eu-west-1"],
      factory,
      forecastCollector: forecast.collector,
    });

    expect(forecast.regions.sort()).toEqual(["eu-west-1", "us-east-1"]);
    const [account] = inventory.accounts;
    expect(account?.name).toBe("prod");
    expect(Object.keys(account?.buckets ?? {})).toEqual([BUCKET]);
    expect(s3.commandCalls(GetBucketLocationCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetBucketEncryptionCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetBucketPolicyCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetPublicAccessBlockCommand)).toHaveLength(1);
    expect(account?.buckets[BUCKET]?.referencedBy).toHaveLength(200);
    expect(account?.buckets[BUCKET]?.roleArns).toEqual([ROLE_ARN]);

    // The dataset, the exports and the bucket's SSE-KMS default all name KEY_ARN; the trail names its own key.
    expect(Object.keys(account?.keys ?? {}).sort()).toEqual([KEY_ARN, TRAIL_KEY_ARN].sort());
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(2);
    expect(kms.commandCalls(GetKeyPolicyCommand)).toHaveLength(2);
    expect(account?.keys[KEY_ARN]?.referencedBy).toContain(`s3://${BUCKET}`);
    expect(account?.keys[TRAIL_KEY_ARN]?.referencedBy).toEqual([TRAIL_ARN]);

    expect(Object.keys(account?.roles ?? {})).toEqual([ROLE_ARN]);
    expect(account?.roles[ROLE_ARN]?.role.ok).toBe(true);
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(1);
    expect(iam.commandCalls(GetAccountSummaryCommand)).toHaveLength(1);

    // The multi-region trail shows up in both regions, but is read once, in its home region.
    expect(account?.regions.map((r) => r.trailArns)).toEqual([
      { ok: true, value: [TRAIL_ARN] },
      { ok: true, value: [TRAIL_ARN] },
    ]);
    expect(cloudtrail.commandCalls(GetTrailStatusCommand)).toHaveLength(1);
    expect(cloudtrail.commandCalls(GetEventSelectorsCommand)).toHaveLength(1);
    expect(account?.trails[TRAIL_ARN]?.status).toEqual({ ok: true, value: { isLogging: true } });
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(2);
    expect(s3control.commandCalls(GetAccountPublicAccessBlockCommand)).toHaveLength(1);
    expect(account?.s3.publicAccessBlock).toEqual({ ok: true, value: null });
    expect(account?.regions.map((r) => r.macie.session)).toEqual([
      { ok: true, value: null },
      { ok: true, value: null },
    ]);
  });

  it("reports an account whose role cannot be assumed with every slice failed, and still collects the others", async () => {
    const { factory } = factoryFor({ deny: ["210987654321"] });

    const inventory = await collectInventory({
      ...base,
      accounts: [
        { id: "210987654321", roleArn: "arn:aws:iam::210987654321:role/audit", externalId: "x" },
        { id: ACCOUNT_ID },
      ],
      regions: ["us-east-1"],
      factory,
      forecastCollector: stubForecast().collector,
    });

    const [denied, reachable] = inventory.accounts;
    const error = { code: "AccessDenied", action: "sts:AssumeRole" };
    expect(denied?.accountId).toBe("210987654321");
    expect(denied?.iam.summary).toMatchObject({ ok: false, error });
    expect(denied?.iam.authorization).toMatchObject({ ok: false, error });
    expect(denied?.s3.publicAccessBlock).toMatchObject({ ok: false, error });
    expect(denied?.regions[0]?.forecast.dataset).toMatchObject({ ok: false, error });
    expect(denied?.regions[0]?.trailArns).toMatchObject({ ok: false, error });
    expect(denied?.regions[0]?.macie.session).toMatchObject({ ok: false, error });
    expect(reachable?.accountId).toBe(ACCOUNT_ID);
    expect(reachable?.iam.summary.ok).toBe(true);
  });

  it("names the StackSet and OU when a discovered account's role cannot be assumed, and every control of it is ERROR", async () => {
    const { factory } = factoryFor({ deny: ["210987654321"] });
    const onboarding =
      "Deploy the StackSet forecast-audit-roles to OU Prod (ou-ab12-prod0001) so that role ForecastAudit exists in account 210987654321.";
    const inventory = await collectInventory({
      ...base,
      accounts: [
        {
          id: "210987654321",
          name: "shop",
          roleArn: "arn:aws:iam::210987654321:role/ForecastAudit",
          placement: { ouId: "ou-ab12-prod0001", ouPath: "Root/Prod" },
          onboarding,
        },
      ],
      regions: ["us-east-1"],
      factory,
      forecastCollector: stubForecast().collector,
    });
    const [denied] = inventory.accounts;
    expect(denied?.placement).toEqual({ ouId: "ou-ab12-prod0001", ouPath: "Root/Prod" });
    expect(denied?.iam.summary).toMatchObject({
      ok: false,
      error: { action: "sts:AssumeRole", remedy: onboarding },
    });
    const { findings } = evaluateInventory(inventory, { requireFips: false, now: NOW });
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.status).toBe("ERROR");
      expect(f.accountName).toBe("shop");
      expect(f.detail).toContain("Deploy the StackSet forecast-audit-roles to OU Prod (ou-ab12-prod0001)");
    }
  });

  it("keeps a disabled opt-in region and an SCP denial to the account and region they hit, and says which it is", async () => {
    const { factory } = factoryFor();
    const owners = new WeakMap<object, string>();
    const routed = {
      ...factory,
      async forAccount(account: AuditedAccount) {
        const clients = await factory.forAccount(account);
        const forecast = clients.forecast;
        return {
          ...clients,
          forecast: (region: string) => {
            const client = forecast(region);
            owners.set(client, account.id);
            return client;
          },
        };
      },
    };
    const SCP_ACCOUNT = "210987654321";
    const collector: ForecastCollector = async (client) => {
      const region = await client.config.region();
      if (region === "ap-east-1") {
        throw awsError(
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        );
      }
      if (owners.get(client) === SCP_ACCOUNT) {
        throw awsError(
          "AccessDeniedException",
          "User: arn:aws:sts::210987654321:assumed-role/ForecastAudit/x is not authorized to perform: forecast:ListDatasetGroups with an explicit deny in a service control policy",
          400,
        );
      }
      return forecastOf([buildDataset({ region })]);
    };
    const inventory = await collectInventory({
      ...base,
      accounts: [
        { id: ACCOUNT_ID },
        { id: SCP_ACCOUNT, roleArn: `arn:aws:iam::${SCP_ACCOUNT}:role/ForecastAudit` },
      ],
      regions: ["us-east-1", "ap-east-1"],
      factory: routed,
      forecastCollector: collector,
    });
    const { findings } = evaluateInventory(inventory, { requireFips: false, now: NOW });
    const datasets = (accountId: string, region: string) =>
      findings.filter(
        (f) =>
          f.controlId === "forecast-dataset-encrypted-with-cmk" &&
          f.accountId === accountId &&
          f.region === region,
      );
    // The healthy account and region is judged; the others are ERROR with the cause named, never PASS.
    expect(datasets(ACCOUNT_ID, "us-east-1").map((f) => f.status)).toEqual(["PASS"]);
    for (const f of [...datasets(ACCOUNT_ID, "ap-east-1"), ...datasets(SCP_ACCOUNT, "ap-east-1")]) {
      expect(f.status).toBe("ERROR");
      expect(f.detail).toContain("check that the region is enabled for the account (an opt-in region");
    }
    const [scp] = datasets(SCP_ACCOUNT, "us-east-1");
    expect(scp?.status).toBe("ERROR");
    expect(scp?.detail).toContain("denied by a service control policy of the organization");
    // Account-wide slices of both accounts are untouched by either failure.
    for (const account of inventory.accounts) expect(account.iam.summary.ok).toBe(true);
  });

  it("gives no StackSet advice when AssumeRole was only throttled: deploying a role would not help", async () => {
    const throttled = {
      async forAccount(): Promise<never> {
        throw awsError("Throttling", "Rate exceeded", 400);
      },
      currentAccount: factoryFor().factory.currentAccount,
    };
    const inventory = await collectInventory({
      ...base,
      accounts: [
        {
          id: "210987654321",
          roleArn: "arn:aws:iam::210987654321:role/ForecastAudit",
          onboarding: "Deploy it.",
        },
      ],
      regions: ["us-east-1"],
      factory: throttled,
      forecastCollector: stubForecast().collector,
    });
    const summary = inventory.accounts[0]?.iam.summary;
    expect(summary?.ok).toBe(false);
    if (summary && !summary.ok) expect(summary.error.remedy).toBeUndefined();
  });

  it("collects at most accountConcurrency accounts at once and closes each account's clients when it is done", async () => {
    const { factory } = factoryFor();
    let inFlight = 0;
    let peak = 0;
    const released: string[] = [];
    const counting = {
      ...factory,
      async forAccount(account: AuditedAccount) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        return factory.forAccount(account);
      },
      release(accountId: string) {
        inFlight -= 1;
        released.push(accountId);
      },
    };
    const ids = Array.from({ length: 10 }, (_, i) => String(300000000000 + i));
    await collectInventory({
      ...base,
      accounts: ids.map((id) => ({ id, roleArn: `arn:aws:iam::${id}:role/ForecastAudit` })),
      regions: ["us-east-1"],
      factory: counting,
      accountConcurrency: 3,
      forecastCollector: stubForecast(() => forecastOf([])).collector,
    });
    expect(peak).toBe(3);
    expect(released.sort()).toEqual(ids);
  });

  it("scans the current credentials' account when no account is configured", async () => {
    const { factory, asked } = factoryFor();

    const inventory = await collectInventory({
      ...base,
      accounts: [],
      regions: ["eu-west-1"],
      factory,
      forecastCollector: stubForecast(() => forecastOf([])).collector,
    });

    expect(asked).toEqual([{ id: ACCOUNT_ID }]);
    expect(inventory.accounts.map((a) => a.accountId)).toEqual([ACCOUNT_ID]);
    expect(inventory.collectedAt).toBe(NOW.toISOString());
    expect(inventory.accounts[0]?.buckets).toEqual({});
  });

  it("shares one limiter of the configured size among every call to a region", async () => {
    const { factory } = factoryFor();
    let running = 0;
    let peak = 0;
    let finished = 0;
    const releases: Array<() => void> = [];
    const collector: ForecastCollector = async (_client, options) => {
      const calls = Array.from({ length: 6 }, () =>
        options.limit(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise<void>((resolve) => releases.push(resolve));
          running -= 1;
          finished += 1;
        }),
      );
      // Release one held call per turn of the event loop until all six have run.
      while (finished < calls.length) {
        await new Promise((resolve) => setImmediate(resolve));
        releases.shift()?.();
      }
      await Promise.all(calls);
      return forecastOf([]);
    };

    await collectInventory({
      ...base,
      concurrency: 2,
      accounts: [{ id: ACCOUNT_ID }],
      regions: ["us-east-1"],
      factory,
      forecastCollector: collector,
    });

    expect(peak).toBe(2);
  });

  it("reports progress per phase and ends each account with done", async () => {
    const { factory } = factoryFor();
    const events: ScanProgress[] = [];

    await collectInventory({
      ...base,
      accounts: [{ id: ACCOUNT_ID }],
      regions: ["us-east-1"],
      factory,
      forecastCollector: stubForecast().collector,
      onProgress: (event) => events.push(event),
    });

    const phases = new Set(events.map((e) => e.phase));
    for (const phase of [
      "credentials",
      "forecast",
      "cloudtrail",
      "cloudtrail-events",
      "macie",
      "iam",
      "s3",
      "kms",
      "trails",
    ]) {
      expect(phases).toContain(phase);
    }
    expect(events.at(-1)).toMatchObject({ phase: "done", accountId: ACCOUNT_ID });
    const lastS3 = events.filter((e) => e.phase === "s3").at(-1);
    expect(lastS3).toMatchObject({ done: 1, total: 1 });
    for (const event of events) expect(event.done).toBeLessThanOrEqual(event.total);
  });

  it("rejects when aborted", async () => {
    const { factory } = factoryFor();
    const controller = new AbortController();
    controller.abort();
    await expect(
      collectInventory({
        ...base,
        accounts: [{ id: ACCOUNT_ID }],
        regions: ["us-east-1"],
        factory,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("the account deadline", () => {
  it("ends the collection at the deadline: what was read is kept, everything still queued or hanging is ERROR Timeout", async () => {
    const { factory } = factoryFor();
    // IAM's authorization details, the trails and the Forecast listing of predictors never answer.
    const never = () => new Promise<never>(() => {});
    iam.on(GetAccountAuthorizationDetailsCommand).callsFake(never);
    cloudtrail.on(DescribeTrailsCommand).callsFake(never);
    const collector: ForecastCollector = async (client, options) => collectForecastRegion(client, options);
    const forecast = mockClient(ForecastClient);
    forecast.onAnyCommand().resolves({});
    forecast.on(ListPredictorsCommand).callsFake(never);
    forecast.on(ListDatasetsCommand).resolves({
      Datasets: [
        { DatasetArn: `arn:aws:forecast:us-east-1:${ACCOUNT_ID}:dataset/sales`, DatasetName: "sales" },
      ],
    });
    forecast.on(DescribeDatasetCommand).resolves({});
    forecast.on(ListTagsForResourceCommand).resolves({ Tags: [] });

    const started = Date.now();
    const inventory = await collectInventory({
      ...base,
      accounts: [{ id: ACCOUNT_ID }],
      regions: ["us-east-1"],
      factory,
      forecastCollector: collector,
      deadlineMs: 300,
    });
    forecast.restore();
    expect(Date.now() - started).toBeLessThan(3_000);

    const account = inventory.accounts[0];
    const region = account?.regions[0];
    expect(region?.forecast.dataset).toMatchObject({ ok: true, value: [{ name: "sales" }] });
    expect(region?.forecast.predictor).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "forecast:ListPredictors" },
    });
    const predictorError =
      region?.forecast.predictor.ok === false ? region.forecast.predictor.error : undefined;
    expect(predictorError?.message).toMatch(
      /deadline for account 123456789012 \(scanTimeoutMinutes: 0\.01\)/,
    );
    expect(region?.trailArns).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "cloudtrail:DescribeTrails" },
    });
    expect(account?.iam.authorization).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "iam:GetAccountAuthorizationDetails" },
    });
    expect(account?.iam.summary).toMatchObject({ ok: true });
  });

  it("ends an account whose credentials never come at the deadline, as an unreachable account", async () => {
    const factory = {
      forAccount: () => new Promise<never>(() => {}),
      currentAccount: async () => ({ accountId: ACCOUNT_ID, partition: "aws", arn: "arn:aws:iam::1:user/a" }),
    };
    const inventory = await collectInventory({
      ...base,
      accounts: [{ id: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/audit` }],
      regions: ["us-east-1"],
      factory,
      deadlineMs: 100,
    });
    expect(inventory.accounts[0]?.iam.summary).toMatchObject({
      ok: false,
      error: { code: "Timeout", action: "sts:AssumeRole" },
    });
  });
});

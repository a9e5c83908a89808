/**
 * Builders for inventory in tests and benchmarks. Every builder returns a secure, internally consistent
 * default (a control over it passes) and takes overrides for the one thing a test wants to break.
 *
 *   const account = buildSecureAccount();                       // every control passes
 *   const bucket = buildBucket("data", { encryption: ok(null) }); // one bucket without default encryption
 *   const broken = withBucket(buildAccount(), bucket);
 */
import type { ControlContext, ControlSettings } from "../../src/domain/control.js";
import {
  type AccountInventory,
  type AuthorizationDetails,
  type BucketInventory,
  type BucketPolicy,
  type CredentialReportRow,
  FORECAST_RESOURCE_TYPES,
  type ForecastApiEvent,
  type ForecastInventory,
  type ForecastResource,
  type ForecastResourceConfig,
  type ForecastResourceType,
  type IamInventory,
  type IamPrincipal,
  INVENTORY_SCHEMA_VERSION,
  type Inventory,
  type KeyInventory,
  type KeyMetadata,
  type MacieInventory,
  type PublicAccessBlock,
  type RegionInventory,
  type RoleInventory,
  type Tag,
  type TrailInventory,
} from "../../src/domain/inventory.js";
import type { PolicyDocument, PolicyStatement } from "../../src/domain/policy-document.js";
import { type CollectError, failed, ok, type Slice } from "../../src/domain/result.js";

export { failed, ok };

export const ACCOUNT_ID = "123456789012";
export const PARTITION = "aws";
export const REGION = "us-east-1";
/** The fixed "now" of `buildSettings()`: tests never depend on the clock. */
export const NOW = new Date("2024-06-01T12:00:00.000Z");

export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY_ARN = keyArn(KEY_ID);
export const TRAIL_KEY_ARN = keyArn("0987dcba-09fe-87dc-65ba-ab0987654321");
export const ROLE_ARN = roleArn("ForecastAccessRole");
export const BUCKET = "forecast-data-123456789012";
export const TRAIL_NAME = "management-events";
export const TRAIL_ARN = `arn:${PARTITION}:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/${TRAIL_NAME}`;

// ---------------------------------------------------------------------------------------------------
// Errors and settings

/** A denied call, as a collector records it. */
export function deniedError(action: string, code = "AccessDeniedException"): CollectError {
  return { code, message: `User is not authorized to perform: ${action}`, action };
}

/** A failed slice for a denied call. */
export function denied<T = never>(action: string, code?: string): Slice<T> {
  return failed(deniedError(action, code));
}

/** A failed slice for a throttled call. */
export function throttled<T = never>(action: string): Slice<T> {
  return failed({ code: "ThrottlingException", message: "Rate exceeded", action });
}

export function buildSettings(overrides: Partial<ControlSettings> = {}): ControlSettings {
  return { requireFips: false, now: NOW, ...overrides };
}

export function buildContext(
  account: AccountInventory = buildAccount(),
  settings: Partial<ControlSettings> = {},
): ControlContext {
  return { account, settings: buildSettings(settings) };
}

export function daysBefore(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * 86_400_000).toISOString();
}

// ---------------------------------------------------------------------------------------------------
// ARNs

export function keyArn(keyId: string, region = REGION, accountId = ACCOUNT_ID): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:key/${keyId}`;
}

export function roleArn(name: string, accountId = ACCOUNT_ID): string {
  return `arn:${PARTITION}:iam::${accountId}:role/${name}`;
}

export function userArn(name: string, accountId = ACCOUNT_ID): string {
  return `arn:${PARTITION}:iam::${accountId}:user/${name}`;
}

export function groupArn(name: string, accountId = ACCOUNT_ID): string {
  return `arn:${PARTITION}:iam::${accountId}:group/${name}`;
}

export function awsManagedPolicyArn(name: string): string {
  return `arn:${PARTITION}:iam::aws:policy/${name}`;
}

export function trailArn(name: string, region = REGION, accountId = ACCOUNT_ID): string {
  return `arn:${PARTITION}:cloudtrail:${region}:${accountId}:trail/${name}`;
}

const ARN_SEGMENT: Record<ForecastResourceType, string> = {
  "dataset-group": "dataset-group",
  dataset: "dataset",
  "dataset-import-job": "dataset-import-job",
  predictor: "predictor",
  "predictor-backtest-export-job": "predictor-backtest-export-job",
  forecast: "forecast",
  "forecast-export-job": "forecast-export-job",
  explainability: "explainability",
  "explainability-export": "explainability-export",
  "what-if-analysis": "what-if-analysis",
  "what-if-forecast": "what-if-forecast",
  "what-if-forecast-export": "what-if-forecast-export",
  monitor: "monitor",
};

export function forecastArn(type: ForecastResourceType, name: string, region = REGION): string {
  return `arn:${PARTITION}:forecast:${region}:${ACCOUNT_ID}:${ARN_SEGMENT[type]}/${name}`;
}

// ---------------------------------------------------------------------------------------------------
// Forecast

export const EXPORT_TYPES = [
  "forecast-export-job",
  "predictor-backtest-export-job",
  "explainability-export",
  "what-if-forecast-export",
] as const satisfies readonly ForecastResourceType[];

export interface ForecastResourceOptions {
  name?: string;
  region?: string;
  arn?: string;
  status?: string;
  parentArn?: string;
  /** The tags, or the tags slice (e.g. `denied("forecast:ListTagsForResource")`). */
  tags?: Tag[] | Slice<Tag[]>;
  /** Fields merged over the type's secure default config, or the whole config slice. */
  config?: Partial<ForecastResourceConfig> | Slice<ForecastResourceConfig>;
}

function isSlice<T>(value: unknown): value is Slice<T> {
  return typeof value === "object" && value !== null && "ok" in value;
}

/** The secure default config of a resource type: encrypted with `KEY_ARN`, S3 paths in `BUCKET`. */
export function defaultForecastConfig(type: ForecastResourceType, name: string): ForecastResourceConfig {
  switch (type) {
    case "dataset":
      return { kmsKeyArn: KEY_ARN, encryptionRoleArn: ROLE_ARN, s3: [] };
    case "predictor":
      return { kmsKeyArn: KEY_ARN, encryptionRoleArn: ROLE_ARN, s3: [], isAutoPredictor: true };
    case "dataset-import-job":
      return { s3: [{ path: `s3://${BUCKET}/input/${name}/`, roleArn: ROLE_ARN, usage: "source" }] };
    case "forecast-export-job":
    case "predictor-backtest-export-job":
    case "explainability-export":
    case "what-if-forecast-export":
      return {
        s3: [
          {
            path: `s3://${BUCKET}/exports/${name}/`,
            roleArn: ROLE_ARN,
            kmsKeyArn: KEY_ARN,
            usage: "destination",
          },
        ],
      };
    default:
      return { s3: [] };
  }
}

export function buildForecastResource(
  type: ForecastResourceType,
  options: ForecastResourceOptions = {},
): ForecastResource {
  const name = options.name ?? `retail_${type.replaceAll("-", "_")}`;
  const region = options.region ?? REGION;
  const config = isSlice<ForecastResourceConfig>(options.config)
    ? options.config
    : ok({ ...defaultForecastConfig(type, name), ...options.config });
  const tags = options.tags === undefined ? ok([{ key: "team", value: "demand-planning" }]) : options.tags;
  const resource: ForecastResource = {
    type,
    arn: options.arn ?? forecastArn(type, name, region),
    name,
    status: options.status ?? "ACTIVE",
    tags: isSlice<Tag[]>(tags) ? tags : ok(tags),
    config,
  };
  if (options.parentArn !== undefined) resource.parentArn = options.parentArn;
  return resource;
}

export const buildDataset = (options: ForecastResourceOptions = {}) =>
  buildForecastResource("dataset", options);
export const buildPredictor = (options: ForecastResourceOptions = {}) =>
  buildForecastResource("predictor", options);
export const buildImportJob = (options: ForecastResourceOptions = {}) =>
  buildForecastResource("dataset-import-job", options);
export const buildExportJob = (
  options: ForecastResourceOptions = {},
  type: (typeof EXPORT_TYPES)[number] = "forecast-export-job",
) => buildForecastResource(type, options);

/** Every type listed, with no resources. */
export function emptyForecast(): ForecastInventory {
  return Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, ok([])])) as ForecastInventory;
}

/** Resources sorted into their type's listing. */
export function forecastOf(resources: readonly ForecastResource[]): ForecastInventory {
  const forecast = emptyForecast();
  for (const resource of resources) {
    const listing = forecast[resource.type];
    if (listing.ok) listing.value.push(resource);
  }
  return forecast;
}

export function buildApiEvent(overrides: Partial<ForecastApiEvent> = {}): ForecastApiEvent {
  return {
    eventId: "5f1a2b3c-0000-4000-8000-000000000001",
    eventName: "DescribeDataset",
    eventTime: daysBefore(1),
    tlsVersion: "TLSv1.3",
    hostHeader: `forecast.${REGION}.amazonaws.com`,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// Regions, CloudTrail, Macie

export function buildMacie(overrides: Partial<MacieInventory> = {}): MacieInventory {
  return {
    session: ok({ status: "ENABLED" }),
    automatedDiscovery: ok({ status: "ENABLED" }),
    classificationJobs: ok([]),
    ...overrides,
  };
}

/** Macie never enabled in the region. */
export function macieOff(): MacieInventory {
  return { session: ok(null), automatedDiscovery: ok(null), classificationJobs: ok([]) };
}

export interface RegionOptions extends Partial<Omit<RegionInventory, "region">> {
  /** Forecast resources to list in this region (ignored when `forecast` is given). */
  resources?: readonly ForecastResource[];
  /** Forecast API events (ignored when `forecastApiEvents` is given). */
  events?: readonly ForecastApiEvent[];
}

export function buildRegion(region = REGION, options: RegionOptions = {}): RegionInventory {
  const { resources, events, ...rest } = options;
  return {
    region,
    forecast: forecastOf(resources ?? []),
    trailArns: ok([TRAIL_ARN]),
    forecastApiEvents: ok({ since: daysBefore(7), truncated: false, events: [...(events ?? [])] }),
    macie: buildMacie(),
    ...rest,
  };
}

export function buildTrail(overrides: Partial<TrailInventory> = {}): TrailInventory {
  const name = overrides.name ?? TRAIL_NAME;
  const homeRegion = overrides.homeRegion ?? REGION;
  return {
    arn: trailArn(name, homeRegion),
    name,
    homeRegion,
    isMultiRegion: true,
    isOrganizationTrail: false,
    logFileValidationEnabled: true,
    kmsKeyId: TRAIL_KEY_ARN,
    s3BucketName: `cloudtrail-logs-${ACCOUNT_ID}`,
    status: ok({ isLogging: true }),
    selectors: ok({ managementEvents: "All" }),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// S3

export const ALL_BLOCKED: PublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

export const NONE_BLOCKED: PublicAccessBlock = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

export function bucketPolicyOf(document: PolicyDocument): BucketPolicy {
  return { text: JSON.stringify(document), document };
}

export function denyInsecureTransport(bucket: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:${PARTITION}:s3:::${bucket}`, `arn:${PARTITION}:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function denyOldTls(bucket: string): PolicyStatement {
  return {
    Sid: "DenyTlsBelow12",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:${PARTITION}:s3:::${bucket}`, `arn:${PARTITION}:s3:::${bucket}/*`],
    Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
  };
}

/** A bucket policy that denies plain HTTP and TLS below 1.2 on the bucket and its objects. */
export function tlsBucketPolicy(bucket: string): BucketPolicy {
  return bucketPolicyOf({
    Version: "2012-10-17",
    Statement: [denyInsecureTransport(bucket), denyOldTls(bucket)],
  });
}

export function buildBucket(
  name = BUCKET,
  overrides: Partial<Omit<BucketInventory, "name">> = {},
): BucketInventory {
  return {
    name,
    region: ok(REGION),
    encryption: ok({ algorithm: "aws:kms", kmsKeyId: KEY_ARN, bucketKeyEnabled: true }),
    policy: ok(tlsBucketPolicy(name)),
    publicAccessBlock: ok({ ...ALL_BLOCKED }),
    referencedBy: [],
    roleArns: [ROLE_ARN],
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// KMS

export function buildKeyMetadata(overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  const arn = overrides.arn ?? KEY_ARN;
  return {
    keyId: arn.slice(arn.lastIndexOf("/") + 1),
    arn,
    keyManager: "CUSTOMER",
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
    keyState: "Enabled",
    enabled: true,
    origin: "AWS_KMS",
    multiRegion: false,
    ...overrides,
  };
}

/** The default key policy: the account root may administer the key, nobody else. */
export function accountRootKeyPolicy(accountId = ACCOUNT_ID): PolicyDocument {
  return {
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:${PARTITION}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

export interface KeyOptions extends Partial<Omit<KeyInventory, "metadata">> {
  /** The metadata slice, or fields merged over a secure customer-managed key. */
  metadata?: Partial<KeyMetadata> | Slice<KeyMetadata>;
}

/** A customer-managed symmetric key, enabled, rotating, with the default key policy. */
export function buildKey(ref = KEY_ARN, options: KeyOptions = {}): KeyInventory {
  const { metadata, ...rest } = options;
  const region = ref.startsWith("arn:") ? (ref.split(":")[3] ?? REGION) : REGION;
  const arn = ref.startsWith("arn:") && ref.includes(":key/") ? ref : KEY_ARN;
  return {
    ref,
    region,
    metadata: isSlice<KeyMetadata>(metadata) ? metadata : ok(buildKeyMetadata({ arn, ...metadata })),
    rotation: ok({ enabled: true, rotationPeriodInDays: 365 }),
    policy: ok(accountRootKeyPolicy()),
    referencedBy: [],
    ...rest,
  };
}

/** An AWS managed key (`aws/s3`, `aws/forecast` …): no rotation or policy fetched. */
export function buildAwsManagedKey(ref: string, options: KeyOptions = {}): KeyInventory {
  const arn = ref.includes(":key/") ? ref : keyArn("a0a0a0a0-b1b1-c2c2-d3d3-e4e4e4e4e4e4");
  return buildKey(ref, {
    rotation: ok(null),
    policy: ok(null),
    ...options,
    metadata: isSlice<KeyMetadata>(options.metadata)
      ? options.metadata
      : ok(buildKeyMetadata({ arn, keyManager: "AWS", ...options.metadata })),
  });
}

// ---------------------------------------------------------------------------------------------------
// IAM

export function forecastTrustPolicy(accountId = ACCOUNT_ID): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "forecast.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** What a Forecast role needs: its bucket and its key, nothing more. */
export function forecastRolePolicy(bucket = BUCKET, key = KEY_ARN): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        Resource: [`arn:${PARTITION}:s3:::${bucket}`, `arn:${PARTITION}:s3:::${bucket}/*`],
      },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
    ],
  };
}

export function buildPrincipal(
  kind: IamPrincipal["kind"],
  name: string,
  overrides: Partial<Omit<IamPrincipal, "kind">> = {},
): IamPrincipal {
  const arn = kind === "user" ? userArn(name) : kind === "group" ? groupArn(name) : roleArn(name);
  const principal: IamPrincipal = { kind, arn, name, inlinePolicies: [], attachedPolicies: [], ...overrides };
  if (kind === "user" && principal.groups === undefined) principal.groups = [];
  return principal;
}

/** The IAM view of a Forecast role: trusts Forecast with a source condition, reaches one bucket and key. */
export function buildForecastRolePrincipal(
  arn = ROLE_ARN,
  overrides: Partial<IamPrincipal> = {},
): IamPrincipal {
  return buildPrincipal("role", arn.slice(arn.lastIndexOf("/") + 1), {
    arn,
    trustPolicy: forecastTrustPolicy(),
    inlinePolicies: [{ name: "forecast-data-access", document: forecastRolePolicy() }],
    ...overrides,
  });
}

export interface RoleOptions extends Partial<Omit<RoleInventory, "arn" | "role">> {
  /** The role slice, or fields merged over a secure Forecast role. */
  role?: Partial<IamPrincipal> | Slice<IamPrincipal>;
}

export function buildRole(arn = ROLE_ARN, options: RoleOptions = {}): RoleInventory {
  const { role, ...rest } = options;
  return {
    arn,
    role: isSlice<IamPrincipal>(role) ? role : ok(buildForecastRolePrincipal(arn, role)),
    referencedBy: [],
    ...rest,
  };
}

export function buildRootRow(overrides: Partial<CredentialReportRow> = {}): CredentialReportRow {
  return {
    user: "<root_account>",
    arn: `arn:${PARTITION}:iam::${ACCOUNT_ID}:root`,
    passwordEnabled: true,
    passwordLastUsed: daysBefore(400),
    mfaActive: true,
    accessKey1Active: false,
    accessKey2Active: false,
    ...overrides,
  };
}

export function buildUserRow(
  name: string,
  overrides: Partial<CredentialReportRow> = {},
): CredentialReportRow {
  return {
    user: name,
    arn: userArn(name),
    passwordEnabled: true,
    passwordLastUsed: daysBefore(2),
    mfaActive: true,
    accessKey1Active: false,
    accessKey2Active: false,
    ...overrides,
  };
}

export function buildAuthorization(overrides: Partial<AuthorizationDetails> = {}): AuthorizationDetails {
  return { principals: [], managedPolicies: {}, ...overrides };
}

export function buildIam(overrides: Partial<IamInventory> = {}): IamInventory {
  return {
    summary: ok({ accountMfaEnabled: true, accountAccessKeysPresent: false, users: 1 }),
    credentialReport: ok({ generatedAt: daysBefore(0), rows: [buildRootRow()] }),
    authorization: ok(buildAuthorization()),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// Accounts

/**
 * An account with secure account-level settings (root MFA, Block Public Access, a logging multi-region
 * trail, Macie on) and nothing of Forecast in it. Add resources with the `with*` helpers.
 */
export function buildAccount(overrides: Partial<AccountInventory> = {}): AccountInventory {
  return {
    accountId: ACCOUNT_ID,
    partition: PARTITION,
    regions: [buildRegion()],
    iam: buildIam(),
    s3: { publicAccessBlock: ok({ ...ALL_BLOCKED }) },
    buckets: {},
    keys: {},
    roles: {},
    trails: { [TRAIL_ARN]: buildTrail() },
    ...overrides,
  };
}

/** Adds resources to a region's listings (the region is created when the account does not have it). */
export function withResources(
  account: AccountInventory,
  resources: readonly ForecastResource[],
  region = REGION,
): AccountInventory {
  const regions = account.regions.some((r) => r.region === region)
    ? account.regions
    : [...account.regions, buildRegion(region)];
  return {
    ...account,
    regions: regions.map((r) => {
      if (r.region !== region) return r;
      const forecast = { ...r.forecast };
      for (const resource of resources) {
        const listing = forecast[resource.type];
        if (listing.ok) forecast[resource.type] = ok([...listing.value, resource]);
      }
      return { ...r, forecast };
    }),
  };
}

/** Replaces (or adds) one region, merging `options` over what is there. */
export function withRegion(
  account: AccountInventory,
  region: string,
  options: RegionOptions = {},
): AccountInventory {
  const existing = account.regions.find((r) => r.region === region);
  const { resources, events, ...rest } = options;
  const base = existing ?? buildRegion(region);
  const next: RegionInventory = {
    ...base,
    ...(resources ? { forecast: forecastOf(resources) } : {}),
    ...(events
      ? { forecastApiEvents: ok({ since: daysBefore(7), truncated: false, events: [...events] }) }
      : {}),
    ...rest,
  };
  return {
    ...account,
    regions: existing
      ? account.regions.map((r) => (r.region === region ? next : r))
      : [...account.regions, next],
  };
}

export function withBucket(account: AccountInventory, ...buckets: BucketInventory[]): AccountInventory {
  return {
    ...account,
    buckets: { ...account.buckets, ...Object.fromEntries(buckets.map((b) => [b.name, b])) },
  };
}

/** Adds keys under their `ref` (which must already be the normalised ARN form). */
export function withKey(account: AccountInventory, ...keys: KeyInventory[]): AccountInventory {
  return { ...account, keys: { ...account.keys, ...Object.fromEntries(keys.map((k) => [k.ref, k])) } };
}

/** `buildAccount()` holding the one bucket `BUCKET`, built with `overrides`. */
export function accountWithBucket(overrides: Partial<Omit<BucketInventory, "name">> = {}): AccountInventory {
  return withBucket(buildAccount(), buildBucket(BUCKET, overrides));
}

/** `buildAccount()` holding the one key `KEY_ARN`, built with `options`. */
export function accountWithKey(options: KeyOptions = {}): AccountInventory {
  return withKey(buildAccount(), buildKey(KEY_ARN, options));
}

export function withRole(account: AccountInventory, ...roles: RoleInventory[]): AccountInventory {
  return { ...account, roles: { ...account.roles, ...Object.fromEntries(roles.map((r) => [r.arn, r])) } };
}

export function withTrail(account: AccountInventory, ...trails: TrailInventory[]): AccountInventory {
  return { ...account, trails: { ...account.trails, ...Object.fromEntries(trails.map((t) => [t.arn, t])) } };
}

export function withIam(account: AccountInventory, overrides: Partial<IamInventory>): AccountInventory {
  return { ...account, iam: { ...account.iam, ...overrides } };
}

/** The Forecast resources of a typical pipeline, all encrypted and writing into `BUCKET`. */
export function buildForecastPipeline(region = REGION): ForecastResource[] {
  const group = buildForecastResource("dataset-group", { name: "retail_demand", region });
  const dataset = buildDataset({ name: "retail_sales", region, parentArn: group.arn });
  return [
    group,
    dataset,
    buildImportJob({ name: "retail_sales_import", region, parentArn: dataset.arn }),
    buildPredictor({ name: "retail_predictor", region, parentArn: group.arn }),
    buildForecastResource("forecast", { name: "retail_forecast", region }),
    buildExportJob({ name: "retail_forecast_export", region }),
  ];
}

/**
 * An account where every control of the catalog passes (and each yields a finding): a Forecast pipeline,
 * its bucket, key and role, the trail's key, a console user with MFA, and one recorded Forecast API call
 * over TLS 1.3 to the FIPS endpoint.
 */
export function buildSecureAccount(): AccountInventory {
  const resources = buildForecastPipeline();
  const arns = resources.map((r) => r.arn);
  let account = withResources(buildAccount(), resources);
  account = withBucket(account, buildBucket(BUCKET, { referencedBy: arns.slice(2) }));
  account = withKey(
    account,
    buildKey(KEY_ARN, { referencedBy: [...arns, `s3://${BUCKET}`] }),
    buildKey(TRAIL_KEY_ARN, { metadata: { arn: TRAIL_KEY_ARN }, referencedBy: [TRAIL_ARN] }),
  );
  account = withRole(account, buildRole(ROLE_ARN, { referencedBy: arns }));
  account = withRegion(account, REGION, {
    events: [buildApiEvent({ hostHeader: `forecast-fips.${REGION}.amazonaws.com` })],
  });
  return withIam(account, {
    credentialReport: ok({ generatedAt: daysBefore(0), rows: [buildRootRow(), buildUserRow("alice")] }),
    authorization: ok(
      buildAuthorization({ principals: [buildForecastRolePrincipal(), buildPrincipal("user", "alice")] }),
    ),
  });
}

/**
 * An account where every control of the catalog has something to fail on. `untrusted` becomes an import
 * job name and an IAM user name, so tests can check that such text is masked wherever it appears.
 */
export function buildInsecureAccount(untrusted = "retail"): AccountInventory {
  const tags = [{ key: "owner", value: "<!channel> john@example.com" }];
  const plainDestination = {
    path: `s3://${BUCKET}/exports/?token=abc123`,
    roleArn: ROLE_ARN,
    usage: "destination" as const,
  };
  let account = withResources(buildAccount(), [
    buildDataset({ name: "jdoe_gmail_com", tags, config: ok({ s3: [] }) }),
    buildPredictor({ tags, config: ok({ s3: [] }) }),
    buildExportJob({ tags, config: ok({ s3: [plainDestination] }) }),
    buildImportJob({ name: untrusted, tags }),
  ]);
  account = withBucket(
    { ...account, s3: { publicAccessBlock: ok(NONE_BLOCKED) } },
    buildBucket(BUCKET, {
      encryption: ok({ algorithm: "AES256", bucketKeyEnabled: false }),
      policy: ok(null),
      publicAccessBlock: ok(null),
    }),
  );
  account = withKey(
    account,
    buildKey(KEY_ARN, {
      metadata: { keySpec: "RSA_2048", keyState: "PendingDeletion", enabled: false },
      rotation: ok({ enabled: false }),
      policy: ok({
        Statement: [{ Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
      }),
    }),
  );
  account = withRole(
    account,
    buildRole(ROLE_ARN, {
      role: {
        trustPolicy: {
          Statement: [
            { Effect: "Allow", Principal: { Service: "forecast.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        },
        attachedPolicies: [{ arn: awsManagedPolicyArn("AmazonS3FullAccess"), name: "AmazonS3FullAccess" }],
      },
    }),
  );
  const { kmsKeyId: _omitted, ...trail } = buildTrail({ logFileValidationEnabled: false });
  account = {
    ...account,
    trails: { [TRAIL_ARN]: trail },
    iam: buildIam({
      summary: ok({ accountMfaEnabled: false, accountAccessKeysPresent: true, users: 2 }),
      credentialReport: ok({
        generatedAt: daysBefore(0),
        rows: [
          buildRootRow({ passwordLastUsed: daysBefore(3) }),
          buildUserRow(untrusted, { mfaActive: false }),
        ],
      }),
      authorization: ok(
        buildAuthorization({
          principals: [
            buildPrincipal("user", untrusted, {
              attachedPolicies: [
                { arn: awsManagedPolicyArn("AmazonForecastFullAccess"), name: "AmazonForecastFullAccess" },
              ],
            }),
          ],
        }),
      ),
    }),
  };
  account = withRegion(account, "us-east-1", {
    macie: macieOff(),
    events: [buildApiEvent({ tlsVersion: "TLSv1.1", hostHeader: "forecast.us-east-1.amazonaws.com" })],
  });
  return withRegion(account, "eu-west-1", { trailArns: ok([]), macie: macieOff() });
}

export function buildInventory(...accounts: AccountInventory[]): Inventory {
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    collectedAt: NOW.toISOString(),
    accounts: accounts.length > 0 ? accounts : [buildSecureAccount()],
  };
}

/**
 * The typed inventory that collectors fill and controls read. Plain JSON-serialisable data, so that
 * `forecast-audit collect --out FILE` can save it and `scan --inventory FILE` can evaluate it later.
 *
 * Every piece that comes from one AWS call is a `Slice`: the data, or the error with the IAM action that
 * failed. Buckets, keys and roles are shared per account and keyed, so each is fetched once per scan.
 */
import type { OrgPlacement } from "./accounts.js";
import type { PolicyDocument } from "./policy-document.js";
import type { Slice } from "./result.js";

export const INVENTORY_SCHEMA_VERSION = 1;

export interface Inventory {
  schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
  /** ISO-8601 time the collection started. */
  collectedAt: string;
  accounts: AccountInventory[];
}

export interface AccountInventory {
  accountId: string;
  /** Friendly name from the config, else the organization's account name, when one is known. */
  name?: string;
  /** Where the account sits in its organization, when it was discovered there. */
  placement?: OrgPlacement;
  /** `aws`, `aws-us-gov`, `aws-cn`. */
  partition: string;
  regions: RegionInventory[];
  iam: IamInventory;
  s3: S3AccountInventory;
  /** Every bucket named in any Forecast S3 path of this account, by bucket name. */
  buckets: Record<string, BucketInventory>;
  /** Every KMS key referenced (Forecast `KMSKeyArn`, a bucket's SSE-KMS default, a trail's key), by the ARN as referenced. */
  keys: Record<string, KeyInventory>;
  /** Every IAM role that Forecast is given (`RoleArn`), by role ARN. */
  roles: Record<string, RoleInventory>;
  /** CloudTrail trails seen in any region, by trail ARN; status and selectors fetched once per trail. */
  trails: Record<string, TrailInventory>;
}

export interface RegionInventory {
  region: string;
  forecast: ForecastInventory;
  /** ARNs of the trails that `DescribeTrails` (with shadow trails) lists in this region. */
  trailArns: Slice<string[]>;
  /** Forecast API calls recorded by CloudTrail `LookupEvents` in the look-back window. */
  forecastApiEvents: Slice<ForecastApiEvents>;
  macie: MacieInventory;
}

// ---------------------------------------------------------------------------------------------------
// Forecast

export const FORECAST_RESOURCE_TYPES = [
  "dataset-group",
  "dataset",
  "dataset-import-job",
  "predictor",
  "predictor-backtest-export-job",
  "forecast",
  "forecast-export-job",
  "explainability",
  "explainability-export",
  "what-if-analysis",
  "what-if-forecast",
  "what-if-forecast-export",
  "monitor",
] as const;
export type ForecastResourceType = (typeof FORECAST_RESOURCE_TYPES)[number];

/** What a resource can point at: an S3 bucket (`S3Config.Path`), a KMS key (`KMSKeyArn`), an IAM role (`RoleArn`). */
export type ReferenceKind = "bucket" | "key" | "role";

/**
 * What each resource type's configuration can reference, as the collector reads it (`S3Config` carries a
 * bucket, a role and optionally a key; `EncryptionConfig` a key and a role). A failed listing or `Describe*`
 * of a type leaves these kinds of referenced resources possibly unseen.
 */
export const FORECAST_REFERENCES: Readonly<Record<ForecastResourceType, readonly ReferenceKind[]>> = {
  "dataset-group": [],
  dataset: ["key", "role"],
  "dataset-import-job": ["bucket", "key", "role"],
  predictor: ["key", "role"],
  "predictor-backtest-export-job": ["bucket", "key", "role"],
  forecast: ["bucket", "key", "role"],
  "forecast-export-job": ["bucket", "key", "role"],
  explainability: ["bucket", "key", "role"],
  "explainability-export": ["bucket", "key", "role"],
  "what-if-analysis": ["bucket", "key", "role"],
  "what-if-forecast": ["bucket", "key", "role"],
  "what-if-forecast-export": ["bucket", "key", "role"],
  monitor: [],
};

/** The types whose configuration can carry an S3 path (an `S3Config`). */
export const S3_PATH_TYPES: readonly ForecastResourceType[] = FORECAST_RESOURCE_TYPES.filter((type) =>
  FORECAST_REFERENCES[type].includes("bucket"),
);

/** One `List*` result per resource type: the resources, or why the listing failed. */
export type ForecastInventory = Record<ForecastResourceType, Slice<ForecastResource[]>>;

export interface Tag {
  key: string;
  value: string;
}

/** Where a resource reads from or writes to S3 (an `S3Config`). */
export interface S3Location {
  /** `s3://bucket/prefix`, as configured. */
  path: string;
  roleArn: string;
  /** `S3Config.KMSKeyArn`, when set. */
  kmsKeyArn?: string;
  /** `source` for imports and inputs, `destination` for exports. */
  usage: "source" | "destination";
}

/** What a resource's `Describe*` call (or, where it carries them, its `List*` summary) says. */
export interface ForecastResourceConfig {
  /** `EncryptionConfig.KMSKeyArn` (datasets, predictors, auto predictors). */
  kmsKeyArn?: string;
  /** `EncryptionConfig.RoleArn`. */
  encryptionRoleArn?: string;
  /** Every `S3Config` the resource carries. */
  s3: S3Location[];
  /** Predictors only: whether it is an AutoPredictor. */
  isAutoPredictor?: boolean;
}

export interface ForecastResource {
  type: ForecastResourceType;
  arn: string;
  name: string;
  status?: string;
  /** The ARN of the resource it belongs to (dataset group, predictor, forecast, what-if analysis …). */
  parentArn?: string;
  /** Predictors only: whether the listing says it is an AutoPredictor (known even when its Describe fails). */
  autoPredictor?: boolean;
  tags: Slice<Tag[]>;
  config: Slice<ForecastResourceConfig>;
}

/** Forecast API calls recorded by CloudTrail, reduced to what the transport controls read. */
export interface ForecastApiEvents {
  /** Start of the look-back window, ISO-8601. */
  since: string;
  /** True when the collector stopped at its event cap before reaching `since`. */
  truncated: boolean;
  events: ForecastApiEvent[];
}

export interface ForecastApiEvent {
  eventId: string;
  eventName: string;
  eventTime: string;
  /** `tlsDetails.tlsVersion`, e.g. `TLSv1.2`; absent when CloudTrail recorded none. */
  tlsVersion?: string;
  /** `tlsDetails.clientProvidedHostHeader`, e.g. `forecast-fips.us-east-1.amazonaws.com`. */
  hostHeader?: string;
  /** The caller's ARN, when recorded. */
  principalArn?: string;
}

// ---------------------------------------------------------------------------------------------------
// S3

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface S3AccountInventory {
  /** S3 Control `GetPublicAccessBlock`; `null` when none is configured. */
  publicAccessBlock: Slice<PublicAccessBlock | null>;
}

export type SseAlgorithm = "AES256" | "aws:kms" | "aws:kms:dsse" | (string & {});

export interface BucketEncryption {
  algorithm: SseAlgorithm;
  /** `KMSMasterKeyID` as configured (key id, key ARN or alias); absent means the AWS managed `aws/s3` key. */
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

export interface BucketPolicy {
  /** The document exactly as returned, so that a fix can append to it and a revert can restore it. */
  text: string;
  document: PolicyDocument;
}

export interface BucketInventory {
  name: string;
  /** `GetBucketLocation`, normalised (`us-east-1` for the empty constraint). */
  region: Slice<string>;
  /** `null` when the bucket has no default encryption configuration. */
  encryption: Slice<BucketEncryption | null>;
  /** `null` when the bucket has no policy. */
  policy: Slice<BucketPolicy | null>;
  /** `null` when the bucket has no Block Public Access configuration. */
  publicAccessBlock: Slice<PublicAccessBlock | null>;
  /** ARNs of the Forecast resources whose S3 paths name this bucket. */
  referencedBy: string[];
  /** Role ARNs that Forecast uses to reach this bucket. */
  roleArns: string[];
}

// ---------------------------------------------------------------------------------------------------
// KMS

export interface KeyMetadata {
  keyId: string;
  arn: string;
  keyManager: "CUSTOMER" | "AWS" | (string & {});
  keySpec: string;
  keyUsage: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, … */
  keyState: string;
  enabled: boolean;
  deletionDate?: string;
  origin?: string;
  multiRegion?: boolean;
}

export interface KeyRotation {
  enabled: boolean;
  rotationPeriodInDays?: number;
}

export interface KeyInventory {
  /** The ARN (or alias ARN) as referenced. */
  ref: string;
  region: string;
  metadata: Slice<KeyMetadata>;
  /** Only fetched for customer-managed symmetric keys; `null` when not applicable. */
  rotation: Slice<KeyRotation | null>;
  /** The `default` key policy; `null` when not fetched because the key is not customer managed. */
  policy: Slice<PolicyDocument | null>;
  /** The `default` key policy exactly as `GetKeyPolicy` returned it, when collected: a fix appends to it, a revert restores it. */
  policyText?: string;
  /** What references this key: Forecast resource ARNs, `s3://bucket`, or trail ARNs. */
  referencedBy: string[];
}

// ---------------------------------------------------------------------------------------------------
// IAM

export interface AccountSummary {
  accountMfaEnabled: boolean;
  accountAccessKeysPresent: boolean;
  users: number;
}

/** One row of the IAM credential report; dates are ISO-8601 or absent (`N/A`, `no_information`, `not_supported`). */
export interface CredentialReportRow {
  user: string;
  arn: string;
  passwordEnabled: boolean;
  passwordLastUsed?: string;
  mfaActive: boolean;
  accessKey1Active: boolean;
  accessKey1LastUsed?: string;
  accessKey2Active: boolean;
  accessKey2LastUsed?: string;
}

export interface CredentialReport {
  generatedAt: string;
  rows: CredentialReportRow[];
}

export interface AttachedPolicy {
  arn: string;
  name: string;
}

export interface InlinePolicy {
  name: string;
  document: PolicyDocument;
}

export interface IamPrincipal {
  kind: "user" | "group" | "role";
  arn: string;
  name: string;
  inlinePolicies: InlinePolicy[];
  attachedPolicies: AttachedPolicy[];
  /** Users only: the groups it belongs to. */
  groups?: string[];
  /** Roles only. */
  trustPolicy?: PolicyDocument;
}

export interface ManagedPolicy {
  arn: string;
  name: string;
  /** The default version's document. */
  document: PolicyDocument;
}

/** `GetAccountAuthorizationDetails` (users, groups, roles, customer managed policies). */
export interface AuthorizationDetails {
  principals: IamPrincipal[];
  /** Customer managed policies, by ARN. AWS managed policies are judged by name. */
  managedPolicies: Record<string, ManagedPolicy>;
}

export interface IamInventory {
  summary: Slice<AccountSummary>;
  credentialReport: Slice<CredentialReport>;
  authorization: Slice<AuthorizationDetails>;
}

/** A role that Forecast is given, read from the authorization details. */
export interface RoleInventory {
  arn: string;
  /** The role as IAM describes it; an error when it is not in the account or could not be read. */
  role: Slice<IamPrincipal>;
  /** ARNs of the Forecast resources that pass this role. */
  referencedBy: string[];
}

// ---------------------------------------------------------------------------------------------------
// CloudTrail

export interface TrailEventSelectors {
  /** Management events as the trail records them: `All`, `ReadOnly`, `WriteOnly`, or `None`. */
  managementEvents: "All" | "ReadOnly" | "WriteOnly" | "None";
  /**
   * The selectors exactly as `GetEventSelectors` returned them, when collected (one of the two is set): a fix
   * that adds management events keeps every existing selector, so it needs them all.
   */
  eventSelectors?: Record<string, unknown>[];
  advancedEventSelectors?: Record<string, unknown>[];
}

export interface TrailInventory {
  arn: string;
  name: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  s3BucketName?: string;
  /** `GetTrailStatus` by ARN. */
  status: Slice<{ isLogging: boolean }>;
  /** `GetEventSelectors` by ARN (basic or advanced selectors, reduced). */
  selectors: Slice<TrailEventSelectors>;
}

// ---------------------------------------------------------------------------------------------------
// Macie

export interface MacieClassificationJob {
  jobId: string;
  name: string;
  status: string;
  jobType: string;
  /** Buckets named explicitly, as `account/bucket`; criteria-based jobs set `matchesByCriteria`. */
  buckets: string[];
  matchesByCriteria: boolean;
}

export interface MacieInventory {
  /** `GetMacieSession`; `null` when Macie is not enabled in the region. */
  session: Slice<{ status: string } | null>;
  /** `GetAutomatedDiscoveryConfiguration`; `null` when Macie is off. */
  automatedDiscovery: Slice<{ status: string } | null>;
  /** `ListClassificationJobs`; empty when Macie is off. */
  classificationJobs: Slice<MacieClassificationJob[]>;
}

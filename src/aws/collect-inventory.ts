/**
 * Collects the inventory of every configured account: per account, the regions in parallel (Forecast, trails,
 * CloudTrail events, Macie), IAM once, then each distinct bucket, key, role and trail once. One concurrency
 * limiter per account and region is shared by every call to that region.
 */
import type { ForecastClient } from "@aws-sdk/client-forecast";
import pLimit from "p-limit";
import type { OrgPlacement } from "../domain/accounts.js";
import { parseArn } from "../domain/arn.js";
import {
  type AccountInventory,
  type BucketInventory,
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  INVENTORY_SCHEMA_VERSION,
  type Inventory,
  type KeyInventory,
  type RegionInventory,
  type TrailInventory,
} from "../domain/inventory.js";
import { type CollectError, failed } from "../domain/result.js";
import type { ScanPhase, ScanProgress } from "../scan/progress.js";
import { type AuditedAccount, type ClientFactory, ClientFactoryError } from "./client-factory.js";
import type { AccountClients } from "./clients.js";
import { collectTrail, describeRegionTrails, type TrailDescription } from "./collectors/cloudtrail.js";
import { collectForecastApiEvents } from "./collectors/cloudtrail-events.js";
import { collectCredentialReport } from "./collectors/credential-report.js";
import { collectForecastRegion, type ForecastCollectOptions } from "./collectors/forecast.js";
import { collectAccountSummary, collectAuthorizationDetails, resolveRoles } from "./collectors/iam.js";
import { collectKey } from "./collectors/kms.js";
import { concurrencyLimit, DeadlineError, type Limit, type Sleep, withDeadline } from "./collectors/limit.js";
import { collectMacie } from "./collectors/macie.js";
import {
  bucketKeyReference,
  forecastReferences,
  type KeyReference,
  type KeyScope,
  trailKeyReference,
  unreachableAccount,
} from "./collectors/references.js";
import { collectAccountPublicAccessBlock, collectBucket } from "./collectors/s3.js";
import { toCollectError } from "./errors.js";

export type ForecastCollector = (
  client: ForecastClient,
  options: Pick<ForecastCollectOptions, "limit" | "onProgress" | "tagging" | "onTagIndexFailed" | "now">,
) => Promise<ForecastInventory>;

/** `GetResources` failed in one account and region; that region's Forecast tags were read per resource instead. */
export interface TagIndexFailure {
  accountId: string;
  region: string;
  error: CollectError;
}

export interface InventoryAccountInput {
  id?: string | undefined;
  name?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
  /** Where the account sits in its organization (discovered accounts). */
  placement?: OrgPlacement | undefined;
  /** What fixes a role that cannot be assumed (deploy the StackSet to the account's OU). */
  onboarding?: string | undefined;
}

export interface CollectInventoryOptions {
  /** Empty: the account of the current credentials. */
  accounts: readonly InventoryAccountInput[];
  regions: readonly string[];
  factory: Pick<ClientFactory, "forAccount" | "currentAccount"> & Partial<Pick<ClientFactory, "release">>;
  lookbackDays: number;
  maxEvents: number;
  /** Concurrent calls per account and region. */
  concurrency: number;
  /**
   * Each account must be read within this many milliseconds of its start (credentials included): then every
   * call still queued or in flight, in every region, fails with `Timeout` and the account's inventory is
   * finished with what was read. Unset: no deadline.
   */
  deadlineMs?: number;
  now?: Date;
  onProgress?: (event: ScanProgress) => void;
  forecastCollector?: ForecastCollector;
  signal?: AbortSignal;
  /** Accounts collected at the same time (each has its own limiters). */
  accountConcurrency?: number;
  /** Injected into the credential-report poll and the LookupEvents pacing (tests). */
  sleep?: Sleep;
  /** A note, not a gap: tags fell back to `ListTagsForResource`, whose own failures are the evidence gaps. */
  onTagIndexFailed?: (failure: TagIndexFailure) => void;
}

export async function collectInventory(options: CollectInventoryOptions): Promise<Inventory> {
  const now = options.now ?? new Date();
  const inputs = options.accounts.length > 0 ? options.accounts : [{}];
  const accountLimit = pLimit(Math.max(1, options.accountConcurrency ?? 4));
  const accounts = await Promise.all(
    inputs.map((input) => accountLimit(() => collectAccount(input, options, now))),
  );
  options.signal?.throwIfAborted();
  return { schemaVersion: INVENTORY_SCHEMA_VERSION, collectedAt: now.toISOString(), accounts };
}

/** Emits progress counters for one phase of one account (and region); `total` may grow as work is found. */
class PhaseProgress {
  done = 0;
  total = 0;
  constructor(
    private readonly emit: ((event: ScanProgress) => void) | undefined,
    private readonly phase: ScanPhase,
    private readonly accountId: string,
    private readonly region: string | undefined,
    private readonly noun: string,
  ) {}

  add(count = 1): void {
    this.total += count;
    this.send();
  }

  finish(count = 1): void {
    this.done += count;
    this.send();
  }

  set(done: number, total: number): void {
    this.done = done;
    this.total = total;
    this.send();
  }

  private send(): void {
    if (!this.emit) return;
    const where = this.region ? ` in ${this.region}` : "";
    this.emit({
      phase: this.phase,
      accountId: this.accountId,
      ...(this.region ? { region: this.region } : {}),
      done: this.done,
      total: this.total,
      message: `${this.noun}${where}: ${this.done} of ${this.total}.`,
    });
  }
}

/** Failures that say nothing about the role: trying again later may work, deploying a role would not help. */
function isTransient(code: string): boolean {
  return /throttl|timeout|networkerror|serviceunavailable|internal|requestlimit|toomanyrequests/i.test(code);
}

async function resolveAccountId(
  input: InventoryAccountInput,
  factory: CollectInventoryOptions["factory"],
): Promise<string> {
  if (input.id) return input.id;
  const fromRole = input.roleArn ? parseArn(input.roleArn)?.accountId : undefined;
  if (fromRole) return fromRole;
  // No id and no role: the current credentials' account. Without credentials there is no account to report on,
  // so this error ends the scan.
  return (await factory.currentAccount()).accountId;
}

async function collectAccount(
  input: InventoryAccountInput,
  options: CollectInventoryOptions,
  now: Date,
): Promise<AccountInventory> {
  options.signal?.throwIfAborted();
  const accountId = await resolveAccountId(input, options.factory);
  const credentialsProgress = new PhaseProgress(
    options.onProgress,
    "credentials",
    accountId,
    undefined,
    "Credentials",
  );
  credentialsProgress.add();
  const deadline = accountDeadline(options.deadlineMs, accountId);
  const account: AuditedAccount = {
    id: accountId,
    ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
  };
  let clients: AccountClients;
  try {
    clients = await beforeDeadline(options.factory.forAccount(account, "audit"), deadline);
  } catch (error) {
    credentialsProgress.finish();
    const action = input.roleArn ? "sts:AssumeRole" : "sts:GetCallerIdentity";
    const collectError =
      error instanceof ClientFactoryError
        ? { code: error.code, message: error.message, action }
        : toCollectError(error, action);
    // A refused AssumeRole is usually a role that was never deployed to this account: name that fix.
    if (input.onboarding !== undefined && input.roleArn && !isTransient(collectError.code)) {
      collectError.remedy = input.onboarding;
    }
    const partition = (input.roleArn ? parseArn(input.roleArn)?.partition : undefined) ?? "aws";
    options.onProgress?.({
      phase: "done",
      accountId,
      done: 1,
      total: 1,
      message: `Account ${accountId} could not be reached: ${collectError.code}.`,
    });
    const unreachable = unreachableAccount(
      { accountId, partition, ...(input.name !== undefined ? { name: input.name } : {}) },
      options.regions,
      collectError,
    );
    if (input.placement) unreachable.placement = input.placement;
    return unreachable;
  }
  credentialsProgress.finish();
  let inventory: AccountInventory;
  try {
    inventory = await new AccountCollection(clients, input, options, now, deadline).run();
  } finally {
    // This account is done: its clients (one per service and region) need not outlive it.
    options.factory.release?.(accountId);
  }
  options.onProgress?.({
    phase: "done",
    accountId,
    done: 1,
    total: 1,
    message: `Account ${accountId} collected.`,
  });
  return inventory;
}

/** The deadline of one account: a signal that fires when it passes, and what to say then. */
interface AccountDeadline {
  signal: AbortSignal;
  describe(where: string): string;
}

function accountDeadline(ms: number | undefined, accountId: string): AccountDeadline | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const minutes = Math.round((ms / 60_000) * 100) / 100;
  return {
    signal: AbortSignal.timeout(Math.max(0, ms)),
    describe: (where) =>
      `The scan's deadline for account ${accountId} (scanTimeoutMinutes: ${minutes}) passed before this call ${where} finished`,
  };
}

/** `promise`, or a `DeadlineError` as soon as the deadline passes (the promise is left to settle on its own). */
function beforeDeadline<T>(promise: Promise<T>, deadline: AccountDeadline | undefined): Promise<T> {
  if (deadline === undefined) return promise;
  const { signal } = deadline;
  if (signal.aborted) return Promise.reject(new DeadlineError(deadline.describe("for credentials")));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineError(deadline.describe("for credentials")));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** The state of one account's collection: its limiters and the registries that make each fetch happen once. */
class AccountCollection {
  private readonly limiters = new Map<string, Limit>();
  private readonly scope: KeyScope;
  private readonly homeRegion: string;
  private readonly buckets = new Map<
    string,
    { referencedBy: Set<string>; roleArns: Set<string>; promise: Promise<BucketInventory> }
  >();
  private readonly keys = new Map<string, { referencedBy: Set<string>; promise: Promise<KeyInventory> }>();
  private readonly roleRefs = new Map<string, Set<string>>();
  private readonly s3Progress: PhaseProgress;
  private readonly kmsProgress: PhaseProgress;

  constructor(
    private readonly clients: AccountClients,
    private readonly input: InventoryAccountInput,
    private readonly options: CollectInventoryOptions,
    private readonly now: Date,
    private readonly deadline: AccountDeadline | undefined,
  ) {
    this.scope = { partition: clients.partition, accountId: clients.accountId };
    this.homeRegion = options.regions[0] ?? "us-east-1";
    this.s3Progress = this.progress("s3", undefined, "Buckets");
    this.kmsProgress = this.progress("kms", undefined, "KMS keys");
  }

  private progress(phase: ScanPhase, region: string | undefined, noun: string): PhaseProgress {
    return new PhaseProgress(this.options.onProgress, phase, this.clients.accountId, region, noun);
  }

  limitFor = (region: string): Limit => {
    let limit = this.limiters.get(region);
    if (limit === undefined) {
      const limited = concurrencyLimit(this.options.concurrency, this.options.signal);
      const deadline = this.deadline;
      const where = region === "iam" ? "to IAM" : `in ${region}`;
      limit = deadline ? withDeadline(limited, deadline.signal, () => deadline.describe(where)) : limited;
      this.limiters.set(region, limit);
    }
    return limit;
  };

  async run(): Promise<AccountInventory> {
    const { clients, options } = this;
    const forecastCollector = options.forecastCollector ?? collectForecastRegion;

    const regionWork = options.regions.map((region) => {
      const limit = this.limitFor(region);
      const forecastProgress = this.progress("forecast", region, "Forecast resources");
      const forecast = this.collectForecast(forecastCollector, region, limit, forecastProgress).then(
        (inventory) => {
          this.registerForecastReferences(inventory, region);
          return inventory;
        },
      );
      const trailsProgress = this.progress("cloudtrail", region, "Trails");
      trailsProgress.add();
      const trails = describeRegionTrails(clients, region, limit).finally(() => trailsProgress.finish());
      const eventsProgress = this.progress("cloudtrail-events", region, "CloudTrail events");
      eventsProgress.add();
      const events = collectForecastApiEvents(clients, region, {
        limit,
        lookbackDays: options.lookbackDays,
        maxEvents: options.maxEvents,
        now: this.now,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      }).finally(() => eventsProgress.finish());
      const macieProgress = this.progress("macie", region, "Macie");
      macieProgress.add();
      const macie = collectMacie(clients, region, limit).finally(() => macieProgress.finish());
      return { region, forecast, trails, events, macie };
    });

    const iamLimit = this.limitFor("iam");
    const iamProgress = this.progress("iam", undefined, "IAM");
    iamProgress.add(3);
    const track = <T>(promise: Promise<T>) => promise.finally(() => iamProgress.finish());
    const summary = track(collectAccountSummary(clients, iamLimit));
    const credentialReport = track(
      collectCredentialReport(clients, {
        limit: iamLimit,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      }),
    );
    const authorization = track(collectAuthorizationDetails(clients, iamLimit));
    const accountPab = collectAccountPublicAccessBlock(
      clients,
      clients.accountId,
      this.homeRegion,
      this.limitFor(this.homeRegion),
    );

    const trails = this.collectTrails(regionWork.map((w) => w.trails));
    const regions: RegionInventory[] = await Promise.all(
      regionWork.map(async (w) => {
        const [forecast, regionTrails, forecastApiEvents, macie] = await Promise.all([
          w.forecast,
          w.trails,
          w.events,
          w.macie,
        ]);
        return { region: w.region, forecast, trailArns: regionTrails.trailArns, forecastApiEvents, macie };
      }),
    );
    const trailInventory = await trails;
    // Every bucket is registered once the Forecast inventories are in; each bucket then registers its key.
    const buckets = await this.settleBuckets();
    const keys = await this.settleKeys();
    const roles = resolveRoles(clients.accountId, this.roleReferences(), await authorization);
    const [summarySlice, reportSlice, authorizationSlice, publicAccessBlock] = await Promise.all([
      summary,
      credentialReport,
      authorization,
      accountPab,
    ]);
    return {
      accountId: clients.accountId,
      ...(this.input.name !== undefined ? { name: this.input.name } : {}),
      ...(this.input.placement !== undefined ? { placement: this.input.placement } : {}),
      partition: clients.partition,
      regions,
      iam: { summary: summarySlice, credentialReport: reportSlice, authorization: authorizationSlice },
      s3: publicAccessBlock,
      buckets,
      keys,
      roles,
      trails: trailInventory,
    };
  }

  private async collectForecast(
    collector: ForecastCollector,
    region: string,
    limit: Limit,
    progress: PhaseProgress,
  ): Promise<ForecastInventory> {
    try {
      const { accountId } = this.clients;
      const onTagIndexFailed = this.options.onTagIndexFailed;
      return await collector(this.clients.forecast(region), {
        limit,
        onProgress: (done, total) => progress.set(done, total),
        ...(this.clients.tagging ? { tagging: this.clients.tagging(region) } : {}),
        ...(onTagIndexFailed
          ? { onTagIndexFailed: (error) => onTagIndexFailed({ accountId, region, error }) }
          : {}),
      });
    } catch (error) {
      // The collector reports failures per resource type; an escape here must still not crash the scan.
      const fail = failed(toCollectError(error, "forecast:ListDatasetGroups"));
      return Object.fromEntries(FORECAST_RESOURCE_TYPES.map((type) => [type, fail])) as ForecastInventory;
    }
  }

  private registerForecastReferences(forecast: ForecastInventory, region: string): void {
    const refs = forecastReferences(forecast, region, this.scope);
    for (const bucket of refs.buckets) {
      const entry = this.requestBucket(bucket.name);
      entry.referencedBy.add(bucket.referencedBy);
      if (bucket.roleArn) entry.roleArns.add(bucket.roleArn);
    }
    for (const key of refs.keys) this.requestKey(key);
    for (const role of refs.roles) {
      let set = this.roleRefs.get(role.arn);
      if (!set) {
        set = new Set();
        this.roleRefs.set(role.arn, set);
      }
      set.add(role.referencedBy);
    }
  }

  private requestBucket(name: string) {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const referencedBy = new Set<string>();
    const roleArns = new Set<string>();
    this.s3Progress.add();
    const promise = collectBucket(
      this.clients,
      name,
      { referencedBy: [], roleArns: [] },
      { limitFor: this.limitFor, locationRegion: this.homeRegion },
    ).then((bucket) => {
      this.s3Progress.finish();
      if (bucket.region.ok && bucket.encryption.ok && bucket.encryption.value) {
        const encryption = bucket.encryption.value;
        const key = bucketKeyReference(
          {
            name,
            region: bucket.region.value,
            algorithm: encryption.algorithm,
            ...(encryption.kmsKeyId ? { kmsKeyId: encryption.kmsKeyId } : {}),
          },
          this.scope,
        );
        if (key) this.requestKey(key);
      }
      return bucket;
    });
    const entry = { referencedBy, roleArns, promise };
    this.buckets.set(name, entry);
    return entry;
  }

  private requestKey(reference: KeyReference): void {
    let entry = this.keys.get(reference.ref);
    if (!entry) {
      this.kmsProgress.add();
      const promise = collectKey(this.clients, reference.ref, reference.region, {
        limit: this.limitFor(reference.region),
      }).finally(() => this.kmsProgress.finish());
      entry = { referencedBy: new Set(), promise };
      this.keys.set(reference.ref, entry);
    }
    entry.referencedBy.add(reference.referencedBy);
  }

  private async collectTrails(
    described: Array<Promise<{ trails: TrailDescription[] }>>,
  ): Promise<Record<string, TrailInventory>> {
    const distinct = new Map<string, TrailDescription>();
    for (const regionTrails of await Promise.all(described)) {
      for (const trail of regionTrails.trails) if (!distinct.has(trail.arn)) distinct.set(trail.arn, trail);
    }
    const progress = this.progress("trails", undefined, "Trails");
    progress.add(distinct.size);
    for (const trail of distinct.values()) {
      const key = trailKeyReference(trail, this.scope);
      if (key) this.requestKey(key);
    }
    const collected = await Promise.all(
      [...distinct.values()].map((trail) =>
        collectTrail(this.clients, trail, this.limitFor).finally(() => progress.finish()),
      ),
    );
    return Object.fromEntries(collected.map((trail) => [trail.arn, trail]));
  }

  private async settleBuckets(): Promise<Record<string, BucketInventory>> {
    const out: Record<string, BucketInventory> = {};
    for (const [name, entry] of this.buckets) {
      const bucket = await entry.promise;
      out[name] = { ...bucket, referencedBy: [...entry.referencedBy], roleArns: [...entry.roleArns] };
    }
    return out;
  }

  /** Waits for every key, including those registered by buckets and trails while waiting. */
  private async settleKeys(): Promise<Record<string, KeyInventory>> {
    let settled = 0;
    while (settled < this.keys.size) {
      settled = this.keys.size;
      await Promise.all([...this.keys.values()].map((entry) => entry.promise));
    }
    const out: Record<string, KeyInventory> = {};
    for (const [ref, entry] of this.keys) {
      out[ref] = { ...(await entry.promise), referencedBy: [...entry.referencedBy] };
    }
    return out;
  }

  private roleReferences(): Map<string, string[]> {
    return new Map([...this.roleRefs].map(([arn, refs]) => [arn, [...refs]]));
  }
}

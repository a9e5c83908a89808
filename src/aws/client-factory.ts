/**
 * Builds the AWS clients of each audited account: the SDK's standard configuration chain (`AWS_PROFILE`,
 * `AWS_REGION`, `AWS_ENDPOINT_URL[_<SERVICE>]` …, never re-implemented here), STS AssumeRole with ExternalId
 * per account, adaptive retries, and FIPS for Forecast where it exists. Clients are memoised per account,
 * service and region.
 *
 * Every call is bounded: a connect timeout, a request timeout that aborts the attempt (the SDK only warns
 * unless `throwOnRequestTimeout` is set) and an idle-socket timeout for a body that stalls; each is a
 * `TimeoutError`, which the retry strategy retries like any transient error.
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ForecastClient } from "@aws-sdk/client-forecast";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { parseArn } from "../domain/arn.js";
import type { CallCounter } from "./call-counter.js";
import type { AccountClients } from "./clients.js";
import { isForecastFipsRegion } from "./regions.js";
import { rejectNonAwsAnswers } from "./response-check.js";
import { createAdaptiveRetryStrategy, createRateLimiterPool } from "./retry-strategy.js";
import { withoutAccountHostPrefix } from "./s3-control-endpoint.js";

export type RequestHandlerInput = NonNullable<S3ClientConfig["requestHandler"]>;

export interface ClientFactoryOptions {
  /** From the config: Forecast calls go to `forecast-fips` endpoints in the regions that have them. */
  requireFips: boolean;
  /** Who asked, e.g. `slack-U0123ABCD` or `cli-alice`; becomes the AssumeRole session name (sanitised). */
  sessionName: string;
  /** Expected concurrent calls per client; sizes the HTTP connection pool. */
  concurrencyHint?: number;
  /** Base credentials; default: the SDK's node provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Counts every call of every client this factory builds (including the AssumeRole STS client). */
  callCounter?: CallCounter;
  requestHandler?: RequestHandlerInput;
  /**
   * Attempts per call including the first (adaptive retry: the SDK's strategy with a rate limiter that cuts
   * once per congestion event, shared by the clients of one account, service and region).
   */
  maxAttempts?: number;
  /** Time to establish a connection, per attempt. Default 5 s. */
  connectTimeoutMs?: number;
  /** Time from sending a request to its response headers, and the longest silence while reading a body, per attempt. Default 30 s. */
  requestTimeoutMs?: number;
  /** Where the HTTP handler's warnings go (socket pool exhausted …); default: nowhere, so none reaches the progress output. */
  logger?: HandlerLogger;
  /** One endpoint for every service (tests against moto or an emulator); the standard env vars need no option. */
  endpoint?: string;
  /** Default region; otherwise the SDK's region chain, else `us-east-1`. */
  region?: string;
  /** Where endpoint overrides are looked up; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called when no region was configured anywhere and `us-east-1` is used (the CLI warns). */
  onRegionDefaulted?: (region: string) => void;
}

export interface AuditedAccount {
  id: string;
  roleArn?: string;
  /** Used for `remediate`; falls back to `roleArn`. */
  remediationRoleArn?: string;
  externalId?: string;
}

export type ClientPurpose = "audit" | "remediate";

export interface CallerIdentity {
  accountId: string;
  partition: string;
  arn: string;
}

/** A role to act as in an account that is not audited (the organization's management account, Security Hub's). */
export interface RoleTarget {
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

export interface ClientFactory {
  /**
   * The clients of one account. With a role, its credentials are obtained here (AssumeRole), so a denied role
   * rejects this promise instead of failing every later call.
   */
  forAccount(account: AuditedAccount, purpose?: ClientPurpose): Promise<AccountClients>;
  /**
   * An Organizations client (the management account or a delegated administrator): with `roleArn`, that role
   * is assumed first (a denied role rejects this promise); else the base credentials.
   */
  organizations(role?: RoleTarget): Promise<OrganizationsClient>;
  /** A Security Hub client in `region`, like `organizations`. */
  securityHub(region: string, role?: RoleTarget): Promise<SecurityHubClient>;
  /**
   * Closes and forgets the clients built for one account (both purposes), so that a scan of hundreds of
   * accounts holds the clients of the accounts in progress only. A later `forAccount` builds them again.
   */
  release(accountId: string): void;
  /** STS GetCallerIdentity for the base credentials (memoised). */
  currentAccount(): Promise<CallerIdentity>;
  /** The region from the options or the SDK's chain, else `us-east-1`. */
  defaultRegion(): Promise<string>;
  /** Closes the HTTP connections of every client built so far. */
  destroy(): void;
}

/** A coded error for what the factory refuses to do; SDK errors pass through unchanged. */
export class ClientFactoryError extends Error {
  override readonly name = "ClientFactoryError";
  constructor(
    readonly code: "AccountMismatch" | "InvalidRoleArn",
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** What the SDK's HTTP handler logs to. */
export interface HandlerLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

const SILENT: HandlerLogger = { debug() {}, info() {}, warn() {}, error() {} };
/** Temporary credentials are refreshed this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** AssumeRole accepts `[\w+=,.@-]{2,64}` as a session name. */
export function sanitizeSessionName(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

/**
 * Shares one credentials promise between every client of an account and refreshes it shortly before it
 * expires; a failed fetch is forgotten so that the next call tries again.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  let expiresAt = Number.POSITIVE_INFINITY;
  return () => {
    if (current === undefined || expiresAt - now() < REFRESH_MARGIN_MS) {
      const pending = provider();
      current = pending;
      expiresAt = Number.POSITIVE_INFINITY;
      pending.then(
        (identity) => {
          if (current === pending) expiresAt = identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
        },
        () => {
          if (current === pending) current = undefined;
        },
      );
    }
    return current;
  };
}

/** Whether the SDK will send this service's calls to a configured endpoint instead of AWS. */
function hasEndpointOverride(
  env: Readonly<Record<string, string | undefined>>,
  serviceEnvId: string,
  explicit: string | undefined,
): boolean {
  if (explicit !== undefined) return true;
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return false;
  return Boolean(env[`AWS_ENDPOINT_URL_${serviceEnvId}`] || env.AWS_ENDPOINT_URL);
}

interface Destroyable {
  destroy(): void;
}

/** The part of the SDK's request handler this module wraps. */
interface HttpHandlerLike {
  handle(
    request: unknown,
    options?: { abortSignal?: AbortSignal; requestTimeout?: number },
  ): Promise<unknown>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): unknown;
}

/** `inner`, with every request also aborted by `signal`. */
function abortableHandler(inner: HttpHandlerLike, signal: AbortSignal): HttpHandlerLike {
  return {
    handle: (request, handlerOptions = {}) => {
      const own = handlerOptions.abortSignal;
      const abortSignal = own ? AbortSignal.any([own, signal]) : signal;
      return inner.handle(request, { ...handlerOptions, abortSignal });
    },
    destroy: () => inner.destroy?.(),
    updateHttpClientConfig: (key, value) => inner.updateHttpClientConfig?.(key, value),
    httpHandlerConfigs: () => inner.httpHandlerConfigs?.() ?? {},
  };
}

export function createClientFactory(options: ClientFactoryOptions): ClientFactory {
  const env = options.env ?? process.env;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const sessionName = sanitizeSessionName(options.sessionName);
  const built: Destroyable[] = [];
  const rateLimiters = createRateLimiterPool();
  const retryStrategy = (scope: string) => createAdaptiveRetryStrategy(maxAttempts, rateLimiters.get(scope));
  const maxSockets = Math.max(50, options.concurrencyHint ?? 0);
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const requestHandler: RequestHandlerInput = options.requestHandler ?? {
    connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeout,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeout,
    logger: options.logger ?? SILENT,
    httpAgent: { keepAlive: true, maxSockets },
    httpsAgent: { keepAlive: true, maxSockets },
  };

  const baseCredentials: AwsCredentialIdentityProvider = (() => {
    const given = options.credentials;
    if (given === undefined) return memoizeCredentials(fromNodeProviderChain());
    if (typeof given === "function") return memoizeCredentials(given);
    return () => Promise.resolve(given);
  })();

  // Aborts every request still in flight, and any retry of it, when the factory is destroyed: a call the scan
  // gave up on at its deadline must not keep a process alive for attempts × requestTimeout.
  const lifetime = new AbortController();

  function track<
    C extends Destroyable & {
      middlewareStack: { use(plugin: never): void };
      config: { requestHandler: unknown };
    },
  >(client: C): C {
    // Every client's stack accepts a plugin typed for its own input/output unions; ours read neither.
    const use = client.middlewareStack.use as (plugin: CallCounter["plugin"]) => void;
    use(rejectNonAwsAnswers);
    if (options.callCounter) use(options.callCounter.plugin);
    client.config.requestHandler = abortableHandler(
      client.config.requestHandler as HttpHandlerLike,
      lifetime.signal,
    );
    built.push(client);
    return client;
  }

  /** `limiterScope` names whose throttling limit the client's calls count against: account, service, region. */
  function commonConfig(region: string, credentials: AwsCredentialIdentityProvider, limiterScope: string) {
    return {
      region,
      credentials,
      retryStrategy: retryStrategy(limiterScope),
      maxAttempts,
      requestHandler,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    };
  }

  let regionPromise: Promise<string> | undefined;
  function defaultRegion(): Promise<string> {
    regionPromise ??= (async () => {
      if (options.region !== undefined) return options.region;
      const probe = new STSClient({});
      try {
        return await probe.config.region();
      } catch {
        options.onRegionDefaulted?.("us-east-1");
        return "us-east-1";
      } finally {
        probe.destroy();
      }
    })();
    return regionPromise;
  }

  let identityPromise: Promise<CallerIdentity> | undefined;
  function currentAccount(): Promise<CallerIdentity> {
    if (identityPromise !== undefined) return identityPromise;
    const pending = (async () => {
      const region = await defaultRegion();
      const sts = track(new STSClient(commonConfig(region, baseCredentials, `base:sts:${region}`)));
      const out = await sts.send(new GetCallerIdentityCommand({}));
      const arn = out.Arn ?? "";
      return { accountId: out.Account ?? "", partition: parseArn(arn)?.partition ?? "aws", arn };
    })();
    identityPromise = pending;
    pending.catch(() => {
      if (identityPromise === pending) identityPromise = undefined;
    });
    return pending;
  }

  /** The clients built for each audited account, so that `release` can close them. */
  const byAccount = new Map<string, Set<Destroyable>>();

  function accountClients(
    accountId: string,
    partition: string,
    homeRegion: string,
    credentials: AwsCredentialIdentityProvider,
    owner: string,
  ): AccountClients {
    const cache = new Map<string, Destroyable>();
    let owned = byAccount.get(owner);
    if (owned === undefined) {
      owned = new Set();
      byAccount.set(owner, owned);
    }
    const ownedClients = owned;
    const memo = <C extends Destroyable>(key: string, make: () => C): C => {
      let client = cache.get(key) as C | undefined;
      if (client === undefined) {
        client = make();
        cache.set(key, client);
        ownedClients.add(client);
      }
      return client;
    };
    const s3PathStyle = hasEndpointOverride(env, "S3", options.endpoint);
    const forecastOverride = hasEndpointOverride(env, "FORECAST", options.endpoint);

    const forecastFips = (region: string): { useFipsEndpoint?: boolean } => {
      // The endpoint rules reject FIPS together with a custom endpoint.
      if (forecastOverride) return {};
      // Pinned off where Forecast has no FIPS endpoint, even if AWS_USE_FIPS_ENDPOINT is set globally.
      if (!isForecastFipsRegion(region)) return { useFipsEndpoint: false };
      return options.requireFips ? { useFipsEndpoint: true } : {};
    };

    return {
      accountId,
      partition,
      forecast: (region) =>
        memo(`forecast:${region}`, () =>
          track(
            new ForecastClient({
              ...commonConfig(region, credentials, `${accountId}:forecast:${region}`),
              ...forecastFips(region),
            }),
          ),
        ),
      s3: (region) =>
        memo(`s3:${region}`, () =>
          track(
            new S3Client({
              ...commonConfig(region, credentials, `${accountId}:s3:${region}`),
              followRegionRedirects: true,
              ...(s3PathStyle ? { forcePathStyle: true } : {}),
            }),
          ),
        ),
      s3control: (region) =>
        memo(`s3control:${region}`, () => {
          const client = new S3ControlClient(
            commonConfig(region, credentials, `${accountId}:s3control:${region}`),
          );
          // S3 Control puts the account id in front of the host; an emulator's IP endpoint cannot take it.
          client.config.endpointProvider = withoutAccountHostPrefix(client.config.endpointProvider);
          return track(client);
        }),
      kms: (region) =>
        memo(`kms:${region}`, () =>
          track(new KMSClient(commonConfig(region, credentials, `${accountId}:kms:${region}`))),
        ),
      // IAM is global; its endpoint rules pick the partition's endpoint from any region of that partition.
      iam: () =>
        memo("iam", () => track(new IAMClient(commonConfig(homeRegion, credentials, `${accountId}:iam`)))),
      cloudtrail: (region) =>
        memo(`cloudtrail:${region}`, () =>
          track(new CloudTrailClient(commonConfig(region, credentials, `${accountId}:cloudtrail:${region}`))),
        ),
      macie: (region) =>
        memo(`macie:${region}`, () =>
          track(new Macie2Client(commonConfig(region, credentials, `${accountId}:macie:${region}`))),
        ),
      sts: (region) =>
        memo(`sts:${region}`, () =>
          track(new STSClient(commonConfig(region, credentials, `${accountId}:sts:${region}`))),
        ),
      tagging: (region) =>
        memo(`tagging:${region}`, () =>
          track(
            new ResourceGroupsTaggingAPIClient(
              commonConfig(region, credentials, `${accountId}:tagging:${region}`),
            ),
          ),
        ),
    };
  }

  async function buildAccount(account: AuditedAccount, roleArn: string | undefined): Promise<AccountClients> {
    const homeRegion = await defaultRegion();
    if (roleArn === undefined) {
      const me = await currentAccount();
      if (me.accountId !== account.id) {
        throw new ClientFactoryError(
          "AccountMismatch",
          `Account ${account.id} has no roleArn and the current credentials belong to ${me.accountId}.`,
        );
      }
      return accountClients(account.id, me.partition, homeRegion, baseCredentials, account.id);
    }
    const arn = parseArn(roleArn);
    if (arn === undefined || arn.service !== "iam") {
      throw new ClientFactoryError("InvalidRoleArn", `${roleArn} is not an IAM role ARN.`);
    }
    if (arn.accountId !== account.id) {
      throw new ClientFactoryError(
        "AccountMismatch",
        `Role ${roleArn} belongs to account ${arn.accountId}, not ${account.id}.`,
      );
    }
    const credentials = assumedCredentials(roleArn, account.externalId, homeRegion);
    await credentials();
    return accountClients(account.id, arn.partition, homeRegion, credentials, account.id);
  }

  function assumedCredentials(
    roleArn: string,
    externalId: string | undefined,
    homeRegion: string,
  ): AwsCredentialIdentityProvider {
    return memoizeCredentials(
      fromTemporaryCredentials({
        params: {
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
        },
        masterCredentials: baseCredentials,
        clientConfig: {
          region: homeRegion,
          maxAttempts,
          // AssumeRole runs on the base credentials, so it shares their STS limiter.
          retryStrategy: retryStrategy(`base:sts:${homeRegion}`),
          requestHandler,
          ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        },
        clientPlugins: [rejectNonAwsAnswers, ...(options.callCounter ? [options.callCounter.plugin] : [])],
      }),
    );
  }

  /** Control-plane clients, one per role, service and region, reused by every scan of a long-lived process. */
  const controlClients = new Map<string, Destroyable>();
  function controlClient<
    C extends Destroyable & {
      middlewareStack: { use(plugin: never): void };
      config: { requestHandler: unknown };
    },
  >(key: string, make: () => C): C {
    let client = controlClients.get(key) as C | undefined;
    if (client === undefined) {
      client = track(make());
      controlClients.set(key, client);
    }
    return client;
  }

  /** Credentials for a control-plane role (or the base ones), fetched once per role and checked here. */
  const controlCredentials = new Map<string, Promise<AwsCredentialIdentityProvider>>();
  function credentialsFor(role: RoleTarget | undefined): Promise<AwsCredentialIdentityProvider> {
    if (role?.roleArn === undefined) return Promise.resolve(baseCredentials);
    const roleArn = role.roleArn;
    const key = JSON.stringify([roleArn, role.externalId ?? null]);
    let pending = controlCredentials.get(key);
    if (pending === undefined) {
      const created = (async () => {
        const arn = parseArn(roleArn);
        if (arn === undefined || arn.service !== "iam") {
          throw new ClientFactoryError("InvalidRoleArn", `${roleArn} is not an IAM role ARN.`);
        }
        const credentials = assumedCredentials(roleArn, role.externalId, await defaultRegion());
        await credentials();
        return credentials;
      })();
      pending = created;
      controlCredentials.set(key, created);
      created.catch(() => {
        if (controlCredentials.get(key) === created) controlCredentials.delete(key);
      });
    }
    return pending;
  }

  const accounts = new Map<string, Promise<AccountClients>>();
  return {
    forAccount(account, purpose = "audit") {
      const roleArn =
        purpose === "remediate" ? (account.remediationRoleArn ?? account.roleArn) : account.roleArn;
      const key = JSON.stringify([account.id, roleArn ?? null, account.externalId ?? null]);
      let pending = accounts.get(key);
      if (pending === undefined) {
        const created = buildAccount(account, roleArn);
        pending = created;
        accounts.set(key, created);
        created.catch(() => {
          if (accounts.get(key) === created) accounts.delete(key);
        });
      }
      return pending;
    },
    async organizations(role) {
      const credentials = await credentialsFor(role);
      const region = await defaultRegion();
      const scope = `${role?.roleArn ?? "base"}:organizations`;
      return controlClient(scope, () => new OrganizationsClient(commonConfig(region, credentials, scope)));
    },
    async securityHub(region, role) {
      const credentials = await credentialsFor(role);
      const scope = `${role?.roleArn ?? "base"}:securityhub:${region}`;
      return controlClient(scope, () => new SecurityHubClient(commonConfig(region, credentials, scope)));
    },
    release(accountId) {
      for (const key of [...accounts.keys()]) {
        if ((JSON.parse(key) as unknown[])[0] === accountId) accounts.delete(key);
      }
      const owned = byAccount.get(accountId);
      if (owned === undefined) return;
      byAccount.delete(accountId);
      for (const client of owned) client.destroy();
      // The destroyed clients leave the list that `destroy` closes, so a long-lived factory does not grow.
      const kept = built.filter((client) => !owned.has(client));
      built.splice(0, built.length, ...kept);
    },
    currentAccount,
    defaultRegion,
    destroy() {
      lifetime.abort(new Error("The AWS clients were closed."));
      for (const client of built.splice(0)) client.destroy();
      accounts.clear();
      byAccount.clear();
      controlClients.clear();
      controlCredentials.clear();
      rateLimiters.clear();
    },
  };
}

/**
 * The Slack app: Bolt over HTTP (`/slack/events`, plus `/healthz`) or Socket Mode, the listeners, the
 * delivery de-duplication and the global error fallback. Everything it needs from the rest of the product
 * comes in through `ports`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type CustomRoute } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { Logger } from "pino";

/** Bolt does not export it; the last overload of `app.error` takes it. */
type ExtendedErrorHandler = Parameters<App["error"]>[0];

import type { Config } from "../config/schema.js";
import { createAuthorizer, LOOKUP_TIMEOUT_MS } from "./authorize.js";
import { createDeliveryDedupe, dedupeMiddleware } from "./dedupe.js";
import type { ListenerDeps } from "./deps.js";
import { policyMiddleware } from "./guard.js";
import { HEALTH_PATH, type HealthServer, startHealthServer } from "./health-server.js";
import { BoundedHttpReceiver, type HttpLimits } from "./http-receiver.js";
import { createJobRunner, type JobRunner } from "./jobs.js";
import { registerListeners } from "./listeners/index.js";
import { createBoltLogger } from "./logger-adapter.js";
import type { SlackPorts } from "./ports.js";
import type { ThrottleClock } from "./progress-throttle.js";
import { ScanMessenger } from "./scan-messenger.js";
import { createTaskTracker } from "./tasks.js";
import { renderNotice } from "./views/usage.js";

export const EVENTS_PATH = "/slack/events";

export interface SlackAppOptions {
  config: Config;
  ports: SlackPorts;
  logger: Logger;
  botToken: string;
  /** HTTP mode. */
  signingSecret?: string;
  /** Socket Mode; takes precedence over `signingSecret`. */
  appToken?: string;
  /** The Web API base URL (`SLACK_API_URL`), for proxies and tests; ends with `/`. */
  slackApiUrl?: string;
  /** HTTP mode: the port of `/slack/events`; Socket Mode: the port of `/healthz`. 0 picks a free one. */
  port?: number;
  progressIntervalMs?: number;
  clock?: ThrottleClock;
  /** Retries of failed Web API calls (the client's default retries for up to ~30 minutes). */
  webApiRetries?: number;
  /** Shorter periods for the background jobs (tests). */
  intervals?: ListenerDeps["intervals"];
}

export interface SlackAppHandle {
  app: App;
  mode: "http" | "socket";
  /** Resolves with the port listened on (HTTP mode; Socket Mode's health port). */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** Resolves when the background work started so far (scan messages, digests) has settled. */
  idle(): Promise<void>;
  /** The background jobs registered (each under an entry of the policy). */
  jobs: Pick<JobRunner, "keys">;
}

/** `slack.http` in the config, as the receiver takes it. */
export function httpLimits(http: Config["slack"]["http"]): HttpLimits {
  return {
    bodyLimitBytes: http.bodyLimitKb * 1024,
    headersTimeoutMs: http.headersTimeoutMs,
    requestTimeoutMs: http.requestTimeoutMs,
    maxConnections: http.maxConnections,
    maxAcknowledgedPending: http.maxAcknowledgedPending,
  };
}

function healthRoute(mode: string): CustomRoute {
  return {
    path: HEALTH_PATH,
    method: ["GET"],
    handler: (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, mode }));
    },
  };
}

/** Tells the user something went wrong when the request can still be answered; the details go to the log. */
async function reportToUser(body: unknown, logger: Logger): Promise<void> {
  const url = (body as { response_url?: unknown } | undefined)?.response_url;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) return;
  const notice = renderNotice(":x: Something went wrong; it has been logged. Try again in a minute.");
  try {
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", replace_original: false, ...notice }),
    });
  } catch (error) {
    logger.warn({ err: error }, "could not tell the user about an error");
  }
}

export function createSlackApp(options: SlackAppOptions): SlackAppHandle {
  const { logger } = options;
  const mode = options.appToken ? "socket" : "http";
  if (mode === "http" && !options.signingSecret) {
    throw new Error("HTTP mode needs a signing secret (or give an app token for Socket Mode).");
  }
  const boltLogger = createBoltLogger(logger);
  const clientOptions: WebClientOptions = {};
  if (options.slackApiUrl) clientOptions.slackApiUrl = options.slackApiUrl;
  if (options.webApiRetries !== undefined) clientOptions.retryConfig = { retries: options.webApiRetries };
  const port = options.port ?? 3000;

  const app = new App({
    token: options.botToken,
    logger: boltLogger,
    logLevel: boltLogger.getLevel(),
    clientOptions,
    deferInitialization: true,
    // No listener reads conversation context; the store would cost a lookup on every request.
    convoStore: false,
    extendedErrorHandler: true,
    ...(mode === "socket"
      ? {
          socketMode: true,
          appToken: options.appToken as string,
          // No routes and no port: Bolt starts no HTTP server of its own (it has no bounds and logs every
          // request); `/healthz` is served by startHealthServer, with the HTTP mode's limits.
          installerOptions: { clientOptions },
        }
      : {
          receiver: new BoundedHttpReceiver({
            signingSecret: options.signingSecret as string,
            endpoints: [EVENTS_PATH],
            customRoutes: [healthRoute(mode)],
            logger: boltLogger,
            limits: httpLimits(options.config.slack.http),
            onRefused: (counts) => logger.warn({ refused: counts }, "refused requests that were not Slack's"),
          }),
        }),
  });

  const tasks = createTaskTracker(logger);
  const jobs = createJobRunner(tasks);
  // The authorizer's lookups (user groups, auth.test) have a client of their own: a 429 rejects the call at
  // once instead of pausing the queue of the client that posts messages (and the authorizer holds back its
  // reads for the Retry-After); a call is aborted after the lookup timeout and retried at most once, soon.
  const lookupClient = new WebClient(options.botToken, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    logger: boltLogger,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, minTimeout: 100, maxTimeout: 100 },
    timeout: LOOKUP_TIMEOUT_MS,
  });
  const authorizer =
    options.ports.authorizer ??
    createAuthorizer({
      slack: options.config.slack,
      listUsergroupMembers: async (usergroup) =>
        (await lookupClient.usergroups.users.list({ usergroup })).users ?? [],
      installation: async () => {
        const found = await lookupClient.auth.test();
        return {
          ...(found.team_id ? { teamId: found.team_id } : {}),
          ...(found.enterprise_id ? { enterpriseId: found.enterprise_id } : {}),
        };
      },
      onLookupError: (what, error) => logger.warn({ err: error, what }, "could not read from Slack"),
    });
  const messenger = new ScanMessenger({
    client: app.client,
    logger,
    tasks,
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const deps: ListenerDeps = {
    config: options.config,
    ports: options.ports,
    authorizer,
    logger,
    messenger,
    tasks,
    jobs,
    ...(options.intervals ? { intervals: options.intervals } : {}),
    now: () => new Date(),
  };

  app.use(
    dedupeMiddleware(
      createDeliveryDedupe({
        ...(options.ports.claimDelivery ? { claim: options.ports.claimDelivery } : {}),
        onClaimError: (error) => logger.warn({ err: error }, "could not claim a delivery in the database"),
      }),
      (key, retryNum) => logger.info({ delivery: key, retryNum }, "ignored a delivery already received"),
    ),
  );
  // Before any listener reads or changes anything: workspace, channel and role, for every request.
  app.use(
    policyMiddleware({ config: options.config, authorizer, audit: options.ports.audit, logger, tasks }),
  );
  registerListeners(app, deps);
  const onError: ExtendedErrorHandler = async ({ error, body }) => {
    logger.error({ err: error, code: error.code }, "a Slack listener failed");
    await reportToUser(body, logger);
  };
  app.error(onError);

  let server: Server | undefined;
  let health: HealthServer | undefined;
  return {
    app,
    mode,
    async start() {
      await app.init();
      if (mode === "socket") {
        await app.start();
        health = await startHealthServer(port, httpLimits(options.config.slack.http), { ok: true, mode });
        return { port: health.port };
      }
      server = (await app.start(port)) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      jobs.stop();
      await health?.close();
      await app.stop();
    },
    idle: () => tasks.idle(),
    jobs,
  };
}

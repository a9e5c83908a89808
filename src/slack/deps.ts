/** What every listener receives besides Bolt's own arguments. */
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Authorizer } from "./authorize.js";
import type { JobRunner } from "./jobs.js";
import type { SlackPorts } from "./ports.js";
import type { ScanMessenger } from "./scan-messenger.js";
import type { TaskTracker } from "./tasks.js";

export interface ListenerDeps {
  config: Config;
  ports: SlackPorts;
  authorizer: Authorizer;
  logger: Logger;
  messenger: ScanMessenger;
  tasks: TaskTracker;
  jobs: JobRunner;
  /** Shorter periods for the background jobs (tests). */
  intervals?: { sweepMs?: number; announceMs?: number; scanInterruptionsMs?: number };
  now(): Date;
}

/** What CLI commands receive: their I/O and factories, so tests can run commands in-process. */
import type { AuditRuntime } from "../app/audit-runtime.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/types.js";
import type { ServeDeps } from "./commands/serve.js";

export interface CliDeps {
  openStore(config: Config): Promise<Store>;
  /** Builds the live AWS side for a config; `sessionName` says who asked (STS RoleSessionName). */
  createAuditRuntime(
    config: Config,
    options: { sessionName: string; logger: Logger; onRegionDefaulted?: (region: string) => void },
  ): AuditRuntime | Promise<AuditRuntime>;
  createLogger(level: string): Logger;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now(): Date;
  /** True when stderr is a terminal (a live progress bar instead of plain lines). */
  isTty: boolean;
  /** The terminal's width when stdout is one (the table wraps to it); else the table is 100 wide. */
  columns?: number;
  /** Colour the table: stdout is a terminal and NO_COLOR is not set. */
  color?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Builds the Slack ports for `serve`; the real composition root when absent. */
  createSlackRuntime?: ServeDeps["createSlackRuntime"];
  /** Sets the process exit code (tests read it instead). */
  setExitCode(code: number): void;
  /** The local user, recorded as the trigger of CLI scans and fixes. */
  localUser: string;
  /**
   * Runs `cleanup` when the process is asked to stop (Ctrl-C, SIGTERM), then ends the process with the signal's
   * exit code (130, 143); a second signal during the cleanup ends it at once. Returns the unregistering
   * function. Absent in tests that run commands in process.
   */
  onStopSignal?(cleanup: (signal: NodeJS.Signals) => Promise<void>): () => void;
}

/**
 * The job-queue port: durable jobs that survive crashes and spread over replicas. On PostgreSQL it is pg-boss
 * (docs/decisions/0001-job-queue.md); on SQLite an in-process runner over the store's `jobs` table with the
 * same semantics. A keyed job exists at most once per kind and key, whatever its state: a second `send` of the
 * same key (another replica's trigger, a catch-up) is a no-op.
 */
import { createHash } from "node:crypto";

export type JobState = "pending" | "active" | "completed" | "failed";

export interface JobContext {
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type JobHandler = (payload: Record<string, unknown>, context: JobContext) => Promise<void>;

export interface WorkOptions {
  /** Runs after the dead letter is recorded in the audit log, e.g. to record a scan part as failed. */
  onDeadLetter?(letter: DeadLetter): Promise<void>;
}

export interface SendOptions {
  /** The job's identity within its kind: one job per kind and key, ever. Absent: a new job every time. */
  key?: string;
}

/** A job that failed its last attempt (`attempts` includes it). */
export interface DeadLetter {
  kind: string;
  jobId: string;
  payload: Record<string, unknown>;
  attempts: number;
  error: string;
}

export interface JobQueueSettings {
  /** Heartbeat lease (PostgreSQL): a job whose worker stopped heartbeating this long runs again elsewhere. */
  leaseSeconds: number;
  /** Hard bound of one attempt. */
  expireSeconds: number;
  retryLimit: number;
  retryDelaySeconds: number;
  pollSeconds: number;
  superviseSeconds: number;
}

export interface JobQueue {
  readonly engine: "postgres" | "sqlite";
  /** Registers the handler of a kind; call before `start`. */
  work(kind: string, handler: JobHandler, options?: WorkOptions): void;
  /** Creates the queues and starts the workers (and, on SQLite, re-runs what a stopped process left active). */
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Enqueues a job; resolves with its id (the existing one's for a key already sent). */
  send(kind: string, payload: Record<string, unknown>, options?: SendOptions): Promise<string>;
  /** The state of the keyed job, or undefined when none was ever sent (or it was pruned). */
  state(kind: string, key: string): Promise<JobState | undefined>;
  /** True when any job of this kind was ever sent (and not pruned). */
  hasAny(kind: string): Promise<boolean>;
}

/** The id of a keyed job: a UUID (v5 layout) derived from kind and key, so every replica computes the same. */
export function keyedJobId(kind: string, key: string): string {
  const hash = createHash("sha256").update(`forecast-audit-job\0${kind}\0${key}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

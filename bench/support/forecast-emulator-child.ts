/**
 * The Forecast emulator of `bench:scan`, in a process of its own so that the scanner's peak RSS and CPU are
 * its own: the emulator's 10,000 resources and its HTTP server do not count against the scan. Forked by
 * `startEmulatorProcess` (with the parent's tsx loader); spoken to over the IPC channel.
 */

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TAG_INDEX_TYPES } from "../../src/aws/collectors/forecast.js";
import { FORECAST_RESOURCE_TYPES, type ForecastResourceType } from "../../src/domain/inventory.js";
import {
  type ForecastEmulator,
  seedSyntheticAccount,
  startForecastEmulator,
  type ThrottleOptions,
} from "../../test/support/forecast-emulator/index.js";

export interface EmulatorProcessOptions {
  accountId: string;
  region: string;
  size: number;
  buckets: number;
  keys: number;
  roles: number;
  latencyMs: number;
  throttle: ThrottleOptions;
  /**
   * Real key ARNs (created in moto) that stand in for the synthetic pool's keys, in pool order: KMS calls then
   * reach keys that exist. There must be at least `keys` of them.
   */
  keyArns: string[];
}

/** What was seeded, with the key ARNs already replaced by the real ones. */
export interface SeededAccount {
  total: number;
  counts: Record<ForecastResourceType, number>;
  autoPredictors: number;
  /** Resources that `GetResources` lists: of the Tagging API's seven Forecast types, the ones ever tagged. */
  tagIndexed: number;
  buckets: string[];
  keyArns: string[];
  roleArns: string[];
}

export interface EmulatorStats {
  /** Requests received by operation, throttled ones included. */
  calls: Record<string, number>;
  total: number;
  throttled: number;
}

type ToChild = { type: "start"; options: EmulatorProcessOptions } | { type: "stats" } | { type: "stop" };
type FromChild =
  | { type: "ready"; url: string; seeded: SeededAccount }
  | { type: "stats"; stats: EmulatorStats }
  | { type: "failed"; message: string };

export interface EmulatorProcess {
  url: string;
  seeded: SeededAccount;
  stats(): Promise<EmulatorStats>;
  stop(): Promise<void>;
}

/** Replaces every string equal to a key of `map` anywhere inside `value` (plain objects and arrays). */
function replaceStrings(value: unknown, map: ReadonlyMap<string, string>): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      if (typeof item === "string") value[i] = map.get(item) ?? item;
      else replaceStrings(item, map);
    }
    return;
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (typeof item === "string") record[key] = map.get(item) ?? item;
    else replaceStrings(item, map);
  }
}

async function serve(
  options: EmulatorProcessOptions,
): Promise<{ emulator: ForecastEmulator; seeded: SeededAccount }> {
  const emulator = await startForecastEmulator({
    accountId: options.accountId,
    region: options.region,
    port: 0,
    latencyMs: options.latencyMs,
    throttle: options.throttle,
  });
  const synthetic = seedSyntheticAccount(emulator.state, {
    size: options.size,
    buckets: options.buckets,
    keys: options.keys,
    roles: options.roles,
  });
  // The synthetic pool's key ids are made up; moto cannot create a key with a chosen id, so the references
  // are rewritten to keys that moto made.
  const keyMap = new Map<string, string>();
  for (const [i, arn] of synthetic.keyArns.entries()) {
    const real = options.keyArns[i];
    if (real === undefined)
      throw new Error(`Only ${options.keyArns.length} real keys for ${synthetic.keyArns.length}.`);
    keyMap.set(arn, real);
  }
  let tagIndexed = 0;
  for (const type of FORECAST_RESOURCE_TYPES) {
    for (const entry of emulator.state.entries(type)) {
      replaceStrings(entry.description, keyMap);
      if (TAG_INDEX_TYPES[type] && entry.everTagged) tagIndexed += 1;
    }
  }
  return {
    emulator,
    seeded: {
      total: synthetic.total,
      counts: synthetic.counts,
      autoPredictors: synthetic.autoPredictors,
      tagIndexed,
      buckets: synthetic.buckets,
      keyArns: synthetic.keyArns.map((arn) => keyMap.get(arn) ?? arn),
      roleArns: synthetic.roleArns,
    },
  };
}

function runChild(): void {
  let emulator: ForecastEmulator | undefined;
  const reply = (message: FromChild, then?: () => void) =>
    process.send?.(message, undefined, {}, () => then?.());
  process.on("message", (message: ToChild) => {
    if (message.type === "start") {
      serve(message.options).then(
        (started) => {
          emulator = started.emulator;
          reply({ type: "ready", url: started.emulator.url, seeded: started.seeded });
        },
        (error: unknown) => reply({ type: "failed", message: String(error) }, () => process.exit(1)),
      );
    } else if (message.type === "stats") {
      const calls = Object.fromEntries([...(emulator?.calls ?? new Map<string, number>())].sort());
      reply({
        type: "stats",
        stats: { calls, total: emulator?.totalCalls() ?? 0, throttled: emulator?.throttledCalls() ?? 0 },
      });
    } else {
      void (emulator?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
}

export async function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, SCAN_BENCH_EMULATOR_CHILD: "1" },
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const next = <T extends FromChild["type"]>(type: T) =>
    new Promise<Extract<FromChild, { type: T }>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the emulator process exited (${code})`));
      child.once("exit", onExit);
      child.once("message", (message: FromChild) => {
        child.off("exit", onExit);
        if (message.type === "failed") reject(new Error(`the emulator failed: ${message.message}`));
        else if (message.type !== type) reject(new Error(`expected ${type}, got ${message.type}`));
        else resolve(message as Extract<FromChild, { type: T }>);
      });
    });
  const send = (message: ToChild) => child.send(message);

  const ready = next("ready");
  send({ type: "start", options });
  let started: Extract<FromChild, { type: "ready" }>;
  try {
    started = await ready;
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    url: started.url,
    seeded: started.seeded,
    async stats() {
      const answer = next("stats");
      send({ type: "stats" });
      return (await answer).stats;
    },
    async stop() {
      if (child.exitCode !== null) return;
      send({ type: "stop" });
      await exited;
    },
  };
}

if (process.env.SCAN_BENCH_EMULATOR_CHILD === "1") runChild();

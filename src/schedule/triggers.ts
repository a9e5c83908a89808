/**
 * What wakes the scheduler at a slot: node-cron in production, or a timer over an injectable clock (tests, and
 * anywhere real time must not pass). Either only wakes it; the slot's identity always comes from CronSchedule.
 */
import cron from "node-cron";
import type { CronSchedule } from "./cron-schedule.js";

export interface Clock {
  now(): Date;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TriggerSpec {
  name: string;
  schedule: CronSchedule;
}

export interface RunningTrigger {
  stop(): void;
}

/** Calls `fire` with the scheduled instant (not the moment it woke) at every slot, until stopped. */
export type StartTrigger = (spec: TriggerSpec, fire: (scheduledAt: Date) => void) => RunningTrigger;

export const systemClock: Clock = { now: () => new Date() };

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** node-cron's heartbeat; a wake-up late by less than this (a busy event loop) still runs its slot. */
const MISSED_TOLERANCE_MS = 5 * 60_000;

export const nodeCronTrigger: StartTrigger = (spec, fire) => {
  const task = cron.schedule(spec.schedule.expression, (context) => fire(context.date), {
    name: spec.name,
    timezone: spec.schedule.timeZone,
    missedExecutionTolerance: MISSED_TOLERANCE_MS,
    unref: true,
  });
  // A slot node-cron gave up on is still offered: the claim in the store decides whether it runs.
  task.on("execution:missed", (context) => fire(context.date));
  return {
    stop() {
      void task.destroy();
    },
  };
};

/** setTimeout takes at most 2^31 - 1 ms; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export function timerTrigger(clock: Clock, timers: Timers = systemTimers): StartTrigger {
  return (spec, fire) => {
    let handle: unknown;
    let stopped = false;
    const arm = () => {
      if (stopped) return;
      const now = clock.now();
      const slot = spec.schedule.next(now);
      const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, slot.getTime() - now.getTime()));
      handle = timers.setTimeout(() => {
        // A timer may wake early or a clock may be adjusted: only a slot that has come is fired.
        if (!stopped && clock.now().getTime() >= slot.getTime()) fire(slot);
        arm();
      }, delay);
    };
    arm();
    return {
      stop() {
        stopped = true;
        timers.clearTimeout(handle);
      },
    };
  };
}

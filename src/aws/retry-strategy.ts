/**
 * Adaptive retry with a rate limiter that reacts to congestion events rather than to each throttled response.
 *
 * The SDK's `DefaultRateLimiter` multiplies its rate by 0.7 on every throttled response. The responses of one
 * burst arrive together, so one overload cuts the rate two or three times (to a third), and CUBIC then needs
 * 5-10 s to grow back. Before it has measured anything its rate is 0, so a throttle in the first half-second
 * drops it to 0.5 requests/s. This limiter keeps the token bucket, the 0.7 cut and CUBIC growth, and changes
 * what hurt a scan:
 * - throttles within a window of the last cut are the same event (they were sent before the cut took effect),
 *   and a throttled share of the last second's responses under 2% is noise that the retries absorb;
 * - before a rate is measured, the pace of the busy period so far stands in for it, and the limiter starts
 *   pacing at that guess and grows from it at once instead of cutting below it and plateauing there;
 * - CUBIC grows back four times faster (K is 0.63 of the SDK's), so a cut made at a moment of slow responses
 *   costs a second or two rather than five, while the average over a cut-and-regrow cycle stays the same;
 * - sends are paced with a burst of about 10 ms instead of a second's worth, so that a service that limits
 *   concurrent requests sees an even flow;
 * - an idle gap restarts the measurement instead of being averaged in as a slow rate.
 */
import { AdaptiveRetryStrategy, isThrottlingError } from "@smithy/core/retry";
import type { SdkError } from "@smithy/types";

/** What `AdaptiveRetryStrategy` asks of a rate limiter (structurally the SDK's `RateLimiter`). */
export interface SendRateLimiter {
  getSendToken(): Promise<void>;
  updateClientSendingRate(response: unknown): void;
}

export interface CongestionRateLimiterOptions {
  /** Throttles this soon after the one that cut the rate belong to the same congestion event. Default 1000. */
  congestionWindowMs?: number;
  /**
   * Throttles are congestion only when more than this share of the last second's responses were throttled;
   * below it they are noise (a chance clump of requests) that the retries absorb. Default 0.02.
   */
  toleratedThrottleShare?: number;
  /** The rate is multiplied by this at each congestion event (the SDK's `beta`). Default 0.7. */
  beta?: number;
  /** CUBIC's scale constant: how fast the rate grows back after a cut. Default 1.6 (the SDK's is 0.4). */
  scaleConstant?: number;
  /** Weight of the newest half-second in the smoothed send rate (the SDK's). Default 0.8. */
  smooth?: number;
  /** The rate never goes below this many requests per second (the SDK's). Default 0.5. */
  minFillRate?: number;
  /** How many seconds of the rate may be sent back to back after a pause (at least one request). Default 0.01. */
  burstSeconds?: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Sends are counted over windows at least this long (the SDK measures half-second buckets). */
const MEASURE_WINDOW_S = 0.5;
/** A pause this long between sends and responses starts a new busy period. */
const IDLE_GAP_S = 1;
/** Guards the first estimate against a zero-length span. */
const MIN_SPAN_S = 0.001;
/** The throttled share is counted over the last second, in slots of this many seconds. */
const SHARE_SLOT_S = 0.1;
const SHARE_SLOTS = 10;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const realNow = () => performance.now();

function isThrottle(response: unknown): boolean {
  if (typeof response !== "object" || response === null) return false;
  if ("errorType" in response && response.errorType === "THROTTLING") return true;
  const error = "error" in response ? response.error : response;
  if (typeof error !== "object" || error === null) return false;
  return isThrottlingError(error as SdkError);
}

export class CongestionRateLimiter implements SendRateLimiter {
  readonly #windowS: number;
  readonly #tolerated: number;
  readonly #beta: number;
  readonly #scale: number;
  readonly #smooth: number;
  readonly #minFillRate: number;
  readonly #burstS: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  #enabled = false;
  #fillRate: number;
  /** When the next send may go (seconds), as in a GCRA scheduler: each waiting send reserves its own slot. */
  #nextSendAt = 0;
  #lastActivity = Number.NEGATIVE_INFINITY;
  #windowStart = 0;
  #windowSends = 0;
  #measured: number | undefined;
  /** CUBIC's W_max: the rate at the last cut. */
  #lastMaxRate = 0;
  #lastCut = Number.NEGATIVE_INFINITY;
  /** CUBIC's K: seconds after a cut until the rate is back at W_max. */
  #recovery = 0;
  /** Responses and throttles per slot of the last second; `#slot` is the index of the current slot's start. */
  readonly #responses = new Array<number>(SHARE_SLOTS).fill(0);
  readonly #throttles = new Array<number>(SHARE_SLOTS).fill(0);
  #slot = Number.NEGATIVE_INFINITY;

  constructor(options: CongestionRateLimiterOptions = {}) {
    this.#windowS = (options.congestionWindowMs ?? 1000) / 1000;
    this.#tolerated = options.toleratedThrottleShare ?? 0.02;
    this.#beta = options.beta ?? 0.7;
    this.#scale = options.scaleConstant ?? 1.6;
    this.#smooth = options.smooth ?? 0.8;
    this.#minFillRate = options.minFillRate ?? 0.5;
    this.#burstS = options.burstSeconds ?? 0.01;
    this.#now = options.now ?? realNow;
    this.#sleep = options.sleep ?? realSleep;
    this.#fillRate = this.#minFillRate;
  }

  /** Whether sends are being paced (from the first throttle on). Read by `bench:scan --trace`. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Requests per second allowed while enabled. */
  get fillRate(): number {
    return this.#fillRate;
  }

  /** The smoothed send rate, or the busy period's estimate before the first measurement. */
  get measuredTxRate(): number {
    return this.#sendRate(this.#seconds());
  }

  async getSendToken(): Promise<void> {
    const t = this.#seconds();
    // At a low rate, waiting for the next slot is not idleness.
    const idleGap = this.#enabled ? Math.max(IDLE_GAP_S, 2 / this.#fillRate) : IDLE_GAP_S;
    if (t - this.#lastActivity > idleGap) this.#startBusyPeriod(t);
    this.#lastActivity = t;
    this.#roll(t);
    // Counted when asked for, so that the estimate is never zero while a send waits for its slot.
    this.#windowSends += 1;
    if (!this.#enabled) return;
    const interval = 1 / this.#fillRate;
    const tolerance = Math.max(0, this.#fillRate * this.#burstS - 1) * interval;
    const sendAt = Math.max(t, this.#nextSendAt - tolerance);
    this.#nextSendAt = Math.max(this.#nextSendAt, sendAt) + interval;
    if (sendAt > t) {
      await this.#sleep((sendAt - t) * 1000);
      this.#lastActivity = Math.max(this.#lastActivity, this.#seconds());
    }
  }

  updateClientSendingRate(response: unknown): void {
    const t = this.#seconds();
    this.#lastActivity = t;
    this.#roll(t);
    const throttled = isThrottle(response);
    const share = this.#countResponse(t, throttled);
    if (throttled) {
      // Sent before the last cut could take effect: the same congestion, already answered.
      if (this.#enabled && t - this.#lastCut < this.#windowS) return;
      if (share <= this.#tolerated) return;
      const measured = this.#sendRate(t);
      const rate = this.#enabled ? Math.min(measured, this.#fillRate) : measured;
      // Before anything is measured the rate is a guess from the first round trips, which are the slowest:
      // pace at it and grow from it at once, rather than cut below it and plateau at it.
      const guessed = !this.#enabled && this.#measured === undefined;
      this.#lastMaxRate = rate;
      this.#recovery = guessed ? 0 : Math.cbrt((rate * (1 - this.#beta)) / this.#scale);
      this.#lastCut = t;
      this.#fillRate = Math.max(guessed ? rate : rate * this.#beta, this.#minFillRate);
      if (!this.#enabled) {
        this.#enabled = true;
        this.#nextSendAt = t;
      }
      return;
    }
    // Until the first throttle nothing is paced, so there is no rate to grow.
    if (!this.#enabled) return;
    const cubic = this.#scale * (t - this.#lastCut - this.#recovery) ** 3 + this.#lastMaxRate;
    this.#fillRate = Math.max(Math.min(cubic, 2 * this.#sendRate(t)), this.#minFillRate);
  }

  #seconds(): number {
    return this.#now() / 1000;
  }

  /** Counts one response; returns the throttled share of the last second's responses. */
  #countResponse(t: number, throttled: boolean): number {
    // A clock that steps back counts into the newest slot.
    const slot = Math.max(Math.floor(t / SHARE_SLOT_S), this.#slot);
    for (let s = Math.max(this.#slot + 1, slot - SHARE_SLOTS + 1); s <= slot; s += 1) {
      const i = s % SHARE_SLOTS;
      this.#responses[i] = 0;
      this.#throttles[i] = 0;
    }
    this.#slot = slot;
    const i = slot % SHARE_SLOTS;
    this.#responses[i] = (this.#responses[i] ?? 0) + 1;
    if (throttled) this.#throttles[i] = (this.#throttles[i] ?? 0) + 1;
    let responses = 0;
    let throttles = 0;
    for (let j = 0; j < SHARE_SLOTS; j += 1) {
      responses += this.#responses[j] ?? 0;
      throttles += this.#throttles[j] ?? 0;
    }
    return throttles / responses;
  }

  #startBusyPeriod(t: number): void {
    this.#windowStart = t;
    this.#windowSends = 0;
    this.#measured = undefined;
  }

  #roll(t: number): void {
    const span = t - this.#windowStart;
    if (span < MEASURE_WINDOW_S) return;
    const rate = this.#windowSends / span;
    this.#measured =
      this.#measured === undefined ? rate : rate * this.#smooth + this.#measured * (1 - this.#smooth);
    this.#windowStart = t;
    this.#windowSends = 0;
  }

  #sendRate(t: number): number {
    return this.#measured ?? this.#windowSends / Math.max(t - this.#windowStart, MIN_SPAN_S);
  }
}

/**
 * The SDK's adaptive retry strategy (same attempts, back-off, retry quota and error classification) with the
 * given rate limiter.
 */
export function createAdaptiveRetryStrategy(
  maxAttempts: number,
  rateLimiter: SendRateLimiter = new CongestionRateLimiter(),
): AdaptiveRetryStrategy {
  // Given options, AdaptiveRetryStrategy takes maxAttempts from them (3 when absent), not from its first argument.
  return new AdaptiveRetryStrategy(maxAttempts, { maxAttempts, rateLimiter });
}

/** One rate limiter per scope (account, service, region), shared by every client of that scope. */
export interface RateLimiterPool {
  get(scope: string): CongestionRateLimiter;
  clear(): void;
}

export function createRateLimiterPool(
  make: () => CongestionRateLimiter = () => new CongestionRateLimiter(),
): RateLimiterPool {
  const limiters = new Map<string, CongestionRateLimiter>();
  return {
    get(scope) {
      let limiter = limiters.get(scope);
      if (limiter === undefined) {
        limiter = make();
        limiters.set(scope, limiter);
      }
      return limiter;
    },
    clear() {
      limiters.clear();
    },
  };
}

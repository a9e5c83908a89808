import { Readable } from "node:stream";
import { DescribeDatasetGroupCommand } from "@aws-sdk/client-forecast";
import type { RetryErrorInfo, StandardRetryToken } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { createClientFactory } from "./client-factory.js";
import {
  CongestionRateLimiter,
  type CongestionRateLimiterOptions,
  createAdaptiveRetryStrategy,
  createRateLimiterPool,
  type SendRateLimiter,
} from "./retry-strategy.js";

const THROTTLED = {
  errorType: "THROTTLING",
  error: Object.assign(new Error("Rate exceeded."), { name: "ThrottlingException" }),
};
const SUCCESS = {};

/** A limiter on a clock that moves only when the test says; sleeping moves it by the time slept. */
function harness(options: CongestionRateLimiterOptions = {}) {
  let ms = 10_000;
  const slept: number[] = [];
  const limiter = new CongestionRateLimiter({
    now: () => ms,
    sleep: async (wait) => {
      slept.push(wait);
      ms += wait;
    },
    ...options,
  });
  return {
    limiter,
    slept,
    at: (to: number) => {
      ms = to;
    },
    get now() {
      return ms;
    },
    /** `perSecond` sends, each answered at once with a success, for `seconds`; ends where it started + seconds. */
    async traffic(perSecond: number, seconds: number) {
      const start = ms;
      const n = Math.round(perSecond * seconds);
      for (let i = 0; i < n; i += 1) {
        ms = start + (i * 1000) / perSecond;
        await limiter.getSendToken();
        limiter.updateClientSendingRate(SUCCESS);
      }
      ms = start + seconds * 1000;
    },
    throttle() {
      limiter.updateClientSendingRate(THROTTLED);
    },
  };
}

describe("CongestionRateLimiter", () => {
  it("paces nothing and never waits before the first throttle", async () => {
    const h = harness();
    await h.traffic(500, 2);
    expect(h.limiter.enabled).toBe(false);
    expect(h.slept).toEqual([]);
    expect(h.limiter.measuredTxRate).toBeCloseTo(500, 0);
  });

  it("takes a burst of throttles within 100 ms as one congestion event: one cut", async () => {
    const h = harness();
    await h.traffic(20, 2);
    const measured = h.limiter.measuredTxRate;
    expect(measured).toBeCloseTo(20, 0);

    h.throttle();
    expect(h.limiter.enabled).toBe(true);
    const cut = h.limiter.fillRate;
    expect(cut).toBeCloseTo(0.7 * measured, 5);
    h.at(h.now + 40);
    h.throttle();
    h.at(h.now + 60);
    h.throttle();
    expect(h.limiter.fillRate).toBe(cut);
  });

  it("cuts again for throttles two seconds apart", async () => {
    const h = harness();
    await h.traffic(20, 2);
    h.throttle();
    const first = h.limiter.fillRate;
    await h.traffic(20, 2);
    const before = { fill: h.limiter.fillRate, measured: h.limiter.measuredTxRate };

    h.throttle();
    expect(h.limiter.fillRate).toBeCloseTo(0.7 * Math.min(before.fill, before.measured), 5);
    expect(h.limiter.fillRate).toBeLessThan(first);
  });

  it("does not count non-throttling errors as congestion", async () => {
    const h = harness();
    await h.traffic(20, 2);
    h.limiter.updateClientSendingRate({ errorType: "TRANSIENT", error: new Error("socket hang up") });
    h.limiter.updateClientSendingRate({
      errorType: "CLIENT_ERROR",
      error: Object.assign(new Error("denied"), { name: "AccessDeniedException" }),
    });
    expect(h.limiter.enabled).toBe(false);
  });

  it("recognises a throttling error by its name or HTTP 429 when no error type is given", async () => {
    for (const error of [
      Object.assign(new Error("slow down"), { name: "TooManyRequestsException" }),
      Object.assign(new Error("x"), { name: "Whatever", $metadata: { httpStatusCode: 429 } }),
    ]) {
      const h = harness();
      await h.traffic(20, 1);
      h.limiter.updateClientSendingRate({ error });
      expect(h.limiter.enabled).toBe(true);
    }
  });

  it("tolerates a throttled share of 2% or less of the last second's responses", async () => {
    const h = harness();
    await h.traffic(200, 2);
    h.throttle();
    h.at(h.now + 5);
    h.throttle();
    expect(h.limiter.enabled).toBe(false);

    for (let i = 0; i < 3; i += 1) h.throttle();
    expect(h.limiter.enabled).toBe(true);
  });

  it("grows back to the rate of the cut within CUBIC's K, then above it", async () => {
    const h = harness();
    await h.traffic(40, 2);
    h.throttle();
    const cut = h.limiter.fillRate;
    expect(cut).toBeCloseTo(28, 5);
    const k = Math.cbrt((40 * 0.3) / 1.6);

    // The pacing lets 28/s through; it measures that, and the cap of twice the measured rate leaves room.
    await h.traffic(28, k - 0.05);
    expect(h.limiter.fillRate).toBeGreaterThan(cut);
    expect(h.limiter.fillRate).toBeLessThan(40);
    await h.traffic(28, 1.05);
    expect(h.limiter.fillRate).toBeGreaterThan(40);
  });

  it("never grows past twice the rate actually sent", async () => {
    const h = harness();
    await h.traffic(40, 2);
    h.throttle();
    expect(h.limiter.enabled).toBe(true);
    await h.traffic(10, 20);
    expect(h.limiter.fillRate).toBeLessThanOrEqual(2 * h.limiter.measuredTxRate + 1e-9);
    expect(h.limiter.fillRate).toBeCloseTo(20, 0);
  });

  it("a throttle before any rate is measured paces at the send rate so far, not at the floor", async () => {
    const h = harness();
    const start = h.now;
    // 8 calls at once, answered after 20 ms: 6 successes, then a throttle.
    for (let i = 0; i < 8; i += 1) await h.limiter.getSendToken();
    h.at(start + 20);
    for (let i = 0; i < 6; i += 1) h.limiter.updateClientSendingRate(SUCCESS);
    h.at(start + 21);
    h.throttle();

    expect(h.limiter.enabled).toBe(true);
    // 8 sends in 21 ms: about 380/s. The SDK's limiter, with nothing measured, drops to 0.5/s here.
    expect(h.limiter.fillRate).toBeCloseTo(8 / 0.021, 0);
  });

  it("never goes below its floor", async () => {
    const h = harness({ minFillRate: 2 });
    await h.traffic(1, 3);
    for (let i = 0; i < 5; i += 1) {
      h.throttle();
      h.at(h.now + 2_000);
    }
    expect(h.limiter.fillRate).toBe(2);
  });

  it("paces sends evenly at the fill rate once enabled, each waiting send reserving its own slot", async () => {
    const h = harness({ burstSeconds: 0 });
    await h.traffic(20, 2);
    h.throttle();
    const fill = h.limiter.fillRate;
    expect(fill).toBeCloseTo(14, 5);

    // Five sends asked for at one instant (the fake sleep moves the clock only after all have reserved).
    h.slept.length = 0;
    const asked = h.now;
    const sleeps: Promise<void>[] = [];
    for (let i = 0; i < 5; i += 1) {
      h.at(asked);
      sleeps.push(h.limiter.getSendToken());
    }
    await Promise.all(sleeps);
    expect(h.slept.map(Math.round)).toEqual([1, 2, 3, 4].map((k) => Math.round((k * 1000) / fill)));
  });

  it("allows a burst of about burstSeconds of the fill rate after a pause", async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = new CongestionRateLimiter({
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
      },
      burstSeconds: 0.05,
    });
    for (let i = 0; i < 200; i += 1) {
      clock = i * 5;
      await limiter.getSendToken();
      limiter.updateClientSendingRate(SUCCESS);
    }
    clock = 1_000;
    // Over 2% of the last second's 200 responses must be throttled before it counts.
    while (!limiter.enabled) limiter.updateClientSendingRate(THROTTLED);
    expect(limiter.fillRate).toBeCloseTo(140, 0);

    clock = 2_000;
    await Promise.all(Array.from({ length: 10 }, () => limiter.getSendToken()));
    // 140/s × 50 ms = 7 sends go at once; the rest wait their turn.
    expect(waits).toHaveLength(3);
  });

  it("restarts its measurement after an idle gap instead of averaging the gap in", async () => {
    const h = harness();
    await h.traffic(100, 2);
    h.at(h.now + 60_000);
    await h.traffic(200, 0.05);
    expect(h.limiter.measuredTxRate).toBeGreaterThan(150);

    h.throttle();
    expect(h.limiter.fillRate).toBeGreaterThan(100);
  });
});

describe("createAdaptiveRetryStrategy", () => {
  const TRANSIENT: RetryErrorInfo = { errorType: "TRANSIENT" };

  function spyLimiter() {
    const calls: string[] = [];
    const limiter: SendRateLimiter = {
      getSendToken: async () => {
        calls.push("token");
      },
      updateClientSendingRate: (response) => {
        calls.push(response && typeof response === "object" && "errorType" in response ? "error" : "success");
      },
    };
    return { calls, limiter };
  }

  it("keeps the given number of attempts (AdaptiveRetryStrategy would default it to 3)", async () => {
    expect(await createAdaptiveRetryStrategy(8).maxAttemptsProvider()).toBe(8);
    expect(await createAdaptiveRetryStrategy(1).maxAttemptsProvider()).toBe(1);
  });

  it("asks its limiter for a token before each attempt and reports each outcome", async () => {
    const { calls, limiter } = spyLimiter();
    const strategy = createAdaptiveRetryStrategy(2, limiter);
    const token = (await strategy.acquireInitialRetryToken("")) as StandardRetryToken;
    const retry = (await strategy.refreshRetryTokenForRetry(token, TRANSIENT)) as StandardRetryToken;
    await expect(strategy.refreshRetryTokenForRetry(retry, TRANSIENT)).rejects.toThrow();
    expect(calls).toEqual(["token", "error", "token", "error"]);

    const ok = (await strategy.acquireInitialRetryToken("")) as StandardRetryToken;
    strategy.recordSuccess(ok);
    expect(calls.slice(4)).toEqual(["token", "success"]);
  });

  it("does not retry a client error", async () => {
    const { limiter } = spyLimiter();
    const strategy = createAdaptiveRetryStrategy(8, limiter);
    const token = (await strategy.acquireInitialRetryToken("")) as StandardRetryToken;
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: "CLIENT_ERROR" })).rejects.toThrow();
  });
});

describe("createRateLimiterPool", () => {
  it("shares one limiter per scope until cleared", () => {
    const pool = createRateLimiterPool();
    const a = pool.get("111122223333:forecast:us-east-1");
    expect(pool.get("111122223333:forecast:us-east-1")).toBe(a);
    expect(pool.get("111122223333:forecast:eu-west-1")).not.toBe(a);
    expect(pool.get("111122223333:s3:us-east-1")).not.toBe(a);
    pool.clear();
    expect(pool.get("111122223333:forecast:us-east-1")).not.toBe(a);
  });
});

describe("client factory wiring", () => {
  const ACCOUNT = "111122223333";
  const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/a</Arn><UserId>AIDA</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

  /** STS answers who we are; Forecast throttles its first `throttles` calls, then answers. Nothing leaves the process. */
  function offline(throttles: number) {
    let forecastCalls = 0;
    const answer = (statusCode: number, headers: Record<string, string>, body: string) => ({
      response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) },
    });
    const requestHandler = {
      handle: async (request: { hostname: string; body?: unknown }) => {
        if (String(request.body ?? "").includes("Action=GetCallerIdentity"))
          return answer(200, { "content-type": "text/xml" }, IDENTITY);
        forecastCalls += 1;
        if (forecastCalls <= throttles)
          return answer(
            400,
            { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException" },
            JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }),
          );
        return answer(200, { "content-type": "application/x-amz-json-1.1" }, JSON.stringify({}));
      },
    };
    return {
      factory: createClientFactory({
        requireFips: false,
        sessionName: "test",
        credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
        region: "us-east-1",
        env: {},
        requestHandler: requestHandler as never,
      }),
      forecastCalls: () => forecastCalls,
    };
  }

  const strategyOf = async (client: { config: { retryStrategy(): Promise<unknown> } }) =>
    (await client.config.retryStrategy()) as {
      mode: string;
      rateLimiter: unknown;
      maxAttemptsProvider(): Promise<number>;
    };

  it("gives each client adaptive retry with 8 attempts and one congestion limiter per account, service and region", async () => {
    const { factory } = offline(0);
    const clients = await factory.forAccount({ id: ACCOUNT });
    // A second set of clients for the same account (another key in the factory's memo), as remediation gets.
    const others = await factory.forAccount({ id: ACCOUNT, externalId: "other" });
    const forecast = await strategyOf(clients.forecast("us-east-1"));

    expect(forecast.mode).toBe("adaptive");
    expect(await forecast.maxAttemptsProvider()).toBe(8);
    expect(forecast.rateLimiter).toBeInstanceOf(CongestionRateLimiter);
    expect(others.forecast("us-east-1")).not.toBe(clients.forecast("us-east-1"));
    expect((await strategyOf(others.forecast("us-east-1"))).rateLimiter).toBe(forecast.rateLimiter);
    expect((await strategyOf(clients.forecast("eu-west-1"))).rateLimiter).not.toBe(forecast.rateLimiter);
    expect((await strategyOf(clients.s3("us-east-1"))).rateLimiter).not.toBe(forecast.rateLimiter);
    expect((await strategyOf(clients.iam())).rateLimiter).toBeInstanceOf(CongestionRateLimiter);
    factory.destroy();
  });

  it("retries a throttled call until it succeeds, and the limiter starts pacing", async () => {
    const { factory, forecastCalls } = offline(1);
    const clients = await factory.forAccount({ id: ACCOUNT });
    const forecast = clients.forecast("us-east-1");

    const out = await forecast.send(
      new DescribeDatasetGroupCommand({
        DatasetGroupArn: "arn:aws:forecast:us-east-1:111122223333:dataset-group/g",
      }),
    );
    expect(out.$metadata.attempts).toBe(2);
    expect(forecastCalls()).toBe(2);
    expect(((await strategyOf(forecast)).rateLimiter as CongestionRateLimiter).enabled).toBe(true);
    factory.destroy();
  });
});

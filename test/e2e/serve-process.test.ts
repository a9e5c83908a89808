/**
 * `forecast-audit serve` as users run it: the real binary in a child process with its real composition root
 * (store on a SQLite file, live AWS collection against moto and the Forecast emulator, Bolt over HTTP), a fake
 * Slack Web API, and a slash command signed exactly as Slack signs it. Proves the wiring, not just the parts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { type CliProcess, startCliProcess } from "../support/cli-runner.js";
import { type FakeSlackApi, startFakeSlackApi } from "../support/fake-slack-api.js";
import { type ForecastEmulator, startForecastEmulator } from "../support/forecast-emulator/index.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import {
  EMAIL_TAG,
  SCENARIO_ACCOUNT,
  SCENARIO_REGION,
  scenarioEnv,
  seedScenario,
  writeScenarioConfig,
} from "../support/scenario.js";
import { FORM, postSigned, slashCommandBody } from "../support/slack-signing.js";

const SECRET = "0123456789abcdef0123456789abcdef";
const BOT_TOKEN = "xoxb-1-2-servetest";

let moto: MotoServer;
let emulator: ForecastEmulator;
let api: FakeSlackApi;
let serve: CliProcess;
let dir: string;
let base: string;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${serve?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: true });
  emulator = await startForecastEmulator({ accountId: SCENARIO_ACCOUNT, region: SCENARIO_REGION });
  await moto.reset();
  emulator.reset();
  await seedScenario(moto, emulator);
  api = await startFakeSlackApi();
  dir = await mkdtemp(join(tmpdir(), "forecast-audit-serve-"));
  // Alice (the default user of signed slash commands) may scan; nobody else may.
  const configPath = await writeScenarioConfig(
    dir,
    `regions: [${SCENARIO_REGION}]\nslack: { scanners: { users: [U0ALICE] } }\n`,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serve = await startCliProcess(["--config", configPath, "--log-level", "info", "serve"], {
    cwd: dir,
    env: {
      ...scenarioEnv(moto, emulator),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_APP_TOKEN: undefined,
      SLACK_API_URL: api.url,
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, "state.db")}`,
    },
  });
  await waitFor(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), "/healthz");
}, 120_000);

afterAll(async () => {
  const code = await serve?.stop();
  expect(code === 0 || code === null).toBe(true);
  await api?.close();
  await moto?.stop();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("forecast-audit serve (child process)", () => {
  it("scans on /forecast-audit scan, posts the result, records the scan, and leaks no tag value", async () => {
    const body = slashCommandBody({
      text: "scan",
      responseUrl: api.responseUrl("serve-1"),
      channelId: "C0SERVE1",
    });
    const res = await postSigned(`${base}/slack/events`, body, FORM, { signingSecret: SECRET });
    expect(res.status).toBe(200);

    const result = await waitFor(
      async () =>
        api.calls.find(
          (c) =>
            (c.method === "chat.update" || c.method === "chat.postMessage") &&
            /could not be evaluated/.test(String(c.body.text)),
        ),
      "the scan result message",
    );
    expect(result.token).toBe(BOT_TOKEN);
    expect(String(result.body.text)).toMatch(/passed/);
    const everything = JSON.stringify(api.calls.map((c) => c.body));
    expect(everything).not.toContain(EMAIL_TAG.Value);
    expect(everything).not.toContain("<!channel>");

    // The scan is in the store the process writes (read it with a second connection to the same file).
    const store = await openStore({ databaseUrl: `sqlite:${join(dir, "state.db")}` });
    try {
      const last = await waitFor(async () => store.lastScan(), "the recorded scan");
      expect(last.trigger).toMatch(/^slack:U/);
      expect(last.scope.accounts).toEqual([SCENARIO_ACCOUNT]);
      expect(last.counts?.fail).toBeGreaterThan(0);
      const failing = await store.listFindings({ status: ["FAIL"] });
      expect(failing.some((f) => f.controlId === "s3-bucket-tls-enforced")).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("refuses an unsigned request with 401 and starts nothing", async () => {
    const body = slashCommandBody({
      text: "scan",
      responseUrl: api.responseUrl("serve-2"),
      channelId: "C0SERVE2",
    });
    const res = await postSigned(`${base}/slack/events`, body, FORM, {
      signingSecret: "wrong-secret-wrong-secret",
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1000));
    const touched = api.calls.filter(
      (c) => c.responseId === "serve-2" || JSON.stringify(c.body).includes("C0SERVE2"),
    );
    expect(touched).toEqual([]);
  });
});

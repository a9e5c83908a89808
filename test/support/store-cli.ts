/** Runs the store's CLI commands in-process against a temp SQLite store, capturing their output. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type { CliDeps } from "../../src/cli/deps.js";
import type { Finding } from "../../src/domain/finding.js";
import { createLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/types.js";

export interface StoreCli {
  deps: CliDeps;
  clock: { now: Date };
  out: string[];
  err: string[];
  /** Runs `forecast-audit <args>` with the given commands registered. */
  run(register: (program: Command, deps: CliDeps) => void, ...args: string[]): Promise<string>;
  /** A store on the same database, for seeding and checking. */
  store(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function createStoreCli(): Promise<StoreCli> {
  const dir = await mkdtemp(join(tmpdir(), "forecast-audit-cli-"));
  const databaseUrl = `sqlite:${join(dir, "state.db")}`;
  const clock = { now: new Date("2026-03-01T08:00:00.000Z") };
  const out: string[] = [];
  const err: string[] = [];
  const opened: Store[] = [];
  const open = async () => {
    const store = await openStore({ databaseUrl, now: () => clock.now });
    opened.push(store);
    return store;
  };
  const deps: CliDeps = {
    openStore: () => open(),
    createAuditRuntime: () => {
      throw new Error("the store commands never call AWS");
    },
    createLogger: () => createLogger({ level: "silent" }),
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    now: () => clock.now,
    isTty: false,
    env: {},
    cwd: dir,
    setExitCode: () => {},
    localUser: "tester",
  };
  return {
    deps,
    clock,
    out,
    err,
    async run(register, ...args) {
      out.length = 0;
      err.length = 0;
      const program = new Command("forecast-audit")
        .option("-c, --config <file>")
        .exitOverride()
        .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
      register(program, deps);
      await program.parseAsync(args, { from: "user" });
      return out.join("");
    },
    store: open,
    async cleanup() {
      for (const s of opened) await s.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function kmsFinding(
  resource: string,
  status: Finding["status"],
  over: Partial<Finding> = {},
): Finding {
  return {
    controlId: "kms-key-rotation-enabled",
    status,
    severity: "medium",
    accountId: "111111111111",
    region: "us-east-1",
    resourceArn: `arn:aws:kms:us-east-1:111111111111:key/${resource}`,
    resourceType: "kms-key",
    title: "KMS key rotation is enabled",
    detail: `Key ${resource} is ${status}.`,
    ...over,
  };
}

export const SCOPE = {
  accounts: ["111111111111"],
  regions: ["us-east-1"],
  controls: ["kms-key-rotation-enabled", "s3-bucket-tls-enforced", "kms-key-not-pending-deletion"],
};

/**
 * Follows the README's quick start in a fresh clone: the shell lines are parsed from README.md's "Quick start"
 * section and run as written (with `bash -c`, in a `git clone` of this repository's HEAD).
 *
 * What it skips, to stay cheap: `npm ci` (the clone gets a symlink to this checkout's node_modules, installed
 * by the same lockfile) and `npm run check` (that is the suite running this test; only its script is checked).
 * The "against a real account" lines run without credentials and must reach the program's own message (exit 2,
 * "no AWS credentials found"), which proves they resolve verbatim from a clone. When the machine's
 * /usr/bin/node is Node 20 (end of life), the demo line runs on it too.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-runner.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The shell lines of each ```sh block in one README section, comments removed. */
function shellLines(readme: string, heading: string): string[][] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? "")
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter(Boolean),
  );
}

let clone: string;
let home: string;
let blocks: string[][];

function sh(line: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      "bash",
      ["-c", line],
      { cwd: clone, env: { ...OFFLINE_ENV(), ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** No AWS credentials, no profile files, no instance metadata: nothing can reach AWS. */
function OFFLINE_ENV(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, AWS_EC2_METADATA_DISABLED: "true" };
  for (const key of Object.keys(env)) {
    if (
      /^(AWS_(ACCESS|SECRET|SESSION|PROFILE|ENDPOINT|REGION|DEFAULT_REGION)|DATABASE_URL|FORECAST_AUDIT_)/.test(
        key,
      )
    )
      delete env[key];
  }
  env.AWS_REGION = "us-east-1";
  return env;
}

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), "forecast-audit-clone-"));
  home = await mkdtemp(join(tmpdir(), "forecast-audit-home-"));
  execFileSync("git", ["clone", "--quiet", REPO_ROOT, clone]);
  await symlink(join(REPO_ROOT, "node_modules"), join(clone, "node_modules"));
  blocks = shellLines(await readFile(join(clone, "README.md"), "utf8"), "## Quick start");
}, 60_000);

afterAll(async () => {
  if (clone) await rm(clone, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

describe("the README's quick start, from a fresh clone", () => {
  it("has the two-command quick start and the real-account block", () => {
    expect(blocks[0]).toEqual(["npm ci && npm run demo", "npm run check"]);
    expect(blocks[1]?.length).toBeGreaterThanOrEqual(2);
  });

  it("runs its first block as written (npm ci and npm run check aside)", async () => {
    const pkg = JSON.parse(await readFile(join(clone, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    for (const line of blocks[0] ?? []) {
      for (const command of line.split("&&").map((c) => c.trim())) {
        if (command === "npm ci") continue;
        if (command === "npm run check") {
          expect(pkg.scripts.check).toBeDefined();
          continue;
        }
        const run = await sh(command);
        expect(run.code, `${command}\n${run.stderr}`).toBe(0);
        expect(run.stdout.replace(/\s+/g, " ")).toMatch(
          /\d+ findings in 1 account\(s\), \d+ region\(s\): \d+ FAIL/,
        );
        expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|Warning/);
      }
    }
  }, 180_000);

  it("runs each real-account line as written: without credentials it says what to do, not 'not found'", async () => {
    for (const line of blocks[1] ?? []) {
      const run = await sh(line);
      expect(run.code, `${line}\n${run.stderr}`).not.toBe(127);
      expect(run.stderr, line).toContain("no AWS credentials found.");
      expect(run.stderr, line).toContain("AWS_PROFILE=");
      expect(run.stderr, line).toContain("scan --inventory FILE");
      expect(run.stderr, line).toContain("npm run demo");
    }
  }, 180_000);

  const node20 = existsSync("/usr/bin/node")
    ? execFileSync("/usr/bin/node", ["--version"]).toString().trim()
    : "";
  it.skipIf(!node20.startsWith("v20."))(
    "on Node 20 (end of life) the demo line works with one notice, and the store is refused with the fix",
    async () => {
      const path = `${dirname("/usr/bin/node")}:${process.env.PATH}`;
      const demo = await sh("npm run demo", { PATH: path });
      expect(demo.code, demo.stderr).toBe(0);
      expect(demo.stderr.match(/is end of life/g)).toHaveLength(1);
      expect(demo.stderr).not.toContain("NodeVersionSupportWarning");
      const findings = await sh("npm run forecast-audit -- findings", { PATH: path });
      expect(findings.code).toBe(2);
      expect(findings.stderr).toContain("the SQLite store needs Node.js 22 or later");
    },
    180_000,
  );
});

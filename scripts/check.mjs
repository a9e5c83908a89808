#!/usr/bin/env node
// `npm run check`: lint, typecheck and every test suite. The tests need Node.js 22 or later (the SQLite driver
// crashes Node 20), so on an older Node.js this announces it and runs itself again with Node.js 24 LTS taken
// from the npm registry's `node` package (`npm exec --package=node@24`), which needs nothing but npm.
import { spawnSync } from "node:child_process";

const MIN_MAJOR = 22;
const major = Number(process.versions.node.split(".")[0]);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (major < MIN_MAJOR) {
  if (process.env.FORECAST_AUDIT_CHECK_REEXEC === "1") {
    console.error(`check: still on Node.js ${process.version} after switching; install Node.js 24 LTS.`);
    process.exit(2);
  }
  console.error(
    `check: Node.js ${process.version} is end of life and the tests need Node.js ${MIN_MAJOR} or later; ` +
      "running them with Node.js 24 LTS from the npm registry (npm exec --package=node@24). " +
      "Install Node.js 24 to skip this step.",
  );
  process.exit(
    run(npm, ["exec", "--yes", "--package=node@24", "--", "node", "scripts/check.mjs"], {
      ...process.env,
      FORECAST_AUDIT_CHECK_REEXEC: "1",
    }),
  );
}

for (const script of ["lint", "typecheck", "test:all"]) {
  const status = run(npm, ["run", script]);
  if (status !== 0) process.exit(status);
}

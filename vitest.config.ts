import { defineConfig } from "vitest/config";

export default defineConfig({
  // The catalog tests import each control and remediation by a computed path on purpose (to check that a file
  // exists per id); vite's dynamic-import-vars transform cannot rewrite such imports and warned on every run.
  build: { dynamicImportVarsOptions: { exclude: [/\.test\.ts$/] } },
  test: {
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

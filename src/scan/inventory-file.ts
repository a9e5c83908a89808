/** Saving and loading inventories (`collect --out FILE`, `scan --inventory FILE`). */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { INVENTORY_SCHEMA_VERSION, type Inventory } from "../domain/inventory.js";
import type { CollectFn } from "./run-scan.js";
import { writePrivateFile } from "./write-private-file.js";

export class InventoryFileError extends Error {
  override readonly name = "InventoryFileError";
  readonly exitCode = 2;
}

const sliceShape = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), action: z.string() }),
  }),
]);

/**
 * The outer shape, checked so that a wrong or truncated file gets an error naming the field instead of a
 * crash deep inside a control. Slice contents are trusted to be what `collect` wrote.
 */
const inventoryShape = z.object({
  schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
  collectedAt: z.iso.datetime({ offset: true }),
  accounts: z.array(
    z.object({
      accountId: z.string().regex(/^\d{12}$/),
      partition: z.string().min(1),
      regions: z.array(
        z.object({
          region: z.string().min(1),
          forecast: z.record(z.string(), sliceShape),
          trailArns: sliceShape,
          forecastApiEvents: sliceShape,
          macie: z.object({
            session: sliceShape,
            automatedDiscovery: sliceShape,
            classificationJobs: sliceShape,
          }),
        }),
      ),
      iam: z.object({ summary: sliceShape, credentialReport: sliceShape, authorization: sliceShape }),
      s3: z.object({ publicAccessBlock: sliceShape }),
      buckets: z.record(z.string(), z.object({ name: z.string() })),
      keys: z.record(z.string(), z.object({ ref: z.string() })),
      roles: z.record(z.string(), z.object({ arn: z.string() })),
      trails: z.record(z.string(), z.object({ arn: z.string() })),
    }),
  ),
});

export function parseInventory(text: string, source: string): Inventory {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InventoryFileError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const result = inventoryShape.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? issue.path.map(String).join(".") || "(top level)" : "(unknown)";
    throw new InventoryFileError(
      `${source} is not a forecast-audit inventory: ${field}: ${issue?.message ?? "invalid"}`,
    );
  }
  return raw as Inventory;
}

export async function readInventoryFile(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InventoryFileError(
      `cannot read inventory ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return parseInventory(text, path);
}

export async function writeInventoryFile(path: string, inventory: Inventory): Promise<void> {
  // It holds tag values: 0600, also when an existing (perhaps world-readable) file is overwritten.
  await writePrivateFile(path, `${JSON.stringify(inventory)}\n`);
}

/** Keeps only the given accounts (by id or name) and regions; empty filters keep everything. */
export function filterInventory(inventory: Inventory, accounts: string[], regions: string[]): Inventory {
  return {
    ...inventory,
    accounts: inventory.accounts
      .filter(
        (a) =>
          accounts.length === 0 || accounts.includes(a.accountId) || (a.name && accounts.includes(a.name)),
      )
      .map((a) => ({
        ...a,
        regions: a.regions.filter((r) => regions.length === 0 || regions.includes(r.region)),
      })),
  };
}

/** A collector that reads a saved inventory (for benchmarks and tests of everything after collection). */
export function inventoryFileCollector(path: string): CollectFn {
  return async (scope) =>
    filterInventory(
      await readInventoryFile(path),
      scope.accounts.map((a) => a.id),
      scope.regions,
    );
}

/** Timestamps as the store keeps them: ISO-8601 UTC with milliseconds, which sort as text. */
import { StoreInputError } from "./errors.js";

export function toIso(value: Date | string, what = "timestamp"): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new StoreInputError(`Invalid ${what}: ${String(value)}.`);
  return date.toISOString();
}

export const DAY_MS = 86_400_000;

export function addDays(iso: string, days: number): string {
  return new Date(new Date(iso).getTime() + days * DAY_MS).toISOString();
}

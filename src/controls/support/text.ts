/**
 * Sentence helpers for finding details: untrusted values are masked by what they are before they reach a
 * sentence (a name with the name rules, an S3 path by its parts, other text as free text).
 */
import { maskS3Path, maskSensitive, maskSensitiveName } from "../../domain/sensitive.js";

/** An untrusted value (a tag, a bucket or role name, a message) in quotes, with anything sensitive masked. */
export function quoted(value: string): string {
  return `"${maskSensitive(value)}"`;
}

/** An S3 path in quotes: its bucket stays readable when only the key or the query holds a secret. */
export function quotedPath(path: string): string {
  return `"${maskS3Path(path)}"`;
}

/** A resource name in quotes, masked with the name detector (digit runs, mangled e-mails). */
export function quotedName(name: string): string {
  return `"${maskSensitiveName(name)}"`;
}

/** "a", "a and b", "a, b and c", "a, b, c and 2 more". */
export function listPhrase(items: readonly string[], max = 3): string {
  if (items.length === 0) return "";
  if (items.length === 1) return items[0] ?? "";
  if (items.length > max) return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Upper-cases the first letter, so a phrase can start a sentence. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The date part of an ISO timestamp. */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}
